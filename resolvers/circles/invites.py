"""Invitations and joining. An invite is a one-time code (resolvers/one_time_codes.py): 192
random bits, only its hash stored, single use, seven days; every refusal answers
INVITE_INVALID alike and leaves the code unspent."""

from __future__ import annotations

import uuid

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models import aggregate_store
from models.circles import Circle, CircleInvite, CircleMember
from models.errors import CircleFull, InvalidTransition, InviteInvalid
from models.pseudonym import CIRCLES
from resolvers import input_rules, one_time_codes
from resolvers.aggregates import events
from resolvers.circles import rules
from resolvers.circles.closing import remove_member
from resolvers.circles.counting import count_if_coordinator
from resolvers.circles.locking import lock_circle, special_roles
from resolvers.circles.lookup import membership
from resolvers.circles.sealing import MEMBER, seal
from resolvers.circles.status import Event, Status, transition
from resolvers.circles.views import CircleView, InviteView, circle_view
from resolvers.live.activity import CircleActivityKind as Live
from resolvers.live.activity import circle_signal
from resolvers.live.streams import publish
from resolvers.request import CareContext


async def create_invite(ctx: CareContext, raw_id: str, role: rules.Role) -> InviteView:
    mine = await membership(ctx, raw_id)
    today = ctx.clock.today()
    issued = one_time_codes.issue(today)
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
            code_hash=issued.hashed,
            circle_id=circle.id,
            role=role.value,
            expires_on=issued.expires_on,
        )
        await count_if_coordinator(ctx, mine.role, circle.neighborhood, today)
    return InviteView(code=issued.code, role=role, expires_on=issued.expires_on)


async def join_circle(ctx: CareContext, raw_code: str, raw_name: str) -> CircleView:
    subject = ctx.viewer.as_(CIRCLES)
    assert subject is not None  # member fields are guarded by @authenticated
    name = input_rules.display_name(raw_name)
    today = ctx.clock.today()

    async def may_use(invite: CircleInvite) -> bool:
        # A facilitator code serves only a coordinator of the circle's neighbourhood.
        role = rules.Role(invite.role)
        return role is not rules.Role.FACILITATOR or ctx.viewer.coordinates(
            invite.circle.neighborhood
        )

    status_changed = False  # told to live subscribers once the join has committed

    async def use(invite: CircleInvite) -> tuple[Circle, CircleMember, rules.Role]:
        nonlocal status_changed
        role = rules.Role(invite.role)
        circle = await Circle.filter(id=invite.circle.id).select_for_update().first()
        if circle is None:
            raise InviteInvalid()
        if await CircleMember.filter(circle_id=circle.id, member=subject).exists():
            raise InvalidTransition("You are already in this circle.")
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
        status_changed = new is not old
        if new is not old:
            await Circle.filter(id=circle.id).update(status=new.value)
            circle.status = new.value
            await aggregate_store.add(
                events.circle_status_changed(circle.neighborhood, today, old, new), today
            )
        await count_if_coordinator(ctx, role, circle.neighborhood, today)
        return circle, member, role

    try:
        circle, member, role = await one_time_codes.redeem(
            CircleInvite, raw_code, today, related="circle", may_use=may_use, use=use
        )
    except IntegrityError as exc:  # the same member joining twice at once
        raise InvalidTransition("You are already in this circle.") from exc
    if role is rules.Role.FACILITATOR:
        await publish(ctx, circle_signal(circle.id, Live.MEMBER_LEFT))
    await publish(ctx, circle_signal(circle.id, Live.MEMBER_JOINED))
    if status_changed:
        await publish(ctx, circle_signal(circle.id, Live.STATUS_CHANGED))
    return await circle_view(ctx, circle, member)
