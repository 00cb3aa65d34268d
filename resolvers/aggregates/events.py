"""What each care event counts: one function per event, returning its changes to the
aggregate store (``models/aggregate_store.py``). Pure: the use cases write what these return,
in the transaction of the change.

Only metrics a release reads exist (``Metric``). Two kinds:

- flows: +1 on the day something happened (a circle formed, a repair thread closed...);
- gauges (``GAUGE_*``): +1 when a state begins and -1 when it ends, so the state at the end of
  a week is the sum of every week up to it.

The hold wait (``HOLD_WAIT_DAYS``) is written here once: a hold counts as waiting from seven
days after it opened (``GAUGE_HOLDS_WAITING`` +1 dated then); its pickup or closing writes the
-1 on ``max(that day, opened + 7)``; it was picked up in time when picked up within seven days
(``HOLD_PICKED_UP_WITHIN_7D``). A need found a circle in time within fourteen days.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from models.aggregate_store import Count
from resolvers.circles.status import Status

HOLD_WAIT_DAYS = 7
FORMATION_DAYS = 14


class Metric(StrEnum):
    # Flows
    CIRCLE_FORMED = "circle_formed"
    NEED_OPENED = "need_opened"  # a hold opened directly, or an ask made
    NEED_CIRCLE_WITHIN_14D = "need_circle_within_14d"  # a circle formed from a hold in 14 days
    HOLD_OPENED = "hold_opened"
    HOLD_PICKED_UP_WITHIN_7D = "hold_picked_up_within_7d"
    REPAIR_OPENED = "repair_opened"
    REPAIR_CLOSED = "repair_closed"
    # Gauges
    GAUGE_CIRCLES_FORMING = "gauge_circles_forming"
    GAUGE_CIRCLES_ACTIVE = "gauge_circles_active"
    GAUGE_HOLDS_OPEN = "gauge_holds_open"
    GAUGE_HOLDS_WAITING = "gauge_holds_waiting"
    GAUGE_ASKS_OPEN = "gauge_asks_open"
    GAUGE_REPAIR_ACTIVE = "gauge_repair_active"


# The gauge each circle status counts on; a paused circle is on none (no release reads it).
CIRCLE_GAUGES: dict[Status, Metric | None] = {
    Status.FORMING: Metric.GAUGE_CIRCLES_FORMING,
    Status.ACTIVE: Metric.GAUGE_CIRCLES_ACTIVE,
    Status.PAUSED: None,
}


# The hold wait, once.


def waiting_from(opened_on: dt.date) -> dt.date:
    """The day a hold opened on ``opened_on`` starts counting as waiting over seven days."""
    return opened_on + dt.timedelta(days=HOLD_WAIT_DAYS)


def picked_up_in_time(opened_on: dt.date, picked_on: dt.date) -> bool:
    return (picked_on - opened_on).days <= HOLD_WAIT_DAYS


def found_circle_in_time(opened_on: dt.date, formed_on: dt.date) -> bool:
    return (formed_on - opened_on).days <= FORMATION_DAYS


def _waiting_began(nbh: str, opened_on: dt.date) -> Count:
    return Count(nbh, waiting_from(opened_on), Metric.GAUGE_HOLDS_WAITING, 1)


def _waiting_ended(nbh: str, opened_on: dt.date, ended_on: dt.date) -> Count:
    return Count(nbh, max(ended_on, waiting_from(opened_on)), Metric.GAUGE_HOLDS_WAITING, -1)


# Circles


def circle_formed(nbh: str, day: dt.date) -> list[Count]:
    return [Count(nbh, day, Metric.CIRCLE_FORMED), Count(nbh, day, Metric.GAUGE_CIRCLES_FORMING)]


def circle_status_changed(nbh: str, day: dt.date, old: Status, new: Status) -> list[Count]:
    """Leaving one status's gauge and entering the other's; nothing when unchanged."""
    if old is new:
        return []
    left, entered = CIRCLE_GAUGES[old], CIRCLE_GAUGES[new]
    moves = [] if left is None else [Count(nbh, day, left, -1)]
    return moves + ([] if entered is None else [Count(nbh, day, entered, 1)])


def circle_closed(nbh: str, day: dt.date, status: Status) -> list[Count]:
    gauge = CIRCLE_GAUGES[status]
    return [] if gauge is None else [Count(nbh, day, gauge, -1)]


def hold_picked_up_by_circle(nbh: str, opened_on: dt.date, day: dt.date) -> list[Count]:
    """An open hold a new circle takes up (the circle counts ``circle_formed`` too): the end
    of its open and waiting gauges, whether it was picked up in time and whether the need
    found a circle in time."""
    counts = [Count(nbh, day, Metric.GAUGE_HOLDS_OPEN, -1), _waiting_ended(nbh, opened_on, day)]
    if picked_up_in_time(opened_on, day):
        counts.append(Count(nbh, day, Metric.HOLD_PICKED_UP_WITHIN_7D))
    if found_circle_in_time(opened_on, day):
        counts.append(Count(nbh, day, Metric.NEED_CIRCLE_WITHIN_14D))
    return counts


# Holds and asks


def hold_opened(nbh: str, day: dt.date) -> list[Count]:
    return [
        Count(nbh, day, Metric.HOLD_OPENED),
        Count(nbh, day, Metric.NEED_OPENED),
        Count(nbh, day, Metric.GAUGE_HOLDS_OPEN),
        _waiting_began(nbh, day),
    ]


def hold_closed(nbh: str, opened_on: dt.date, day: dt.date, was_open: bool) -> list[Count]:
    """A hold closed by its holder; one no longer open (a circle took it) counts nothing."""
    if not was_open:
        return []
    return [Count(nbh, day, Metric.GAUGE_HOLDS_OPEN, -1), _waiting_ended(nbh, opened_on, day)]


def ask_opened(nbh: str, day: dt.date) -> list[Count]:
    return [Count(nbh, day, Metric.NEED_OPENED), Count(nbh, day, Metric.GAUGE_ASKS_OPEN)]


def ask_ended(nbh: str, day: dt.date) -> list[Count]:
    """An ask withdrawn (on the day) or expired (on its expiry day)."""
    return [Count(nbh, day, Metric.GAUGE_ASKS_OPEN, -1)]


def ask_taken(nbh: str, asked_on: dt.date, day: dt.date) -> list[Count]:
    """An ask becomes a coordinator's hold, opened on the ask's day and picked up today."""
    counts = [
        Count(nbh, day, Metric.GAUGE_ASKS_OPEN, -1),
        Count(nbh, day, Metric.HOLD_OPENED),
        Count(nbh, day, Metric.GAUGE_HOLDS_OPEN),
        _waiting_began(nbh, asked_on),
    ]
    if picked_up_in_time(asked_on, day):
        counts.append(Count(nbh, day, Metric.HOLD_PICKED_UP_WITHIN_7D))
    return counts


# Repair threads


def repair_opened(nbh: str, day: dt.date) -> list[Count]:
    return [Count(nbh, day, Metric.REPAIR_OPENED), Count(nbh, day, Metric.GAUGE_REPAIR_ACTIVE)]


def repair_closed(nbh: str, day: dt.date) -> list[Count]:
    """However it closed: no release reads the closure, so none is stored."""
    return [Count(nbh, day, Metric.REPAIR_CLOSED), Count(nbh, day, Metric.GAUGE_REPAIR_ACTIVE, -1)]
