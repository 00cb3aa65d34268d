"""What each care event counts (resolvers/aggregates/events.py), the hold-wait rule, the weekly
fold of the store, and the release payload's JSON. Pure, without I/O."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal

import pytest

from models.aggregate_store import Count, fold, whole
from resolvers.aggregates import events
from resolvers.aggregates.events import Metric
from resolvers.aggregates.payload import (
    Gauges,
    Load,
    LoadPoint,
    ReleasePayload,
    Week,
    WeekFlows,
    WindowFlows,
)
from resolvers.circles.status import Status

pytestmark = pytest.mark.unit

N = "elm"
MON = dt.date(2026, 2, 23)  # a Monday
WED = MON + dt.timedelta(days=2)


def summed(counts: Iterable[Count]) -> dict[str, int]:
    found: dict[str, int] = {}
    for c in counts:
        assert c.neighborhood == N
        found[c.metric] = found.get(c.metric, 0) + c.delta
    return {m: v for m, v in found.items() if v}


def gauges(counts: Iterable[Count]) -> dict[str, int]:
    return {m: v for m, v in summed(counts).items() if m.startswith("gauge_")}


def test_only_metrics_a_release_reads_exist() -> None:
    read = {*Gauges.metrics(), *WindowFlows.metrics(), *WeekFlows.metrics()}
    assert set(Metric) == read


def test_circle_status_moves_between_gauges_and_a_paused_circle_is_on_none() -> None:
    assert events.circle_status_changed(N, WED, Status.FORMING, Status.FORMING) == []
    assert summed(events.circle_status_changed(N, WED, Status.FORMING, Status.ACTIVE)) == {
        Metric.GAUGE_CIRCLES_FORMING: -1,
        Metric.GAUGE_CIRCLES_ACTIVE: 1,
    }
    assert summed(events.circle_status_changed(N, WED, Status.ACTIVE, Status.PAUSED)) == {
        Metric.GAUGE_CIRCLES_ACTIVE: -1
    }
    assert summed(events.circle_status_changed(N, WED, Status.PAUSED, Status.ACTIVE)) == {
        Metric.GAUGE_CIRCLES_ACTIVE: 1
    }
    assert events.circle_closed(N, WED, Status.PAUSED) == []


def test_any_circle_life_leaves_only_its_formation() -> None:
    path = [Status.FORMING, Status.ACTIVE, Status.PAUSED, Status.ACTIVE, Status.PAUSED]
    for end in range(1, len(path) + 1):
        counts = events.circle_formed(N, WED)
        for old, new in zip(path[:end], path[1:end], strict=False):
            counts += events.circle_status_changed(N, WED, old, new)
        counts += events.circle_closed(N, WED, path[end - 1])
        assert summed(counts) == {Metric.CIRCLE_FORMED: 1}


@pytest.mark.parametrize(
    ("waited", "in_time"), [(0, True), (6, True), (7, True), (8, False), (30, False)]
)
def test_the_seven_day_pickup_rule(waited: int, in_time: bool) -> None:
    opened, picked = MON, MON + dt.timedelta(days=waited)
    assert events.picked_up_in_time(opened, picked) is in_time
    assert events.waiting_from(opened) == MON + dt.timedelta(days=7)
    by_circle = summed(events.hold_picked_up_by_circle(N, opened, picked))
    assert (Metric.HOLD_PICKED_UP_WITHIN_7D in by_circle) is in_time
    taken = summed(events.ask_taken(N, opened, picked))
    assert (Metric.HOLD_PICKED_UP_WITHIN_7D in taken) is in_time


@pytest.mark.parametrize(("waited", "in_time"), [(14, True), (15, False)])
def test_a_need_finds_a_circle_in_time_within_fourteen_days(waited: int, in_time: bool) -> None:
    counts = summed(events.hold_picked_up_by_circle(N, MON, MON + dt.timedelta(days=waited)))
    assert (Metric.NEED_CIRCLE_WITHIN_14D in counts) is in_time


def test_the_waiting_gauge_starts_seven_days_after_opening_and_ends_no_earlier() -> None:
    opened = events.hold_opened(N, MON)
    waiting = [c for c in opened if c.metric == Metric.GAUGE_HOLDS_WAITING]
    assert waiting == [Count(N, MON + dt.timedelta(days=7), Metric.GAUGE_HOLDS_WAITING, 1)]
    early = events.hold_closed(N, MON, MON + dt.timedelta(days=2), was_open=True)
    late = events.hold_closed(N, MON, MON + dt.timedelta(days=20), was_open=True)
    end = [c.day for c in early + late if c.metric == Metric.GAUGE_HOLDS_WAITING]
    assert end == [MON + dt.timedelta(days=7), MON + dt.timedelta(days=20)]


Life = Callable[[], list[Count]]
LIVES: dict[str, Life] = {
    "hold closed": lambda: (
        events.hold_opened(N, MON) + events.hold_closed(N, MON, WED, was_open=True)
    ),
    "hold to circle": lambda: (
        events.hold_opened(N, MON) + events.hold_picked_up_by_circle(N, MON, WED)
    ),
    "ask withdrawn": lambda: events.ask_opened(N, MON) + events.ask_ended(N, WED),
    "ask taken, hold closed": lambda: (
        events.ask_opened(N, MON)
        + events.ask_taken(N, MON, WED)
        + events.hold_closed(N, MON, WED, was_open=True)
    ),
    "repair thread": lambda: events.repair_opened(N, MON) + events.repair_closed(N, WED),
}


@pytest.mark.parametrize("life", list(LIVES))
def test_every_state_that_ends_leaves_its_gauges_at_zero(life: str) -> None:
    assert gauges(LIVES[life]()) == {}


def test_a_hold_no_longer_open_counts_nothing_when_closed() -> None:
    assert events.hold_closed(N, MON, WED, was_open=False) == []


def test_a_repair_thread_counts_its_closing_but_not_how_it_closed() -> None:
    assert summed(events.repair_closed(N, WED)) == {
        Metric.REPAIR_CLOSED: 1,
        Metric.GAUGE_REPAIR_ACTIVE: -1,
    }


def test_the_store_folds_days_into_weeks_and_drops_cancelled_cells() -> None:
    sunday = MON + dt.timedelta(days=6)
    counts = [
        Count(N, MON, Metric.REPAIR_CLOSED),
        Count(N, sunday, Metric.REPAIR_CLOSED),
        Count(N, sunday + dt.timedelta(days=1), Metric.REPAIR_CLOSED),
        Count(N, MON, Metric.GAUGE_REPAIR_ACTIVE, 1),
        Count(N, WED, Metric.GAUGE_REPAIR_ACTIVE, -1),
    ]
    assert fold(counts) == {
        (N, MON, Metric.REPAIR_CLOSED): 2,
        (N, MON + dt.timedelta(days=7), Metric.REPAIR_CLOSED): 1,
    }


def _payload() -> ReleasePayload:
    def numbered(cls: type[Gauges] | type[WindowFlows] | type[WeekFlows]) -> dict[str, int]:
        return {m: i + 1 for i, m in enumerate(cls.metrics())}

    return ReleasePayload(
        as_of=MON + dt.timedelta(days=6),
        window_days=30,
        gauges=Gauges.from_sums(numbered(Gauges)),
        window=WindowFlows.from_sums(numbered(WindowFlows)),
        week=Week(WeekFlows.from_sums(numbered(WeekFlows)), coordinators=4, top_two_share=0.5),
        load=Load(coordinators=6, actions=40, gini=0.3125, top_two_share=None),
        weekly_load=tuple(LoadPoint(None if i < 2 else 0.25 * i / 8, i) for i in range(8)),
    )


def test_the_payload_round_trips_through_its_stored_json() -> None:
    payload = _payload()
    assert ReleasePayload.from_json(payload.to_json()) == payload
    # Every count is distinct, so a field read from the wrong key would not compare equal.
    counts = [getattr(payload.gauges, f.name) for f in dataclasses.fields(Gauges)]
    assert len(set(counts)) == len(counts)


def test_the_stored_json_keeps_its_keys_at_version_2() -> None:
    stored = _payload().to_json()
    assert stored["version"] == 2 and stored["asOf"] == "2026-03-01"
    assert list(stored["gauges"]) == [
        "activeCircles",
        "formingCircles",
        "openHolds",
        "holdsWaitingOver7Days",
        "openSupportAsks",
        "activeRepairThreads",
    ]
    assert set(stored["window"]) == {
        "needOpened",
        "needCircleWithin14Days",
        "holdOpened",
        "holdPickedUpWithin7Days",
        "repairOpened",
        "repairClosed",
        "circlesFormed",
    }
    assert set(stored["week"]) == {
        "circlesFormed",
        "repairThreadsClosed",
        "coordinators",
        "topTwoShare",
    }
    assert stored["weeklyLoad"][0] == [None, 0]
    with pytest.raises(ValueError, match="version"):
        ReleasePayload.from_json({**stored, "version": 1})


def test_sums_come_back_exact_whatever_form_the_driver_gives() -> None:
    """PostgreSQL's SUM(BIGINT) is NUMERIC and may arrive in exponent form: a key sum that is
    a multiple of 10,000 came back as Decimal('2.05771E+9') and int(str(...)) refused it."""
    assert whole(Decimal("2.05771E+9")) == 2_057_710_000
    assert whole(Decimal("4294967295")) == 4_294_967_295
    assert whole(7) == 7 and whole(None) == 0 and whole("12") == 12
