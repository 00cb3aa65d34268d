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

``key_sum`` is the perturbation state (the cell-key method, ``resolvers/aggregates/
perturbation.py``): every change adds a fresh random 32-bit key to its cell's sum, kept modulo
2^32, so sums over any run of weeks stay far inside 64 bits on both backends. A cell whose
value comes back to 0 is deleted, key and all: a state that began and ended within its week
leaves nothing, not even a changed key.

Nothing is dated into a week that already has a release: ``add(counts, today)`` moves a change
dated into (or before) the neighbourhood's latest released week into the current week (an ask
purged after its week was released counts in the week of the purge), so a stored release and
every release computed after it agree on every earlier week.

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
from decimal import Decimal

from tortoise import connections

from models import statements
from models.cells import EMPTY, KEY_SPACE, CellState, new_record_key
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


def fold(
    counts: Iterable[Count],
    released: dict[str, dt.date] | None = None,
    today: dt.date | None = None,
) -> dict[Cell, int]:
    """The deltas summed per cell (week, not day); cells whose deltas cancel are left out.
    ``released``: each neighbourhood's latest released Monday; a change dated into or before
    it counts in the week of ``today`` instead."""
    cells: dict[Cell, int] = {}
    for c in counts:
        monday = week_start(c.day)
        last = (released or {}).get(c.neighborhood)
        if last is not None and today is not None and monday <= last:
            monday = week_start(today)
        cell = (c.neighborhood, monday, c.metric)
        cells[cell] = cells.get(cell, 0) + c.delta
    return {cell: delta for cell, delta in cells.items() if delta}


_ADD = (
    f"INSERT INTO {COUNTS} (neighborhood, week_start, metric, value, key_sum) "
    "VALUES ({p0}, {p1}, {p2}, {p3}, {p4}) "
    "ON CONFLICT (neighborhood, metric, week_start) "
    f"DO UPDATE SET value = {COUNTS}.value + excluded.value, "
    f"key_sum = ({COUNTS}.key_sum + excluded.key_sum) % {KEY_SPACE}"
)
_ADD_RETURNING = _ADD + " RETURNING value"
_DROP_EMPTY = (
    f"DELETE FROM {COUNTS} WHERE neighborhood = {{p0}} AND metric = {{p1}} "
    "AND week_start = {p2} AND value = 0"
)


async def add(counts: Iterable[Count], today: dt.date | None) -> None:
    """Add each change to its weekly cell with a fresh record key; a cell back at 0 (a
    gauge's state began and ended in its week) is deleted. ``today``: the service's day, so
    that nothing is dated into a released week (None only for tests and seeding that write
    past weeks on purpose). Cells are written in key order, so concurrent
    transactions lock shared cells in the same order (no deadlock on PostgreSQL)."""
    counts = list(counts)
    released = await _latest_released(counts, today)
    for (nbh, monday, metric), delta in sorted(fold(counts, released, today).items()):
        params = (nbh, monday, metric, delta, new_record_key())
        [cell] = await statements.select(_ADD_RETURNING, params=params)
        if int(cell["value"]) == 0:
            await statements.execute(_DROP_EMPTY, params=(nbh, metric, monday))


async def _latest_released(counts: list[Count], today: dt.date | None) -> dict[str, dt.date]:
    """The latest released Monday of each neighbourhood that a change is dated before the
    current week in (only those can fall into a released week: releases are of past weeks)."""
    if today is None:
        return {}
    current = week_start(today)
    found: dict[str, dt.date] = {}
    for nbh in sorted({c.neighborhood for c in counts if week_start(c.day) < current}):
        rows = await statements.select(
            "SELECT MAX(week_start) AS last FROM cip_release WHERE neighborhood = {p0}",
            params=(nbh,),
        )
        if rows and rows[0]["last"] is not None:
            found[nbh] = statements.as_date(rows[0]["last"])
    return found


async def add_cells(cells: dict[Cell, int]) -> None:
    """Many cells at once (the bench's seeding): one batched statement."""
    conn = connections.get("default")
    dialect = str(conn.capabilities.dialect)
    values = [
        [nbh, monday.isoformat() if dialect == "sqlite" else monday, metric, delta, key]
        for (nbh, monday, metric), delta in sorted(cells.items())
        if delta
        for key in [new_record_key()]
    ]
    if values:
        await conn.execute_many(statements.render(_ADD, dialect, 0, 5), values)


_ACTION = (
    f"INSERT INTO {COORDINATOR_WEEKS} (neighborhood, week_start, coordinator, actions, key_sum) "
    "VALUES ({p0}, {p1}, {p2}, 1, {p3}) "
    "ON CONFLICT (neighborhood, week_start, coordinator) "
    f"DO UPDATE SET actions = {COORDINATOR_WEEKS}.actions + 1, "
    f"key_sum = ({COORDINATOR_WEEKS}.key_sum + excluded.key_sum) % {KEY_SPACE}"
)


async def add_actions(rows: list[tuple[str, dt.date, str, int]]) -> None:
    """Many (neighbourhood, Monday, coordinator, actions) at once (the bench's seeding)."""
    conn = connections.get("default")
    dialect = str(conn.capabilities.dialect)
    sql = statements.render(
        f"INSERT INTO {COORDINATOR_WEEKS} "
        "(neighborhood, week_start, coordinator, actions, key_sum) "
        "VALUES ({p0}, {p1}, {p2}, {p3}, {p4}) "
        "ON CONFLICT (neighborhood, week_start, coordinator) "
        f"DO UPDATE SET actions = {COORDINATOR_WEEKS}.actions + excluded.actions, "
        f"key_sum = ({COORDINATOR_WEEKS}.key_sum + excluded.key_sum) % {KEY_SPACE}",
        dialect,
        0,
        5,
    )
    values = [
        [n, w.isoformat() if dialect == "sqlite" else w, c, a, new_record_key()]
        for n, w, c, a in rows
    ]
    if values:
        await conn.execute_many(sql, values)


async def count_action(neighborhood: str, day: dt.date, coordinator: str) -> None:
    """+1 on the coordinator's action count for the ISO week of ``day``, with a fresh record
    key."""
    params = (neighborhood, week_start(day), coordinator, new_record_key())
    await statements.execute(_ACTION, params=params)


async def cells(
    neighborhood: str, metrics: Sequence[str], first: dt.date | None, last: dt.date
) -> dict[str, CellState]:
    """Each metric's cell over the weeks ``first..last`` (Mondays; ``first`` None: from the
    beginning): ``SUM(value)`` and the key sum, empty for a metric without rows. The database
    does the counting."""
    where = "" if first is None else " AND week_start >= {p2}"
    sql = (
        f"SELECT metric, SUM(value) AS total, SUM(key_sum) AS keys FROM {COUNTS} "
        "WHERE metric IN ({ids}) AND neighborhood = {p0} AND week_start <= {p1}"
        + where
        + " GROUP BY metric"
    )
    params: list[object] = [neighborhood, last] if first is None else [neighborhood, last, first]
    rows = await statements.select(sql, ids=list(metrics), params=params)
    found = {str(r["metric"]): _cell(r["total"], r["keys"]) for r in rows}
    return {metric: found.get(metric, EMPTY) for metric in metrics}


async def coordinator_cells(neighborhood: str, first: dt.date, last: dt.date) -> list[CellState]:
    """Each coordinator's actions over the weeks first..last (Mondays) as a cell, without who
    is who (sorted by count, then key)."""
    rows = await statements.select(
        f"SELECT SUM(actions) AS total, SUM(key_sum) AS keys FROM {COORDINATOR_WEEKS} "
        "WHERE neighborhood = {p0} AND week_start >= {p1} AND week_start <= {p2} "
        "AND actions > 0 GROUP BY coordinator",
        params=(neighborhood, first, last),
    )
    found = [_cell(r["total"], r["keys"]) for r in rows if r["total"]]
    return sorted(found, key=lambda c: (c.value, c.key))


def _cell(total: object, keys: object) -> CellState:
    return CellState(whole(total), whole(keys) % KEY_SPACE)


def whole(value: object) -> int:
    """A SUM as an exact int: PostgreSQL answers SUM(BIGINT) as NUMERIC, which may come back
    in exponent form (Decimal('2.05771E+9')), SQLite as an integer."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    return int(Decimal(str(value)))


async def own_actions(neighborhood: str, coordinator: str, first: dt.date, last: dt.date) -> int:
    rows = await statements.select(
        f"SELECT COALESCE(SUM(actions), 0) AS total FROM {COORDINATOR_WEEKS} "
        "WHERE neighborhood = {p0} AND coordinator = {p1} "
        "AND week_start >= {p2} AND week_start <= {p3}",
        params=(neighborhood, coordinator, first, last),
    )
    return whole(rows[0]["total"]) if rows else 0


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
