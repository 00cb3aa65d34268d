"""Leaving and closing. Closing deletes every row of the circle and shreds its data key, so
whatever ciphertext survives in a backup can no longer be opened; only the anonymous
weekly aggregate counts remain."""

from __future__ import annotations

import datetime as dt
import uuid

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models import aggregate_store
from models.circles import Circle, CircleInvite, CircleMember, CircleUpdate, RotaSlot
from models.errors import NotFound
from resolvers.aggregates import events
from resolvers.circles import rules
from resolvers.circles.counting import count_if_coordinator
from resolvers.circles.locking import lock_circle, lock_for_steward
from resolvers.circles.lookup import membership
from resolvers.circles.sealing import key_owner
from resolvers.circles.status import Status
from resolvers.live.activity import CircleActivityKind as Live
from resolvers.live.activity import circle_signal
from resolvers.live.streams import publish
from resolvers.request import CareContext


async def remove_member(member_id: uuid.UUID) -> bool:
    """Delete a membership and its sealed display name; what the member wrote stays, without
    an author, and the slots they held become free. False when the row was already gone."""
    await CircleUpdate.filter(author_id=member_id).update(author_id=None)
    await RotaSlot.filter(holder_id=member_id).update(holder_id=None)
    return bool(await CircleMember.filter(id=member_id).delete())


async def destroy(ctx: CareContext, circle: Circle, today: dt.date) -> None:
    """Delete the circle and all its rows, shred its key, count the closing. Call inside the
    transaction that locked the circle."""
    for model in (RotaSlot, CircleUpdate, CircleInvite, CircleMember):
        await model.filter(circle_id=circle.id).delete()
    await Circle.filter(id=circle.id).delete()
    await aggregate_store.add(
        events.circle_closed(circle.neighborhood, today, Status(circle.status)), today
    )
    # Last: with the key table in its own database the shredding commits on its own.
    await ctx.sealer.shred(key_owner(circle.id))


async def close_circle(ctx: CareContext, raw_id: str) -> bool:
    mine = await membership(ctx, raw_id)
    today = ctx.clock.today()
    async with in_transaction("default"):
        circle = await lock_for_steward(ctx, mine)
        await count_if_coordinator(ctx, mine.role, circle.neighborhood, today)
        await destroy(ctx, circle, today)
    await publish(ctx, circle_signal(circle.id, Live.CLOSED))
    return True


async def leave_circle(ctx: CareContext, raw_id: str) -> bool:
    """Leave; a circle left with nobody in it (not even a facilitator) closes."""
    mine = await membership(ctx, raw_id)
    today = ctx.clock.today()
    async with in_transaction("default"):
        circle = await lock_circle(mine.circle.id)
        if not await remove_member(mine.member.id):
            raise NotFound()  # left in a concurrent request
        if rules.counts_toward_limit(mine.role):
            await Circle.filter(id=circle.id).update(member_count=F("member_count") - 1)
        await count_if_coordinator(ctx, mine.role, circle.neighborhood, today)
        closed = not await CircleMember.filter(circle_id=circle.id).exists()
        if closed:
            await destroy(ctx, circle, today)
    await publish(ctx, circle_signal(circle.id, Live.CLOSED if closed else Live.MEMBER_LEFT))
    return True


async def purge_expired(today: dt.date, update_ttl_days: int = 30) -> dict[str, int]:
    """Delete expired updates and invites, and rota slots older than the update lifetime,
    in every circle. Read paths purge what they touch; this is for a periodic purge, which
    nothing in the service runs yet (docs/circles.md)."""
    oldest_slot = today - dt.timedelta(days=update_ttl_days)
    async with in_transaction("default"):
        purged = {
            "updates": await CircleUpdate.filter(expires_on__lte=today).delete(),
            "invites": await CircleInvite.filter(expires_on__lte=today).delete(),
            "rota_slots": await RotaSlot.filter(on__lt=oldest_slot).delete(),
        }
    return purged
