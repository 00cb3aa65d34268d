"""Locking a circle for a change, and the steward check made under the lock."""

from __future__ import annotations

import uuid

from models.circles import Circle, CircleMember
from models.errors import NotFound
from resolvers.circles.lookup import Membership
from resolvers.circles.rules import Role, require_steward
from resolvers.request import CareContext


async def lock_circle(circle_id: uuid.UUID) -> Circle:
    """The circle row, locked until the transaction ends (PostgreSQL; SQLite serialises every
    write transaction anyway). Every write on a circle locks it first, so concurrent changes
    of one circle happen one after the other and always take their locks in the same order."""
    circle = await Circle.filter(id=circle_id).select_for_update().first()
    if circle is None:
        raise NotFound()  # closed meanwhile
    return circle


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
