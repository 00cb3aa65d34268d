"""Per-request DataLoaders for what circles hold: members, updates, rota.

Made fresh for every request (kept in the request's CareContext), never shared: a shared
loader would hand one caller's cached rows to another.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from strawberry.dataloader import DataLoader

from resolvers import circle_reads
from resolvers.circle_access import MemberView, SlotView, UpdateView
from resolvers.context import CareContext


@dataclass(frozen=True)
class CircleLoaders:
    members: DataLoader[uuid.UUID, list[MemberView]]
    updates: DataLoader[tuple[uuid.UUID, int], list[UpdateView]]
    rota: DataLoader[tuple[uuid.UUID, dt.date, dt.date | None], list[SlotView]]


def circle_loaders(ctx: CareContext) -> CircleLoaders:
    loaders = ctx.loaders.get("circles")
    if not isinstance(loaders, CircleLoaders):

        async def members(ids: list[uuid.UUID]) -> list[list[MemberView]]:
            return await circle_reads.members_of(ctx, ids)

        async def updates(keys: list[tuple[uuid.UUID, int]]) -> list[list[UpdateView]]:
            return await circle_reads.updates_of(ctx, keys)

        async def rota(
            keys: list[tuple[uuid.UUID, dt.date, dt.date | None]],
        ) -> list[list[SlotView]]:
            return await circle_reads.rota_of(ctx, keys)

        loaders = CircleLoaders(
            members=DataLoader(load_fn=members),
            updates=DataLoader(load_fn=updates),
            rota=DataLoader(load_fn=rota),
        )
        ctx.loaders["circles"] = loaders
    return loaders


async def member_by_id(
    ctx: CareContext, circle_id: uuid.UUID, member_id: uuid.UUID | None
) -> MemberView | None:
    """A member of the circle by local id; None when there is none or they have left."""
    if member_id is None:
        return None
    for member in await circle_loaders(ctx).members.load(circle_id):
        if member.id == member_id:
            return member
    return None
