"""The aggregate store: counts per (neighbourhood, ISO week, metric), never a log of events.

What survives care closing is two tables of counts, neither holding an id of a circle,
member, hold, ask or thread, and neither with a row id or an insertion order:

- ``cip_aggregate_count``: ``(neighborhood, week_start, metric) -> value`` (primary key the
  three, ``WITHOUT ROWID`` on SQLite, so rows are stored in key order). A change adds its
  delta to its cell (``INSERT ... ON CONFLICT DO UPDATE SET value = value + delta``, atomic on
  both backends); a gauge cell brought back to 0 is deleted, so a state that began and ended
  in the same week leaves nothing. ``key_sum`` (BIGINT, 0) is kept beside each count for the
  perturbation state of the releases (the cell-key method's running sum of record keys).
- ``cip_coordinator_week``: ``(neighborhood, week_start, coordinator pseudonym) -> actions``
  (and ``key_sum``, 0, likewise), the only per-person figure; deleted once no release window
  can read it (``forget_coordinator_weeks``).

``key_sum`` is a signed BIGINT on both backends, and nothing writes it yet. Whoever fills it
must keep the addition inside 64 bits (PostgreSQL refuses an overflow; SQLite turns it into a
float): e.g. 62-bit record keys and ``(key_sum + excluded.key_sum) % 2^62`` in the upsert. A
cell is deleted at ``value = 0 AND key_sum = 0``.

Metric names and what each care event counts are in ``resolvers/aggregates/events.py``;
this module stores and sums whatever it is given. Write in the same transaction as the
change counted.

The week is the coarsest period the releases need: every window a release reads is a run of
whole ISO weeks ending on a Sunday (``docs/aggregates.md``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tortoise import connections

from models import statements
from models.clock import week_start

COUNTS = "cip_aggregate_count"
COORDINATOR_WEEKS = "cip_coordinator_week"


@dataclass(frozen=True)
class Count:
    """One change to a count: ``delta`` on ``metric`` in the week holding ``day``."""

    neighborhood: str
    day: dt.date
    metric: str
    delta: int = 1


Cell = tuple[str, dt.date, str]  # neighbourhood, Monday, metric


def fold(counts: Iterable[Count]) -> dict[Cell, int]:
    """The deltas summed per cell (week, not day); cells whose deltas cancel are left out."""
    cells: dict[Cell, int] = {}
    for c in counts:
        cell = (c.neighborhood, week_start(c.day), c.metric)
        cells[cell] = cells.get(cell, 0) + c.delta
    return {cell: delta for cell, delta in cells.items() if delta}


_ADD = (
    f"INSERT INTO {COUNTS} (neighborhood, week_start, metric, value) "
    "VALUES ({p0}, {p1}, {p2}, {p3}) "
    "ON CONFLICT (neighborhood, metric, week_start) "
    f"DO UPDATE SET value = {COUNTS}.value + excluded.value"
)
_ADD_RETURNING = _ADD + " RETURNING value, key_sum"
_DROP_EMPTY = (
    f"DELETE FROM {COUNTS} WHERE neighborhood = {{p0}} AND metric = {{p1}} "
    "AND week_start = {p2} AND value = 0 AND key_sum = 0"
)


async def add(counts: Iterable[Count]) -> None:
    """Add each change to its weekly cell; a cell back at 0 (a gauge's state began and ended
    in its week) is deleted. Cells are written in key order, so concurrent transactions lock
    shared cells in the same order (no deadlock on PostgreSQL)."""
    for (nbh, monday, metric), delta in sorted(fold(counts).items()):
        [cell] = await statements.select(_ADD_RETURNING, params=(nbh, monday, metric, delta))
        if int(cell["value"]) == 0 and int(cell["key_sum"]) == 0:
            await statements.execute(_DROP_EMPTY, params=(nbh, metric, monday))


async def add_cells(cells: dict[Cell, int]) -> None:
    """Many cells at once (the bench's seeding): one batched statement."""
    conn = connections.get("default")
    dialect = str(conn.capabilities.dialect)
    values = [
        [nbh, monday.isoformat() if dialect == "sqlite" else monday, metric, delta]
        for (nbh, monday, metric), delta in sorted(cells.items())
        if delta
    ]
    if values:
        await conn.execute_many(statements.render(_ADD, dialect, 0, 4), values)


_ACTION = (
    f"INSERT INTO {COORDINATOR_WEEKS} (neighborhood, week_start, coordinator, actions) "
    "VALUES ({p0}, {p1}, {p2}, 1) "
    "ON CONFLICT (neighborhood, week_start, coordinator) "
    f"DO UPDATE SET actions = {COORDINATOR_WEEKS}.actions + 1"
)


async def add_actions(rows: list[tuple[str, dt.date, str, int]]) -> None:
    """Many (neighbourhood, Monday, coordinator, actions) at once (the bench's seeding)."""
    conn = connections.get("default")
    dialect = str(conn.capabilities.dialect)
    sql = statements.render(
        f"INSERT INTO {COORDINATOR_WEEKS} (neighborhood, week_start, coordinator, actions) "
        "VALUES ({p0}, {p1}, {p2}, {p3}) ON CONFLICT (neighborhood, week_start, coordinator) "
        f"DO UPDATE SET actions = {COORDINATOR_WEEKS}.actions + excluded.actions",
        dialect,
        0,
        4,
    )
    values = [[n, w.isoformat() if dialect == "sqlite" else w, c, a] for n, w, c, a in rows]
    if values:
        await conn.execute_many(sql, values)


async def count_action(neighborhood: str, day: dt.date, coordinator: str) -> None:
    """+1 on the coordinator's action count for the ISO week of ``day``."""
    await statements.execute(_ACTION, params=(neighborhood, week_start(day), coordinator))


async def sums(
    neighborhood: str, metrics: Sequence[str], first: dt.date | None, last: dt.date
) -> dict[str, int]:
    """``SUM(value)`` per metric over the weeks ``first..last`` (Mondays; ``first`` None: from
    the beginning), 0 for a metric without rows. The database does the counting."""
    where = "" if first is None else " AND week_start >= {p2}"
    sql = (
        f"SELECT metric, SUM(value) AS total FROM {COUNTS} WHERE metric IN ({{ids}}) "
        "AND neighborhood = {p0} AND week_start <= {p1}" + where + " GROUP BY metric"
    )
    params: list[object] = [neighborhood, last] if first is None else [neighborhood, last, first]
    rows = await statements.select(sql, ids=list(metrics), params=params)
    totals = {str(r["metric"]): int(r["total"] or 0) for r in rows}
    return {metric: totals.get(metric, 0) for metric in metrics}


async def coordinator_totals(neighborhood: str, first: dt.date, last: dt.date) -> list[int]:
    """Actions per coordinator over the weeks first..last (Mondays), ascending, without who
    is who."""
    rows = await statements.select(
        f"SELECT SUM(actions) AS total FROM {COORDINATOR_WEEKS} WHERE neighborhood = {{p0}} "
        "AND week_start >= {p1} AND week_start <= {p2} AND actions > 0 GROUP BY coordinator",
        params=(neighborhood, first, last),
    )
    return sorted(int(r["total"]) for r in rows if r["total"])


async def own_actions(neighborhood: str, coordinator: str, first: dt.date, last: dt.date) -> int:
    rows = await statements.select(
        f"SELECT COALESCE(SUM(actions), 0) AS total FROM {COORDINATOR_WEEKS} "
        "WHERE neighborhood = {p0} AND coordinator = {p1} "
        "AND week_start >= {p2} AND week_start <= {p3}",
        params=(neighborhood, coordinator, first, last),
    )
    return int(rows[0]["total"] or 0) if rows else 0


async def forget_coordinator_weeks(before: dt.date, neighborhood: str | None = None) -> int:
    """Delete the coordinator counts of the weeks before ``before`` (a Monday), in one
    neighbourhood or all; how many rows went."""
    if neighborhood is None:
        return await statements.execute(
            f"DELETE FROM {COORDINATOR_WEEKS} WHERE week_start < {{p0}}", params=(before,)
        )
    return await statements.execute(
        f"DELETE FROM {COORDINATOR_WEEKS} WHERE neighborhood = {{p0}} AND week_start < {{p1}}",
        params=(neighborhood, before),
    )


async def neighborhoods() -> list[str]:
    """Every neighbourhood that has counts or coordinator counts."""
    rows = await statements.select(
        f"SELECT neighborhood FROM {COUNTS} UNION SELECT neighborhood FROM {COORDINATOR_WEEKS}"
    )
    return sorted({str(r["neighborhood"]) for r in rows})
