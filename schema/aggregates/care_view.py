"""The aggregate root fields: careCoordinationView, careSignals, careWeeks."""

from __future__ import annotations

import strawberry

from auth.viewer import AGGREGATE_READ, COORDINATOR
from resolvers.aggregates import care_view
from schema.aggregates.releases import CareCoordinationView, CareSignal, CareWeek
from schema.fields import aggregate_field


async def resolve_care_coordination_view(
    info: strawberry.Info, neighborhood: strawberry.ID, window_days: int = 90
) -> CareCoordinationView | None:
    facts = await care_view.coordination_view(info.context, str(neighborhood), window_days)
    return CareCoordinationView.from_facts(facts)


async def resolve_care_signals(
    info: strawberry.Info,
    # UNSET keeps the SDL's argument without a default, as the contract has it.
    neighborhoods: list[strawberry.ID] | None = strawberry.UNSET,
    window_days: int = 90,
) -> list[CareSignal] | None:
    wanted = None
    if neighborhoods is not None and neighborhoods is not strawberry.UNSET:
        wanted = [str(n) for n in neighborhoods]
    found = await care_view.care_signals(info.context, wanted, window_days)
    return [CareSignal.from_signal(s) for s in found]


async def resolve_care_weeks(
    info: strawberry.Info, neighborhood: strawberry.ID, weeks: int = 12
) -> list[CareWeek] | None:
    found = await care_view.care_weeks(info.context, str(neighborhood), weeks)
    return [CareWeek.from_facts(w) for w in found]


@strawberry.type
class CareViewQuery:
    care_coordination_view: CareCoordinationView | None = aggregate_field(
        resolve_care_coordination_view,
        scopes=[[COORDINATOR]],
        description="Coordinators of the neighbourhood: its weekly release over a fixed window "
        "(14, 30 or 90 days) ending at the last complete ISO week.",
    )
    care_signals: list[CareSignal] | None = aggregate_field(
        resolve_care_signals,
        scopes=[[COORDINATOR], [AGGREGATE_READ]],
        description="Signals from weekly releases of the given neighbourhoods (null: all of "
        "the token's).",
    )
    care_weeks: list[CareWeek] | None = aggregate_field(
        resolve_care_weeks,
        scopes=[[COORDINATOR], [AGGREGATE_READ]],
        description="The neighbourhood's last weekly releases, oldest first.",
    )
