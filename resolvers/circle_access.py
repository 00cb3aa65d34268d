"""What circle use cases share: the plain views, sealing helpers, the membership lookup.

The lookup folds authorisation into the query (circle id AND the caller's membership), so a
circle the caller is not in and a circle that does not exist are one code path: NOT_FOUND.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models import metrics, statements
from models.circles import Circle, CircleMember
from models.errors import NotFound
from models.sealing import Sealer, owner_of, row_aad
from resolvers.circle_rules import Role, parse_id, require_steward
from resolvers.circle_status import Status
from resolvers.context import CareContext

CIRCLE = "cip_circle"
MEMBER = "cip_circle_member"
UPDATE = "cip_circle_update"
SLOT = "cip_rota_slot"


@dataclass(frozen=True)
class CircleView:
    id: uuid.UUID
    neighborhood: str
    focus: str
    status: Status
    my_role: Role
    my_member_id: uuid.UUID
    rhythm: str | None
    formed_on: dt.date


@dataclass(frozen=True)
class MemberView:
    id: uuid.UUID
    display_name: str
    role: Role
    is_me: bool


@dataclass(frozen=True)
class UpdateView:
    id: uuid.UUID
    circle_id: uuid.UUID
    body: str
    author: MemberView | None
    posted_on: dt.date
    expires_on: dt.date


@dataclass(frozen=True)
class SlotView:
    id: uuid.UUID
    circle_id: uuid.UUID
    on: dt.date
    task: str
    holder: MemberView | None


@dataclass(frozen=True)
class InviteView:
    code: str
    role: Role
    expires_on: dt.date


@dataclass(frozen=True)
class Membership:
    """The caller's membership row with its (unlocked) circle."""

    member: CircleMember
    circle: Circle

    @property
    def role(self) -> Role:
        return Role(self.member.role)


def key_owner(circle_id: uuid.UUID) -> str:
    return owner_of("circle", circle_id)


async def seal(
    sealer: Sealer, circle_id: uuid.UUID, table: str, row_id: uuid.UUID, field: str, text: str
) -> bytes:
    return await sealer.seal(key_owner(circle_id), row_aad(table, row_id, field), text)


async def unseal(
    sealer: Sealer, circle_id: uuid.UUID, table: str, row_id: uuid.UUID, field: str, blob: bytes
) -> str:
    return await sealer.open(key_owner(circle_id), row_aad(table, row_id, field), blob)


async def my_member_view(ctx: CareContext, mine: Membership) -> MemberView:
    """The caller as their circle knows them (for what a mutation returns)."""
    member = mine.member
    name = await unseal(ctx.sealer, mine.circle.id, MEMBER, member.id, "name", member.name_sealed)
    return MemberView(id=member.id, display_name=name, role=mine.role, is_me=True)


async def membership(ctx: CareContext, raw_id: str) -> Membership:
    """The caller's membership of circle ``raw_id``; NotFound when absent or not theirs."""
    circle_id = parse_id(raw_id)
    if circle_id is None or ctx.viewer.subject is None:
        raise NotFound()
    member = (
        await CircleMember.filter(circle_id=circle_id, member=ctx.viewer.subject)
        .select_related("circle")
        .first()
    )
    if member is None:
        raise NotFound()
    return Membership(member=member, circle=member.circle)


async def lock_circle(circle_id: uuid.UUID) -> Circle:
    """The circle row, locked until the transaction ends (PostgreSQL; SQLite serialises every
    write transaction anyway). Every write on a circle locks it first, so concurrent changes
    of one circle happen one after the other and always take their locks in the same order."""
    circle = await Circle.filter(id=circle_id).select_for_update().first()
    if circle is None:
        raise NotFound()  # closed meanwhile
    return circle


async def circle_view(ctx: CareContext, circle: Circle, member: CircleMember) -> CircleView:
    return await circle_view_of_row(
        ctx,
        {
            "id": circle.id,
            "neighborhood": circle.neighborhood,
            "status": circle.status,
            "focus_sealed": circle.focus_sealed,
            "rhythm_sealed": circle.rhythm_sealed,
            "formed_on": circle.formed_on,
            "role": member.role,
            "member_id": member.id,
        },
    )


async def circle_view_of_row(ctx: CareContext, row: Mapping[str, Any]) -> CircleView:
    """The caller's view of a circle from its row and their membership's id and role, as the
    models or the page's hand-written statement (circle_statements.CIRCLES) give them."""
    cid = statements.as_uuid(row["id"])
    focus = await unseal(ctx.sealer, cid, CIRCLE, cid, "focus", bytes(row["focus_sealed"]))
    rhythm = None
    if row["rhythm_sealed"] is not None:
        rhythm = await unseal(ctx.sealer, cid, CIRCLE, cid, "rhythm", bytes(row["rhythm_sealed"]))
    return CircleView(
        id=cid,
        neighborhood=row["neighborhood"],
        focus=focus,
        status=Status(row["status"]),
        my_role=Role(row["role"]),
        my_member_id=statements.as_uuid(row["member_id"]),
        rhythm=rhythm,
        formed_on=statements.as_date(row["formed_on"]),
    )


def acts_as_coordinator(ctx: CareContext, role: Role, neighborhood: str) -> bool:
    """The caller acts as the circle's facilitating coordinator: their actions are counted."""
    return role is Role.FACILITATOR and ctx.viewer.coordinates(neighborhood)


async def count_if_coordinator(
    ctx: CareContext, role: Role, neighborhood: str, today: dt.date
) -> None:
    if ctx.viewer.subject is not None and acts_as_coordinator(ctx, role, neighborhood):
        await metrics.count_action(neighborhood, today, ctx.viewer.subject)


async def special_roles(circle_id: uuid.UUID) -> set[Role]:
    """Which of FACILITATOR and FOCUS the circle has now (one query)."""
    roles = await CircleMember.filter(
        circle_id=circle_id, role__in=[Role.FACILITATOR.value, Role.FOCUS.value]
    ).values_list("role", flat=True)
    return {Role(str(r)) for r in roles}


async def lock_for_steward(ctx: CareContext, mine: Membership) -> Circle:
    """Lock the caller's circle and check they may steer it (pause, resume, close).

    Call inside the change's transaction."""
    circle = await lock_circle(mine.circle.id)
    require_steward(
        mine.role,
        has_facilitator=Role.FACILITATOR in await special_roles(circle.id),
        coordinates=ctx.viewer.coordinates(circle.neighborhood),
    )
    return circle
