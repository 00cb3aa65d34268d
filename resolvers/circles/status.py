"""The circle status machine, free of I/O.

FORMING until two members besides the facilitator are in, then ACTIVE. Only an ACTIVE circle
can be paused, and a paused circle resumes to ACTIVE. Members leaving never move a circle back
to FORMING: a circle that has been active stays so until it closes.
"""

from __future__ import annotations

import strawberry

from models import metrics
from models.errors import InvalidTransition
from resolvers.enums import CareEnum

ACTIVE_AT = 2  # members besides the facilitator


@strawberry.enum(
    name="CircleStatus",
    description="Where a circle stands: forming, active, or paused for a while.",
)
class Status(CareEnum):
    FORMING = "FORMING"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"


class Event(CareEnum):
    JOINED = "JOINED"
    PAUSE = "PAUSE"
    RESUME = "RESUME"


GAUGES: dict[Status, str] = {
    Status.FORMING: metrics.GAUGE_CIRCLES_FORMING,
    Status.ACTIVE: metrics.GAUGE_CIRCLES_ACTIVE,
    Status.PAUSED: metrics.GAUGE_CIRCLES_PAUSED,
}


def transition(status: Status, event: Event, member_count: int = 0) -> Status:
    """The status after ``event``; raises InvalidTransition when the event is not allowed.

    ``member_count`` is the count after a join (the facilitator not counted).
    """
    if event is Event.JOINED:
        if status is Status.FORMING and member_count >= ACTIVE_AT:
            return Status.ACTIVE
        return status
    if event is Event.PAUSE:
        if status is Status.ACTIVE:
            return Status.PAUSED
        if status is Status.PAUSED:
            raise InvalidTransition("This circle is already paused.")
        raise InvalidTransition("Only an active circle can be paused.")
    if status is Status.PAUSED:
        return Status.ACTIVE
    raise InvalidTransition("Only a paused circle can be resumed.")


def metric_moves(old: Status, new: Status) -> list[tuple[str, int]]:
    """The aggregate (metric, value) pairs a status change writes; none when unchanged."""
    if old is new:
        return []
    moves = [(GAUGES[old], -1), (GAUGES[new], 1)]
    if old is Status.FORMING and new is Status.ACTIVE:
        moves.insert(0, (metrics.CIRCLE_BECAME_ACTIVE, 1))
    return moves


def formed_moves() -> list[tuple[str, int]]:
    return [(metrics.CIRCLE_FORMED, 1), (GAUGES[Status.FORMING], 1)]


def closed_moves(status: Status) -> list[tuple[str, int]]:
    return [(metrics.CIRCLE_CLOSED, 1), (GAUGES[status], -1)]
