"""Counting a facilitating coordinator's actions for the care-load aggregates."""

from __future__ import annotations

import datetime as dt

from models import aggregate_store
from models.pseudonym import COUNTS
from resolvers.circles.rules import Role
from resolvers.request import CareContext


def acts_as_coordinator(ctx: CareContext, role: Role, neighborhood: str) -> bool:
    """The caller acts as the circle's facilitating coordinator: their actions are counted."""
    return role is Role.FACILITATOR and ctx.viewer.coordinates(neighborhood)


async def count_if_coordinator(
    ctx: CareContext, role: Role, neighborhood: str, today: dt.date
) -> None:
    me = ctx.viewer.as_(COUNTS)
    if me is not None and acts_as_coordinator(ctx, role, neighborhood):
        await aggregate_store.count_action(neighborhood, today, me)
