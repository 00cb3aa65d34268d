"""Writing the anonymous aggregate rows: the only trace care leaves after it closes.

Rows are ``(neighborhood, day, metric, value)`` with no id of anything. Write them in the same
transaction as the change they count. Two kinds of metric:

- flows: +1 on the day something happened (a circle formed, a hold closed...);
- gauges (``GAUGE_*``): +1 when a state begins and -1 when it ends, so the state on any day is
  ``SUM(value) WHERE day <= that day``. ``GAUGE_HOLDS_WAITING`` is dated seven days after a
  hold opened: its +1 counts only once the hold has waited seven days, and pickup or closing
  writes the matching -1 on ``max(closing day, opened + 7)``.

Coordinator actions are counted per (neighbourhood, ISO week, coordinator pseudonym).
"""

from __future__ import annotations

import datetime as dt

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models.aggregates import AggregateRow, CoordinatorWeek
from models.clock import week_start

# Flows
CIRCLE_FORMED = "circle_formed"
CIRCLE_BECAME_ACTIVE = "circle_became_active"
CIRCLE_CLOSED = "circle_closed"
NEED_OPENED = "need_opened"  # a hold opened directly, or an ask made
NEED_CIRCLE_WITHIN_14D = "need_circle_within_14d"  # a circle formed from a hold in 14 days
HOLD_OPENED = "hold_opened"
HOLD_PICKED_UP = "hold_picked_up"
HOLD_PICKED_UP_WITHIN_7D = "hold_picked_up_within_7d"
HOLD_CLOSED = "hold_closed"
ASK_OPENED = "ask_opened"
ASK_TO_HOLD = "ask_to_hold"
REPAIR_OPENED = "repair_opened"
REPAIR_CLOSED = "repair_closed"
REPAIR_CLOSED_COMPLETED = "repair_closed_completed"
REPAIR_CLOSED_WITHDRAWN = "repair_closed_withdrawn"
REPAIR_CLOSED_ESCALATED = "repair_closed_escalated"

# Gauges
GAUGE_CIRCLES_FORMING = "gauge_circles_forming"
GAUGE_CIRCLES_ACTIVE = "gauge_circles_active"
GAUGE_CIRCLES_PAUSED = "gauge_circles_paused"
GAUGE_HOLDS_OPEN = "gauge_holds_open"
GAUGE_HOLDS_WAITING = "gauge_holds_waiting"
GAUGE_ASKS_OPEN = "gauge_asks_open"
GAUGE_REPAIR_ACTIVE = "gauge_repair_active"

HOLD_WAIT_DAYS = 7
FORMATION_DAYS = 14


async def record(neighborhood: str, day: dt.date, metric: str, value: int = 1) -> None:
    await AggregateRow.create(neighborhood=neighborhood, day=day, metric=metric, value=value)


async def record_many(rows: list[tuple[str, dt.date, str, int]]) -> None:
    await AggregateRow.bulk_create(
        [AggregateRow(neighborhood=n, day=d, metric=m, value=v) for n, d, m, v in rows]
    )


def hold_waiting_rows(
    neighborhood: str, opened_on: dt.date, ended_on: dt.date | None
) -> list[tuple[str, dt.date, str, int]]:
    """The GAUGE_HOLDS_WAITING rows for a hold opening (ended_on None) or ending."""
    due = opened_on + dt.timedelta(days=HOLD_WAIT_DAYS)
    if ended_on is None:
        return [(neighborhood, due, GAUGE_HOLDS_WAITING, 1)]
    return [(neighborhood, max(ended_on, due), GAUGE_HOLDS_WAITING, -1)]


async def count_action(neighborhood: str, day: dt.date, coordinator: str) -> None:
    """+1 on the coordinator's action count for the ISO week of ``day``."""
    week = week_start(day)
    for _ in range(2):
        updated = await CoordinatorWeek.filter(
            neighborhood=neighborhood, week_start=week, coordinator=coordinator
        ).update(actions=F("actions") + 1)
        if updated:
            return
        try:
            # A savepoint when called inside a transaction: on PostgreSQL a failed INSERT
            # would otherwise abort the caller's whole transaction, retry included.
            async with in_transaction(CoordinatorWeek._meta.default_connection):
                await CoordinatorWeek.create(
                    neighborhood=neighborhood, week_start=week, coordinator=coordinator, actions=1
                )
            return
        except IntegrityError:
            continue  # another request created the row first: update it
    raise RuntimeError("could not count a coordinator action")
