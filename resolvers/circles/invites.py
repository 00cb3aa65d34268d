"""Invitations and joining. A code carries 192 random bits, url-safe; only its SHA-256 is
stored; it works once, until the day before its expiresOn. Used, expired and unknown codes
answer INVITE_INVALID alike."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models import aggregate_store, db
from models.circles import Circle, CircleInvite, CircleMember
from models.errors import CircleFull, InvalidTransition, InviteInvalid
from models.pseudonym import code_hash
from resolvers.aggregates import events
from resolvers.circles import rules
from resolvers.circles.closing import remove_member
from resolvers.circles.counting import count_if_coordinator
from resolvers.circles.locking import lock_circle, special_roles
from resolvers.circles.lookup import membership
from resolvers.circles.sealing import MEMBER, seal
from resolvers.circles.status import Event, Status, transition
from resolvers.circles.views import CircleView, InviteView, circle_view
from resolvers.request import CareContext

CODE_BYTES = 24  # 192 bits
INVITE_DAYS = 7


def new_code() -> tuple[str, str]:
    """A fresh code and the hash stored in its place."""
    code = secrets.token_urlsafe(CODE_BYTES)
    return code, code_hash(code)


def usable(expires_on: dt.date, today: dt.date) -> bool:
    return today < expires_on


async def create_invite(ctx: CareContext, raw_id: str, role: rules.Role) -> InviteView:
    mine = await membership(ctx, raw_id)
    today = ctx.clock.today()
    expires_on = today + dt.timedelta(days=INVITE_DAYS)
    code, hashed = new_code()
    async with in_transaction("default"):
        circle = await lock_circle(mine.circle.id)
        present = await special_roles(circle.id)
        rules.check_invite(
            mine.role,
            role,
            has_facilitator=rules.Role.FACILITATOR in present,
            has_focus=rules.Role.FOCUS in present,
            coordinates=ctx.viewer.coordinates(circle.neighborhood),
        )
        if rules.counts_toward_limit(role) and circle.member_count >= rules.MAX_MEMBERS:
            raise CircleFull()
        # Dead codes of this circle go while we are here.
        await CircleInvite.filter(circle_id=circle.id, expires_on__lte=today).delete()
        await CircleInvite.create(
            code_hash=hashed, circle_id=circle.id, role=role.value, expires_on=expires_on
        )
        await count_if_coordinator(ctx, mine.role, circle.neighborhood, today)
    return InviteView(code=code, role=role, expires_on=expires_on)


async def join_circle(ctx: CareContext, raw_code: str, raw_name: str) -> CircleView:
    subject = ctx.viewer.subject
    assert subject is not None  # member fields are guarded by @authenticated
    name = rules.display_name(raw_name)
    code = rules.code(raw_code)
    if code is None:
        raise InviteInvalid()
    hashed = code_hash(code)
    today = ctx.clock.today()
    invite = (
        await CircleInvite.filter(code_hash=hashed)
        .first()
        .values("circle_id", "role", "expires_on", "circle__neighborhood")
    )
    if invite is None or not usable(invite["expires_on"], today):
        raise InviteInvalid()
    role = rules.Role(invite["role"])
    if role is rules.Role.FACILITATOR and not ctx.viewer.coordinates(
        invite["circle__neighborhood"]
    ):
        # Answered like an unknown code, from the same one lookup: whoever cannot use the
        # code learns nothing of it. It stays usable for the coordinator it was meant for.
        raise InviteInvalid()
    try:
        async with in_transaction("default"):
            circle = await Circle.filter(id=invite["circle_id"]).select_for_update().first()
            if circle is None:
                raise InviteInvalid()
            if await CircleMember.filter(circle_id=circle.id, member=subject).exists():
                raise InvalidTransition("You are already in this circle.")
            # Single use: whoever deletes the row uses the code; a failure below rolls it back.
            if not await CircleInvite.filter(code_hash=hashed, expires_on__gt=today).delete():
                raise InviteInvalid()
            old = Status(circle.status)
            count = circle.member_count
            if rules.counts_toward_limit(role):
                if role is rules.Role.FOCUS and rules.Role.FOCUS in await special_roles(circle.id):
                    raise InvalidTransition("This circle already has a focus member.")
                took_place = await Circle.filter(
                    id=circle.id, member_count__lt=rules.MAX_MEMBERS
                ).update(member_count=F("member_count") + 1)
                if not took_place:
                    raise CircleFull()
                count += 1
            else:
                # A facilitator invite hands facilitation over: the previous facilitator leaves.
                for old_facilitator in await CircleMember.filter(
                    circle_id=circle.id, role=rules.Role.FACILITATOR.value
                ).values_list("id", flat=True):
                    await remove_member(uuid.UUID(str(old_facilitator)))
            member_id = uuid.uuid4()
            member = await CircleMember.create(
                id=member_id,
                circle_id=circle.id,
                member=subject,
                role=role.value,
                name_sealed=await seal(ctx.sealer, circle.id, MEMBER, member_id, "name", name),
                joined_on=today,
            )
            new = transition(old, Event.JOINED, count)
            if new is not old:
                await Circle.filter(id=circle.id).update(status=new.value)
                circle.status = new.value
                await aggregate_store.add(
                    events.circle_status_changed(circle.neighborhood, today, old, new), today
                )
            await count_if_coordinator(ctx, role, circle.neighborhood, today)
    except IntegrityError as exc:  # the same member joining twice at once
        raise InvalidTransition("You are already in this circle.") from exc
    if role is rules.Role.FACILITATOR:
        await db.scrub_deleted()  # the previous facilitator's name was deleted
    return await circle_view(ctx, circle, member)
