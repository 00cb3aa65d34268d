"""Per-request DataLoaders for what circles hold: members, updates, rota.

Made fresh for every request (kept in the request's CareContext), never shared: a shared
loader would hand one caller's cached rows to another.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from strawberry.dataloader import DataLoader

from resolvers.circles import reads as circle_reads
from resolvers.circles.views import MemberView, SlotView, UpdateView
from resolvers.request import CareContext


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
            return await circle_reads.updates_of(ctx, keys, await members_by_circle(keys))

        async def rota(
            keys: list[tuple[uuid.UUID, dt.date, dt.date | None]],
        ) -> list[list[SlotView]]:
            return await circle_reads.rota_of(ctx, keys, await members_by_circle(keys))

        async def members_by_circle(
            keys: Sequence[tuple[Any, ...]],
        ) -> dict[uuid.UUID, list[MemberView]]:
            # Through the members loader: a request that also reads members reads them once.
            ids = list(dict.fromkeys(key[0] for key in keys))
            return dict(zip(ids, await circle_loaders(ctx).members.load_many(ids), strict=True))

        loaders = CircleLoaders(
            members=DataLoader(load_fn=members),
            updates=DataLoader(load_fn=updates),
            rota=DataLoader(load_fn=rota),
        )
        ctx.loaders["circles"] = loaders
    return loaders
