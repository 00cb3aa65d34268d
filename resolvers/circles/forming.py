"""formCircle: a new circle, its data key, the former's membership, and what it counts.

A coordinator may form a circle from a care hold they hold: the hold becomes CIRCLE_FORMED
and counts as picked up, in the same transaction.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models import aggregate_store
from models.circles import Circle, CircleMember
from models.errors import BadUserInput, InvalidTransition
from models.holds import CareHold
from models.pseudonym import CIRCLES, COUNTS
from resolvers import input_rules
from resolvers.aggregates import events
from resolvers.asks_holds import holds
from resolvers.asks_holds.holds import HoldStatus
from resolvers.circles import rules
from resolvers.circles.sealing import CIRCLE, MEMBER, key_owner, seal
from resolvers.circles.status import Status
from resolvers.circles.views import CircleView, circle_view
from resolvers.request import CareContext
from resolvers.request import subject as subject_of


@dataclass(frozen=True)
class FormCircleRequest:
    neighborhood: str
    focus: str
    display_name: str
    role: rules.Role
    from_hold: str | None = None


async def _own_open_hold(ctx: CareContext, raw_id: str, neighborhood: str) -> CareHold:
    """The caller's own hold (NOT_FOUND otherwise, as for any hold operation), open and in
    the circle's neighbourhood."""
    hold = await holds.find_my_hold(ctx, raw_id)
    if hold.neighborhood != neighborhood:
        raise BadUserInput("The care hold belongs to another neighbourhood.")
    if hold.status != HoldStatus.OPEN:
        raise InvalidTransition("This care hold is no longer open.")
    return hold


async def form_circle(ctx: CareContext, req: FormCircleRequest) -> CircleView:
    subject = ctx.viewer.as_(CIRCLES)
    assert subject is not None  # member fields are guarded by @authenticated
    nbh = input_rules.neighborhood(req.neighborhood)
    focus = rules.focus(req.focus)
    name = input_rules.display_name(req.display_name)
    coordinates = ctx.viewer.coordinates(nbh)
    rules.check_form(req.role, coordinates=coordinates, from_hold=req.from_hold is not None)
    hold = await _own_open_hold(ctx, req.from_hold, nbh) if req.from_hold is not None else None

    today = ctx.clock.today()
    circle_id, member_id = uuid.uuid4(), uuid.uuid4()
    owner = key_owner(circle_id)
    try:
        async with in_transaction("default"):
            await ctx.sealer.create_key(owner)
            circle = await Circle.create(
                id=circle_id,
                neighborhood=nbh,
                status=Status.FORMING.value,
                focus_sealed=await seal(ctx.sealer, circle_id, CIRCLE, circle_id, "focus", focus),
                formed_on=today,
                member_count=rules.starting_count(req.role),
                need_since=hold.opened_on if hold is not None else None,
            )
            member = await CircleMember.create(
                id=member_id,
                circle_id=circle_id,
                member=subject,
                role=req.role.value,
                name_sealed=await seal(ctx.sealer, circle_id, MEMBER, member_id, "name", name),
                joined_on=today,
            )
            counts = events.circle_formed(nbh, today)
            if hold is not None:
                picked = await CareHold.filter(id=hold.id, status=HoldStatus.OPEN).update(
                    status=HoldStatus.CIRCLE_FORMED
                )
                if not picked:  # taken or closed by a concurrent request
                    raise InvalidTransition("This care hold is no longer open.")
                counts += events.hold_picked_up_by_circle(nbh, hold.opened_on, today)
            await aggregate_store.add(counts, today)
            if req.role is rules.Role.FACILITATOR:
                await aggregate_store.count_action(nbh, today, subject_of(ctx.viewer, COUNTS))
    except BaseException:
        # With a separate key database the key was written outside the transaction.
        with contextlib.suppress(Exception):
            await ctx.sealer.shred(owner)
        raise
    return await circle_view(ctx, circle, member)
