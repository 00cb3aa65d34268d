"""The circle status machine, without I/O."""

from __future__ import annotations

import pytest

from models.errors import InvalidTransition
from resolvers.aggregates.events import Metric
from resolvers.circles.status import (
    Event,
    Status,
    closed_moves,
    formed_moves,
    metric_moves,
    transition,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("count", "expected"), [(0, Status.FORMING), (1, Status.FORMING), (2, Status.ACTIVE)]
)
def test_forming_becomes_active_with_two_members(count: int, expected: Status) -> None:
    assert transition(Status.FORMING, Event.JOINED, count) is expected


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.PAUSED])
def test_joining_leaves_active_and_paused_alone(status: Status) -> None:
    assert transition(status, Event.JOINED, 8) is status


def test_pause_and_resume() -> None:
    assert transition(Status.ACTIVE, Event.PAUSE) is Status.PAUSED
    assert transition(Status.PAUSED, Event.RESUME) is Status.ACTIVE


@pytest.mark.parametrize(
    ("status", "event"),
    [
        (Status.FORMING, Event.PAUSE),
        (Status.PAUSED, Event.PAUSE),
        (Status.FORMING, Event.RESUME),
        (Status.ACTIVE, Event.RESUME),
    ],
)
def test_invalid_transitions(status: Status, event: Event) -> None:
    with pytest.raises(InvalidTransition):
        transition(status, event)


def test_metric_moves() -> None:
    assert metric_moves(Status.FORMING, Status.FORMING) == []
    assert metric_moves(Status.FORMING, Status.ACTIVE) == [
        (Metric.CIRCLE_BECAME_ACTIVE, 1),
        (Metric.GAUGE_CIRCLES_FORMING, -1),
        (Metric.GAUGE_CIRCLES_ACTIVE, 1),
    ]
    assert metric_moves(Status.ACTIVE, Status.PAUSED) == [
        (Metric.GAUGE_CIRCLES_ACTIVE, -1),
        (Metric.GAUGE_CIRCLES_PAUSED, 1),
    ]
    assert metric_moves(Status.PAUSED, Status.ACTIVE) == [
        (Metric.GAUGE_CIRCLES_PAUSED, -1),
        (Metric.GAUGE_CIRCLES_ACTIVE, 1),
    ]


def test_formed_and_closed_moves_balance_the_gauges() -> None:
    assert formed_moves() == [(Metric.CIRCLE_FORMED, 1), (Metric.GAUGE_CIRCLES_FORMING, 1)]
    for status in Status:
        assert closed_moves(status)[0] == (Metric.CIRCLE_CLOSED, 1)
    assert closed_moves(Status.PAUSED)[1] == (Metric.GAUGE_CIRCLES_PAUSED, -1)
    # Any path formed -> ... -> closed leaves every gauge at zero.
    path = [Status.FORMING, Status.ACTIVE, Status.PAUSED, Status.ACTIVE, Status.PAUSED]
    moves = formed_moves()
    for old, new in zip(path, path[1:], strict=False):
        moves += metric_moves(old, new)
    moves += closed_moves(path[-1])
    gauges: dict[str, int] = {}
    for metric, value in moves:
        if metric.startswith("gauge_"):
            gauges[metric] = gauges.get(metric, 0) + value
    assert set(gauges.values()) == {0}
