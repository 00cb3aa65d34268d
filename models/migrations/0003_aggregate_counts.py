"""The aggregate store keeps counts: per-event rows folded into weekly cells.

``cip_aggregate_row`` (an autoincrement id per event, dated by day, every metric) becomes
``cip_aggregate_count``: one row per (neighborhood, ISO week, metric) holding the sum, for the
metrics a release reads only; cells that sum to 0 are not kept. ``cip_coordinator_week`` loses
its id: the primary key is (neighborhood, week_start, coordinator). Both gain ``key_sum``
(BIGINT, 0) beside the count, for the perturbation's record keys. Neither table has a row id
on SQLite (WITHOUT ROWID), so neither keeps an insertion order.

The table definitions are written here rather than generated: Tortoise models have one
primary-key column, and these tables have none of their own (``models/aggregate_store.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

# What a release reads (resolvers/aggregates/events.py, Metric), as of this migration.
KEPT = (
    "circle_formed",
    "need_opened",
    "need_circle_within_14d",
    "hold_opened",
    "hold_picked_up_within_7d",
    "repair_opened",
    "repair_closed",
    "gauge_circles_forming",
    "gauge_circles_active",
    "gauge_holds_open",
    "gauge_holds_waiting",
    "gauge_asks_open",
    "gauge_repair_active",
)


def _tables(dialect: str) -> list[str]:
    no_rowid = " WITHOUT ROWID" if dialect == "sqlite" else ""
    return [
        "CREATE TABLE cip_aggregate_count ("
        " neighborhood VARCHAR(64) NOT NULL,"
        " week_start DATE NOT NULL,"
        " metric VARCHAR(48) NOT NULL,"
        " value BIGINT NOT NULL,"
        " key_sum BIGINT NOT NULL DEFAULT 0,"
        " CONSTRAINT cip_aggregate_count_pk PRIMARY KEY (neighborhood, metric, week_start)"
        f"){no_rowid}",
        "CREATE TABLE cip_coordinator_week_counts ("
        " neighborhood VARCHAR(64) NOT NULL,"
        " week_start DATE NOT NULL,"
        " coordinator VARCHAR(64) NOT NULL,"
        " actions INT NOT NULL,"
        " key_sum BIGINT NOT NULL DEFAULT 0,"
        " CONSTRAINT cip_coordinator_week_pk PRIMARY KEY (neighborhood, week_start, coordinator)"
        f"){no_rowid}",
    ]


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


async def fold(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    dialect = str(client.capabilities.dialect)
    for sql in _tables(dialect):
        await client.execute_script(sql)
    marks = ", ".join(
        f"${i}" if dialect == "postgres" else "?" for i in range(1, len(KEPT) + 1)
    )
    rows = await client.execute_query_dict(
        "SELECT neighborhood, day, metric, SUM(value) AS total FROM cip_aggregate_row "
        f"WHERE metric IN ({marks}) GROUP BY neighborhood, day, metric",
        list(KEPT),
    )
    cells: dict[tuple[str, str, str], int] = {}
    for r in rows:
        day = _day(r["day"])
        monday = (day - dt.timedelta(days=day.weekday())).isoformat()
        key = (str(r["neighborhood"]), monday, str(r["metric"]))
        cells[key] = cells.get(key, 0) + int(r["total"] or 0)
    insert = (
        "INSERT INTO cip_aggregate_count (neighborhood, week_start, metric, value) "
        + ("VALUES ($1, $2, $3, $4)" if dialect == "postgres" else "VALUES (?, ?, ?, ?)")
    )
    for (nbh, monday, metric), total in sorted(cells.items()):
        if total:
            week: Any = dt.date.fromisoformat(monday) if dialect == "postgres" else monday
            await client.execute_query(insert, [nbh, week, metric, total])
    await client.execute_script(
        "INSERT INTO cip_coordinator_week_counts (neighborhood, week_start, coordinator, actions)"
        " SELECT neighborhood, week_start, coordinator, SUM(actions) FROM cip_coordinator_week"
        " GROUP BY neighborhood, week_start, coordinator"
    )


async def rename(apps: Any, schema_editor: Any) -> None:
    await schema_editor.client.execute_script(
        "ALTER TABLE cip_coordinator_week_counts RENAME TO cip_coordinator_week"
    )


class Migration(migrations.Migration):
    dependencies = [("cip", "0002_rate_limits")]

    initial = False

    operations = [
        ops.RunPython(fold),
        ops.DeleteModel(name="AggregateRow"),
        ops.DeleteModel(name="CoordinatorWeek"),
        ops.RunPython(rename),
    ]
