"""The plain views circle use cases return, built from rows with their texts unsealed."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models import statements
from models.circles import Circle, CircleMember
from resolvers.circles.lookup import Membership
from resolvers.circles.rules import Role
from resolvers.circles.sealing import CIRCLE, MEMBER, unseal
from resolvers.circles.status import Status
from resolvers.request import CareContext


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


async def my_member_view(ctx: CareContext, mine: Membership) -> MemberView:
    """The caller as their circle knows them (for what a mutation returns)."""
    member = mine.member
    name = await unseal(ctx.sealer, mine.circle.id, MEMBER, member.id, "name", member.name_sealed)
    return MemberView(id=member.id, display_name=name, role=mine.role, is_me=True)


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
    models or the page's hand-written statement (resolvers.circles.statements.CIRCLES) give them."""
    cid = ctx.ids(row["id"])
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
        my_member_id=ctx.ids(row["member_id"]),
        rhythm=rhythm,
        formed_on=statements.as_date(row["formed_on"]),
    )
