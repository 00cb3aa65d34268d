"""The circle status machine, free of I/O.

FORMING until two members besides the facilitator are in, then ACTIVE. Only an ACTIVE circle
can be paused, and a paused circle resumes to ACTIVE. Members leaving never move a circle back
to FORMING: a circle that has been active stays so until it closes.
"""

from __future__ import annotations

import strawberry

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
