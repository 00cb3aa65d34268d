"""Aggregate shapes: counts and rates that show themselves per caller class, and the views."""

from __future__ import annotations

import datetime as dt

import strawberry

from auth.privacy import CellPolicy, Shown, show_count, show_rate
from resolvers.aggregates.care_load import Band, Trend
from resolvers.aggregates.care_view import (
    CareLoadFacts,
    Cell,
    CoordinationFacts,
    RateCells,
    WeekFacts,
)
from resolvers.aggregates.signals import Signal, SignalKind


@strawberry.type(
    description="A count over care data. value is null and suppressed true when the true "
    "published count is between 1 and minCell - 1. Published counts are blurred on purpose "
    "(consistent noise, about 1.3 on average) so that no one can be picked out."
)
class AggregateCount:
    # Until the field guard releases it, a count shows nothing (fail closed).
    value: int | None = None
    suppressed: bool = True
    published: strawberry.Private[int] = 0

    @classmethod
    def from_cell(cls, cell: Cell) -> AggregateCount:
        return cls(published=cell.published)

    def release(self, cells: CellPolicy) -> None:
        shown = show_count(self.published, cells)
        self.value, self.suppressed = shown.value, shown.suppressed


@strawberry.type(
    description="numerator / denominator, null when either is suppressed or the denominator "
    "is below minCell; rate is computed from the shown parts, capped at 1 and rounded to 4 "
    "digits, like gini."
)
class AggregateRate:
    numerator: AggregateCount
    denominator: AggregateCount
    rate: float | None = None

    @classmethod
    def from_cells(cls, cells: RateCells) -> AggregateRate:
        return cls(
            numerator=AggregateCount.from_cell(cells.numerator),
            denominator=AggregateCount.from_cell(cells.denominator),
        )

    def release(self, cells: CellPolicy) -> None:
        self.numerator.release(cells)
        self.denominator.release(cells)
        self.rate = show_rate(
            Shown(self.numerator.value, self.numerator.suppressed),
            Shown(self.denominator.value, self.denominator.suppressed),
            cells,
        )


@strawberry.type(description="How concentrated coordinator work is over the window.")
class CareLoad:
    coordinators: AggregateCount = strawberry.field(
        description="Coordinators who acted in the window (suppressed like any count)."
    )
    gini: float | None = strawberry.field(
        description="Gini coefficient of the coordinators' perturbed action counts; null unless "
        "the published coordinator count is at least 5."
    )
    top_two_share: float | None = strawberry.field(
        description="Share of actions taken by the two busiest coordinators (perturbed counts); "
        "null unless the published coordinator count is at least 5."
    )
    my_share: float | None = strawberry.field(
        description="Your own exact count of actions in the window over the published total "
        "(at most 1): 0 when you took none, null when the published total is 0. Shown "
        "whatever the coordinator count."
    )
    trend: Trend

    @classmethod
    def from_facts(cls, facts: CareLoadFacts) -> CareLoad:
        return cls(
            coordinators=AggregateCount.from_cell(facts.coordinators),
            gini=facts.gini,
            top_two_share=facts.top_two_share,
            my_share=facts.my_share,
            trend=facts.trend,
        )


@strawberry.type(
    description="A weekly release for one neighbourhood: computed once per (neighbourhood, "
    "week, window) and the same for every caller."
)
class CareCoordinationView:
    neighborhood: strawberry.ID
    as_of: dt.date = strawberry.field(description="The Sunday closing the release's ISO week.")
    window_days: int
    active_circles: AggregateCount
    forming_circles: AggregateCount
    open_holds: AggregateCount
    holds_waiting_over_7_days: AggregateCount
    open_support_asks: AggregateCount
    active_repair_threads: AggregateCount
    circle_formation_within_14_days: AggregateRate = strawberry.field(
        description="Needs (holds and asks) opened in the window that became a circle within "
        "14 days."
    )
    hold_pickup_within_7_days: AggregateRate = strawberry.field(
        description="Holds opened in the window that were picked up within 7 days."
    )
    repair_threads_closed: AggregateRate = strawberry.field(
        description="Repair threads closed in the window against those opened in it."
    )
    care_load: CareLoad

    @classmethod
    def from_facts(cls, facts: CoordinationFacts) -> CareCoordinationView:
        count = {name: AggregateCount.from_cell(cell) for name, cell in facts.counts.items()}
        return cls(
            neighborhood=strawberry.ID(facts.neighborhood),
            as_of=facts.as_of,
            window_days=facts.window_days,
            active_circles=count["activeCircles"],
            forming_circles=count["formingCircles"],
            open_holds=count["openHolds"],
            holds_waiting_over_7_days=count["holdsWaitingOver7Days"],
            open_support_asks=count["openSupportAsks"],
            active_repair_threads=count["activeRepairThreads"],
            circle_formation_within_14_days=AggregateRate.from_cells(
                facts.circle_formation_within_14_days
            ),
            hold_pickup_within_7_days=AggregateRate.from_cells(facts.hold_pickup_within_7_days),
            repair_threads_closed=AggregateRate.from_cells(facts.repair_threads_closed),
            care_load=CareLoad.from_facts(facts.care_load),
        )


@strawberry.type(description="A deterministic signal over a neighbourhood's weekly release.")
class CareSignal:
    neighborhood: strawberry.ID
    kind: SignalKind
    since_days: int
    summary: str = strawberry.field(description="Built from released values only.")

    @classmethod
    def from_signal(cls, signal: Signal) -> CareSignal:
        return cls(
            neighborhood=strawberry.ID(signal.neighborhood),
            kind=signal.kind,
            since_days=signal.since_days,
            summary=signal.summary,
        )


@strawberry.type(description="One ISO week of a neighbourhood, from that week's release.")
class CareWeek:
    neighborhood: strawberry.ID
    week_starting: dt.date
    active_circles: AggregateCount = strawberry.field(description="At the week's last day.")
    open_holds: AggregateCount = strawberry.field(description="At the week's last day.")
    circles_formed: AggregateCount = strawberry.field(description="Formed during the week.")
    repair_threads_closed: AggregateCount = strawberry.field(description="Closed during the week.")
    load_concentration: Band

    @classmethod
    def from_facts(cls, facts: WeekFacts) -> CareWeek:
        return cls(
            neighborhood=strawberry.ID(facts.neighborhood),
            week_starting=facts.week_starting,
            active_circles=AggregateCount.from_cell(facts.active_circles),
            open_holds=AggregateCount.from_cell(facts.open_holds),
            circles_formed=AggregateCount.from_cell(facts.circles_formed),
            repair_threads_closed=AggregateCount.from_cell(facts.repair_threads_closed),
            load_concentration=facts.load_concentration,
        )
