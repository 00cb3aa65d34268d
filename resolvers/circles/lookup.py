"""The caller's membership of a circle.

The lookup folds authorisation into the query (circle id AND the caller's membership), so a
circle the caller is not in and a circle that does not exist are one code path: NOT_FOUND.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.circles import Circle, CircleMember
from models.errors import NotFound
from models.pseudonym import CIRCLES
from resolvers.circles.rules import Role
from resolvers.input_rules import parse_id
from resolvers.request import CareContext


@dataclass(frozen=True)
class Membership:
    """The caller's membership row with its (unlocked) circle."""

    member: CircleMember
    circle: Circle

    @property
    def role(self) -> Role:
        return Role(self.member.role)


async def membership(ctx: CareContext, raw_id: str) -> Membership:
    """The caller's membership of circle ``raw_id``; NotFound when absent or not theirs."""
    circle_id = parse_id(raw_id)
    me = ctx.viewer.as_(CIRCLES)
    if circle_id is None or me is None:
        raise NotFound()
    member = (
        await CircleMember.filter(circle_id=circle_id, member=me).select_related("circle").first()
    )
    if member is None:
        raise NotFound()
    return Membership(member=member, circle=member.circle)
