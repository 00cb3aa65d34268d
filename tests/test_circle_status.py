"""The circle status machine, without I/O."""

from __future__ import annotations

import pytest

from models.errors import InvalidTransition
from resolvers.circles.status import Event, Status, transition

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
