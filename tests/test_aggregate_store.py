"""The aggregate store keeps counts, not events (models/aggregate_store.py): what a dump shows
after ordinary use, increments that race, coordinator counts forgotten once no window reads
them, and the migration that folds the per-event rows of earlier versions."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.migrations.api import migrate as tortoise_migrate
from tortoise.transactions import in_transaction

from models import aggregate_store, db
from models.aggregate_store import Count
from models.cells import KEY_SPACE
from resolvers.aggregates import releases
from resolvers.aggregates.events import Metric
from resolvers.aggregates.published import my_share
from tests.support import (
    AS_OF,
    TODAY,
    VIEW,
    WEEK,
    FreshPostgres,
    LiveServer,
    callers,
    cip_serve,
    concurrently,
    expected_load,
    fresh,
    frozen_on,
    metrics,
    ok,
    record_actions,
    record_rows,
)
from tests.test_repair_api import CLOSE, open_thread

COLUMNS = ["neighborhood", "week_start", "metric", "value", "key_sum"]


def dump(server: LiveServer, nbh: str) -> list[tuple[str, ...]]:
    """The neighbourhood's cells as a copy of the table shows them, less their key sums."""
    rows = server.sql(
        "SELECT neighborhood, week_start, metric, value FROM cip_aggregate_count "
        f"WHERE neighborhood = '{nbh}'"
    )
    return sorted(tuple(str(v) for v in r) for r in rows)


def key_sums(server: LiveServer, nbh: str) -> list[int]:
    rows = server.sql(f"SELECT key_sum FROM cip_aggregate_count WHERE neighborhood = '{nbh}'")
    return [int(r[0]) for r in rows]


def assert_keys_link_nothing(server: LiveServer, nbh: str) -> None:
    """An attacker with a copy pairs cells whose key sums cancel (a record counted in one
    week and counted out in another would, were keys derived from the record): none do,
    and every key sum is a 32-bit number."""
    keys = key_sums(server, nbh)
    assert all(0 <= k < KEY_SPACE for k in keys)
    assert not any((a + b) % KEY_SPACE == 0 for i, a in enumerate(keys) for b in keys[i + 1 :])


def columns(server: LiveServer, table: str) -> list[str]:
    if server.backend == "sqlite":
        return [str(r[1]) for r in server.sql(f"PRAGMA table_info({table})")]
    return [
        str(r[0])
        for r in server.sql(
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_name = '{table}' ORDER BY ordinal_position"
        )
    ]


def test_a_quiet_week_with_one_closed_repair_thread_shows_counts_not_events(
    server: LiveServer, nbh: str, day: dt.date
) -> None:
    harmed = server.token(fresh())
    thread = open_thread(server, harmed, nbh, "HARMED_PARTY", "Ada")
    other = open_thread(server, harmed, nbh, "HARMED_PARTY", "Ada")
    server.clock.set(day + dt.timedelta(days=9))  # the next week, otherwise quiet
    closed = server.gql(CLOSE, {"t": thread, "c": "WITHDRAWN", "r": None}, token=harmed)
    assert ok(closed)["closeRepairThread"]["closure"] == "WITHDRAWN"
    week1, week2 = "2026-03-02", "2026-03-09"
    assert dump(server, nbh) == [
        (nbh, week1, "gauge_repair_active", "2"),
        (nbh, week1, "repair_opened", "2"),
        (nbh, week2, "gauge_repair_active", "-1"),
        (nbh, week2, "repair_closed", "1"),
    ]
    assert_keys_link_nothing(server, nbh)
    # A count per (neighbourhood, week, metric): no id, no day, no closure, no row per event.
    assert columns(server, "cip_aggregate_count") == COLUMNS
    assert columns(server, "cip_coordinator_week") == [
        "neighborhood",
        "week_start",
        "coordinator",
        "actions",
        "key_sum",
    ]
    # The other thread closing that week changes the counts; it adds no row.
    server.clock.set(day + dt.timedelta(days=10))
    ok(server.gql(CLOSE, {"t": other, "c": "WITHDRAWN", "r": None}, token=harmed))
    assert dump(server, nbh) == [
        (nbh, week1, "gauge_repair_active", "2"),
        (nbh, week1, "repair_opened", "2"),
        (nbh, week2, "gauge_repair_active", "-2"),
        (nbh, week2, "repair_closed", "2"),
    ]
    assert_keys_link_nothing(server, nbh)


def test_a_cell_back_at_zero_is_deleted_whichever_way_it_got_there(
    server: LiveServer, nbh: str
) -> None:
    def add(delta: int) -> None:
        server.run(aggregate_store.add([Count(nbh, WEEK, Metric.GAUGE_HOLDS_OPEN, delta)], None))

    add(-1)
    assert len(dump(server, nbh)) == 1
    add(1)  # up to zero
    assert dump(server, nbh) == []
    add(1)
    add(-1)  # down to zero
    assert dump(server, nbh) == []


def test_the_tables_have_no_row_id_and_keys_of_their_cells(server: LiveServer) -> None:
    """No insertion order to read: SQLite stores the rows in key order (WITHOUT ROWID);
    neither backend has a generated column."""
    keys = {
        "cip_aggregate_count": ["neighborhood", "metric", "week_start"],
        "cip_coordinator_week": ["neighborhood", "week_start", "coordinator"],
    }
    for table, key in keys.items():
        if server.backend == "sqlite":
            with pytest.raises(sqlite3.OperationalError, match="rowid"):
                server.sql(f"SELECT rowid FROM {table}")
            found = sorted(
                (int(r[5]), str(r[1])) for r in server.sql(f"PRAGMA table_info({table})")
            )
            assert [name for pk, name in found if pk] == key
        else:
            found_pg = server.sql(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
                "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                f"WHERE i.indrelid = '{table}'::regclass AND i.indisprimary"
            )
            assert sorted(str(r[0]) for r in found_pg) == sorted(key)
            defaults = server.sql(
                "SELECT column_name, column_default FROM information_schema.columns "
                f"WHERE table_name = '{table}' AND column_default IS NOT NULL"
            )
            assert [(str(c), str(d)) for c, d in defaults] == [("key_sum", "0")]


RACERS = 24


def test_concurrent_increments_are_not_lost(server: LiveServer, nbh: str) -> None:
    """Each change its own transaction, all at once (on PostgreSQL over the pool's several
    connections): +1s, and +1s racing -1s through a cell's deletion at zero."""

    async def change(metric: str, delta: int) -> None:
        async with in_transaction("default"):
            await aggregate_store.add([Count(nbh, WEEK, metric, delta)], None)

    async def act() -> None:
        async with in_transaction("default"):
            await aggregate_store.count_action(nbh, WEEK, "c-racing")

    async def race() -> None:
        await change(Metric.GAUGE_HOLDS_OPEN, 1)
        ups = [change(Metric.REPAIR_OPENED, 1) for _ in range(RACERS)]
        both = [change(Metric.GAUGE_HOLDS_OPEN, 1 if i % 2 else -1) for i in range(RACERS)]
        await asyncio.gather(*ups, *both, *(act() for _ in range(RACERS)))

    server.run(race())
    monday = WEEK.isoformat()
    assert dump(server, nbh) == [
        (nbh, monday, "gauge_holds_open", "1"),
        (nbh, monday, "repair_opened", str(RACERS)),
    ]
    rows = server.sql(f"SELECT actions FROM cip_coordinator_week WHERE neighborhood = '{nbh}'")
    assert [int(r[0]) for r in rows] == [RACERS]


ASK = 'mutation($n: ID!) { askForSupport(neighborhood: $n, note: "x") { id } }'


def test_increments_from_two_server_processes_are_not_lost(
    server: LiveServer, nbh: str, tmp_path: Path
) -> None:
    """As with `cip serve --workers 2`: two processes adding to the same cells at once (on
    SQLite, two connections to one file)."""
    tokens = [server.token(fresh()) for _ in range(RACERS)]
    env = {**os.environ, **server.env, "CIP_TODAY": server.clock.today().isoformat()}
    with cip_serve(env, tmp_path / "other.log") as other:
        calls = [
            (server if i % 2 == 0 else other).call(ASK, {"n": nbh}, token)
            for i, token in enumerate(tokens)
        ]
        answers = concurrently(calls)
    assert [a.errors for a in answers] == [[]] * RACERS
    assert metrics(server, nbh) == {"need_opened": RACERS, "gauge_asks_open": RACERS}
    assert len(dump(server, nbh)) == 2


def test_windows_are_whole_weeks_and_the_oldest_week_read() -> None:
    assert [releases.window_weeks(AS_OF, days) for days in releases.WINDOWS] == [
        (dt.date(2026, 2, 16), WEEK),  # 2 weeks
        (dt.date(2026, 2, 2), WEEK),  # 4 weeks
        (dt.date(2025, 12, 8), WEEK),  # 12 weeks
    ]
    # The 90-day window of the release eight weeks back (the trend's oldest point).
    assert releases.oldest_week_read(AS_OF) == dt.date(2025, 10, 20)
    assert (WEEK - releases.oldest_week_read(AS_OF)).days == 18 * 7


def test_window_flows_count_the_whole_weeks_inside_the_window(server: LiveServer, nbh: str) -> None:
    """The 30-day window ending Sunday 1 March starts on Saturday 31 January; its four whole
    weeks start on Monday 2 February. The 14-day window is exactly its two weeks."""
    record_rows(
        server,
        (nbh, dt.date(2026, 1, 31), Metric.REPAIR_OPENED, 1),  # in the 30 days, not its weeks
        (nbh, dt.date(2026, 2, 2), Metric.REPAIR_OPENED, 1),
        (nbh, dt.date(2026, 2, 16), Metric.REPAIR_OPENED, 1),
        (nbh, AS_OF, Metric.REPAIR_OPENED, 1),
    )
    opened = {}
    for window in releases.WINDOWS:
        first, last = releases.window_weeks(AS_OF, window)
        cells = server.run(aggregate_store.cells(nbh, [Metric.REPAIR_OPENED], first, last))
        opened[window] = cells[Metric.REPAIR_OPENED].value
    assert opened == {14: 2, 30: 3, 90: 4}


def test_coordinator_counts_no_window_reads_go_when_a_release_is_computed(
    server: LiveServer, nbh: str, sub: str
) -> None:
    oldest = releases.oldest_week_read(AS_OF)
    for week in (oldest - dt.timedelta(days=7), oldest, WEEK):
        record_actions(server, nbh, f"{sub}-c", 2, day=week)
    record_actions(server, f"{nbh}-other", f"{sub}-c", 1, day=oldest - dt.timedelta(days=7))
    with frozen_on(server, TODAY):
        got = ok(server.gql(VIEW, {"n": nbh, "w": 90}, token=callers(server, nbh, sub).coordinator))
    # Only the weeks the window reads count: the caller's own 2, over the published total.
    truth = server.run(aggregate_store.coordinator_cells(nbh, *releases.window_weeks(AS_OF, 90)))
    assert [c.value for c in truth] == [2]
    want = expected_load(server, nbh)
    assert got["careCoordinationView"]["careLoad"]["myShare"] == my_share(2, want.actions)
    weeks = server.sql(f"SELECT week_start FROM cip_coordinator_week WHERE neighborhood = '{nbh}'")
    assert sorted(str(r[0]) for r in weeks) == [oldest.isoformat(), WEEK.isoformat()]
    # The computation forgets its own neighbourhood's; the cron forgets everyone's.
    other = f"SELECT COUNT(*) FROM cip_coordinator_week WHERE neighborhood = '{nbh}-other'"
    assert server.sql(other)[0][0] == 1
    server.run(releases.forget_coordinator_weeks(TODAY))
    assert server.sql(other)[0][0] == 0


# ------------------------------------------------------------------ the migration

OLD_ROWS = [  # (neighborhood, day, metric, value) as the per-event table held them
    ("elm", "2026-02-23", "repair_opened", 1),
    ("elm", "2026-02-24", "repair_opened", 1),
    ("elm", "2026-02-24", "gauge_repair_active", 1),
    ("elm", "2026-02-24", "gauge_repair_active", 1),
    ("elm", "2026-02-26", "gauge_repair_active", -1),
    ("elm", "2026-03-01", "repair_closed", 1),  # Sunday: still week 2026-02-23
    ("elm", "2026-03-01", "repair_closed_withdrawn", 1),  # no release reads it
    ("elm", "2026-03-02", "gauge_repair_active", -1),  # Monday: the next week
    ("elm", "2026-03-02", "gauge_circles_paused", 1),  # no release reads it
    ("oak", "2026-03-04", "gauge_holds_open", 1),
    ("oak", "2026-03-05", "gauge_holds_open", -1),  # cancels: nothing is kept
]
FOLDED = [
    ("elm", "2026-02-23", "gauge_repair_active", 1),
    ("elm", "2026-02-23", "repair_closed", 1),
    ("elm", "2026-02-23", "repair_opened", 2),
    ("elm", "2026-03-02", "gauge_repair_active", -1),
]


def _run(url: str, statements: list[str], query: str = "") -> list[tuple[Any, ...]]:
    """Statements, then a query, over a connection of the test's own (not Tortoise's)."""
    if url.startswith("sqlite://"):
        with sqlite3.connect(url[len("sqlite://") :]) as conn:
            for statement in statements:
                conn.execute(statement)
            return [tuple(r) for r in conn.execute(query).fetchall()] if query else []

    async def run() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            for statement in statements:
                await conn.execute(statement)
            return [tuple(r) for r in await conn.fetch(query)] if query else []
        finally:
            await conn.close()

    return asyncio.run(run())


async def _migrate_to(config: dict[str, Any], target: str) -> None:
    try:
        await tortoise_migrate(config=config, target=target)
    finally:
        await Tortoise.close_connections()


def _check_folded(url: str) -> None:
    config = db.tortoise_config(url)
    asyncio.run(_migrate_to(config, "cip.0002_rate_limits"))
    _run(
        url,
        [
            "INSERT INTO cip_aggregate_row (neighborhood, day, metric, value) "
            f"VALUES ('{nbh}', '{day}', '{metric}', {value})"
            for nbh, day, metric, value in OLD_ROWS
        ]
        + [
            "INSERT INTO cip_coordinator_week (neighborhood, week_start, coordinator, actions) "
            "VALUES ('elm', '2026-02-23', 'c-one', 3), ('elm', '2026-02-23', 'c-two', 1)"
        ],
    )
    asyncio.run(db.migrate(config))
    asyncio.run(db.migrate(config))  # and again: nothing to do
    counts = _run(
        url, [], "SELECT * FROM cip_aggregate_count ORDER BY neighborhood, week_start, metric"
    )
    assert [(n, str(w), m, v) for n, w, m, v, _ in counts] == FOLDED
    weeks = _run(url, [], "SELECT * FROM cip_coordinator_week ORDER BY coordinator")
    assert [(n, str(w), c, a) for n, w, c, a, _ in weeks] == [
        ("elm", "2026-02-23", "c-one", 3),
        ("elm", "2026-02-23", "c-two", 1),
    ]
    # 0004 gives every folded cell a random key sum, so equal counts draw unrelated noise.
    keys = [int(r[-1]) for r in [*counts, *weeks]]
    assert all(0 <= k < KEY_SPACE for k in keys) and len(set(keys)) == len(keys)
    tables = _run(
        url,
        [],
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        if url.startswith("sqlite://")
        else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    )
    names = {str(t[0]) for t in tables}
    assert "cip_aggregate_row" not in names and "cip_coordinator_week_counts" not in names


def test_the_migration_folds_event_rows_into_weekly_counts_on_sqlite(tmp_path: Path) -> None:
    _check_folded(f"sqlite://{tmp_path / 'old.sqlite3'}")


def test_the_migration_folds_event_rows_into_weekly_counts_on_postgres() -> None:
    pg = FreshPostgres()
    url = pg.create()
    try:
        _check_folded(url)
    finally:
        pg.drop()
