"""Inside a circle: pause and resume, updates, the rhythm, the rota.

Any member (the facilitator included) posts updates, sets the rhythm and keeps the rota; a
paused circle takes no new updates or rota changes. Pausing and resuming belong to the
stewards (see rules.may_steward).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models import aggregate_store
from models.circles import Circle, CircleUpdate, RotaSlot
from models.errors import InvalidTransition, NotFound
from models.pseudonym import CIRCLES
from resolvers import input_rules
from resolvers.aggregates import events
from resolvers.circles import rules
from resolvers.circles.counting import count_if_coordinator
from resolvers.circles.locking import lock_circle, lock_for_steward
from resolvers.circles.lookup import Membership, membership
from resolvers.circles.sealing import CIRCLE, SLOT, UPDATE, seal, unseal
from resolvers.circles.status import Event, Status, transition
from resolvers.circles.views import CircleView, SlotView, UpdateView, circle_view, my_member_view
from resolvers.live.activity import CircleActivityKind as Live
from resolvers.live.activity import circle_signal
from resolvers.live.streams import publish
from resolvers.request import CareContext


def _not_paused(circle: Circle) -> None:
    if circle.status == Status.PAUSED.value:
        raise InvalidTransition("This circle is paused; resume it first.")


async def _change_status(ctx: CareContext, raw_id: str, event: Event) -> CircleView:
    mine = await membership(ctx, raw_id)
    today = ctx.clock.today()
    async with in_transaction("default"):
        circle = await lock_for_steward(ctx, mine)
        old = Status(circle.status)
        new = transition(old, event)
        await Circle.filter(id=circle.id).update(status=new.value)
        circle.status = new.value
        await aggregate_store.add(
            events.circle_status_changed(circle.neighborhood, today, old, new), today
        )
        await count_if_coordinator(ctx, mine.role, circle.neighborhood, today)
    await publish(ctx, circle_signal(circle.id, Live.STATUS_CHANGED))
    return await circle_view(ctx, circle, mine.member)


async def pause_circle(ctx: CareContext, raw_id: str) -> CircleView:
    return await _change_status(ctx, raw_id, Event.PAUSE)


async def resume_circle(ctx: CareContext, raw_id: str) -> CircleView:
    return await _change_status(ctx, raw_id, Event.RESUME)


async def set_rhythm(ctx: CareContext, raw_id: str, raw_rhythm: str | None) -> CircleView:
    rhythm = rules.rhythm(raw_rhythm)
    mine = await membership(ctx, raw_id)
    today = ctx.clock.today()
    async with in_transaction("default"):
        circle = await lock_circle(mine.circle.id)
        sealed = None
        if rhythm is not None:
            sealed = await seal(ctx.sealer, circle.id, CIRCLE, circle.id, "rhythm", rhythm)
        await Circle.filter(id=circle.id).update(rhythm_sealed=sealed)
        circle.rhythm_sealed = sealed
        await count_if_coordinator(ctx, mine.role, circle.neighborhood, today)
    return await circle_view(ctx, circle, mine.member)


async def post_update(ctx: CareContext, raw_id: str, raw_body: str) -> UpdateView:
    body = rules.update_body(raw_body)
    mine = await membership(ctx, raw_id)
    today = ctx.clock.today()
    expires_on = today + dt.timedelta(days=ctx.policy.update_ttl_days)
    update_id = uuid.uuid4()
    async with in_transaction("default"):
        circle = await lock_circle(mine.circle.id)
        _not_paused(circle)
        await CircleUpdate.create(
            id=update_id,
            circle_id=circle.id,
            author_id=mine.member.id,
            body_sealed=await seal(ctx.sealer, circle.id, UPDATE, update_id, "body", body),
            posted_on=today,
            expires_on=expires_on,
        )
        await count_if_coordinator(ctx, mine.role, circle.neighborhood, today)
    await publish(ctx, circle_signal(circle.id, Live.UPDATE_POSTED))
    return UpdateView(
        id=update_id,
        circle_id=circle.id,
        body=body,
        author=await my_member_view(ctx, mine),
        posted_on=today,
        expires_on=expires_on,
    )


async def add_rota_slot(ctx: CareContext, raw_id: str, on: dt.date, raw_task: str) -> SlotView:
    task = rules.task(raw_task)
    today = ctx.clock.today()
    day = rules.slot_day(on, today)
    mine = await membership(ctx, raw_id)
    slot_id = uuid.uuid4()
    async with in_transaction("default"):
        circle = await lock_circle(mine.circle.id)
        _not_paused(circle)
        await RotaSlot.create(
            id=slot_id,
            circle_id=circle.id,
            on=day,
            task_sealed=await seal(ctx.sealer, circle.id, SLOT, slot_id, "task", task),
        )
        await count_if_coordinator(ctx, mine.role, circle.neighborhood, today)
    await publish(ctx, circle_signal(circle.id, Live.ROTA_CHANGED))
    return SlotView(id=slot_id, circle_id=circle.id, on=day, task=task, holder=None)


async def _slot_membership(ctx: CareContext, raw_slot_id: str) -> tuple[dict[str, Any], Membership]:
    """The slot and the caller's membership of its circle; NotFound when either is missing."""
    slot_id = input_rules.parse_id(raw_slot_id)
    if slot_id is None:
        raise NotFound()
    slot = (
        await RotaSlot.filter(id=slot_id, circle__members__member=ctx.viewer.as_(CIRCLES))
        .first()
        .values("id", "circle_id", "on", "task_sealed")
    )
    if slot is None:
        raise NotFound()
    return slot, await membership(ctx, str(slot["circle_id"]))


async def take_rota_slot(ctx: CareContext, raw_slot_id: str) -> SlotView:
    """Take a free slot (taking one's own slot again changes nothing)."""
    slot, mine = await _slot_membership(ctx, raw_slot_id)
    slot_id = uuid.UUID(str(slot["id"]))
    day: dt.date = slot["on"]
    today = ctx.clock.today()
    me = mine.member.id
    async with in_transaction("default"):
        circle = await lock_circle(mine.circle.id)
        _not_paused(circle)
        if day < today:
            raise InvalidTransition("This slot's day has passed.")
        taken = (
            await RotaSlot.filter(id=slot_id)
            .filter(Q(holder_id=None) | Q(holder_id=me))
            .update(holder_id=me)
        )
        if not taken:
            raise InvalidTransition("Someone else has taken this slot.")
        await count_if_coordinator(ctx, mine.role, circle.neighborhood, today)
    await publish(ctx, circle_signal(circle.id, Live.ROTA_CHANGED))
    task = await unseal(ctx.sealer, circle.id, SLOT, slot_id, "task", slot["task_sealed"])
    holder = await my_member_view(ctx, mine)
    return SlotView(id=slot_id, circle_id=circle.id, on=day, task=task, holder=holder)
