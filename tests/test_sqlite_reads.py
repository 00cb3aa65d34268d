"""Page reads on the event loop (models/sqlite_engine.py ``read_now``, used by
models/statements.py ``select``): the same rows as Tortoise's path, a read-only connection
with the engine's settings, no snapshot held once a read returns, a transaction's reads on
the transaction's own connection, and a busy file answered the usual way, never waited for
on the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from tortoise import Tortoise, connections
from tortoise.transactions import in_transaction

from models import statements
from models.db import tortoise_config
from models.sqlite_engine import ImmediateSqliteClient

ROWS = [(i, f"text {i}") for i in range(5)]


@asynccontextmanager
async def database(path: Path, query: str = "") -> AsyncIterator[ImmediateSqliteClient]:
    # CIP's own configuration (the SQLite engine for a sqlite:// URL); no tables are made.
    await Tortoise.init(config=tortoise_config(f"sqlite://{path}{query}"))
    try:
        client = connections.get("default")
        assert isinstance(client, ImmediateSqliteClient)
        await client.execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
        for row in ROWS:
            await client.execute_query("INSERT INTO t VALUES (?, ?)", list(row))
        yield client
    finally:
        await Tortoise.close_connections()


def test_a_select_is_read_on_the_loop_with_the_same_rows(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with database(tmp_path / "care.sqlite3") as client:
            sql = "SELECT id, body FROM t WHERE id IN ({ids}) ORDER BY id"
            through_select = await statements.select(sql, [1, 3])
            assert client._reader is not None  # the select went on the loop
            text, values = statements.bind(sql, "sqlite", [1, 3])
            assert through_select == await client.execute_query_dict(text, values)
            assert through_select == [{"id": 1, "body": "text 1"}, {"id": 3, "body": "text 3"}]

    asyncio.run(scenario())


def test_the_reader_is_read_only_with_the_engines_settings(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with database(tmp_path / "care.sqlite3") as client:
            assert client.read_now("SELECT 1 AS one", []) == [{"one": 1}]
            reader = client._reader
            assert reader is not None
            assert reader.execute("PRAGMA secure_delete").fetchone()[0] == 1
            assert reader.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
            assert reader.execute("PRAGMA query_only").fetchone()[0] == 1
            with pytest.raises(Exception, match="readonly"):
                client.read_now("DELETE FROM t", [])
            assert len(await statements.select("SELECT id FROM t")) == len(ROWS)  # untouched
            # A write sent through select goes Tortoise's way, not the reader's.
            returned = await statements.select(
                "INSERT INTO t VALUES ({p0}, {p1}) RETURNING id", params=[99, "x"]
            )
            assert returned == [{"id": 99}]

    asyncio.run(scenario())


def test_a_read_holds_no_snapshot_so_a_checkpoint_truncates_at_once(tmp_path: Path) -> None:
    path = tmp_path / "care.sqlite3"

    async def scenario() -> None:
        async with database(path) as client:
            assert await statements.select("SELECT id FROM t")
            await client.execute_query("DELETE FROM t WHERE id = ?", [0])  # scrubs the WAL
            assert client.read_now("SELECT id FROM t", []) is not None
            other = sqlite3.connect(path, isolation_level=None)
            try:
                other.execute("INSERT INTO t VALUES (50, 'y')")
                busy, _, _ = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                other.close()
            assert busy == 0
            assert Path(f"{path}-wal").stat().st_size == 0

    asyncio.run(scenario())


def test_inside_a_transaction_reads_see_its_own_writes(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with database(tmp_path / "care.sqlite3"):
            async with in_transaction("default") as tx:
                await tx.execute_query("INSERT INTO t VALUES (?, ?)", [7, "mine"])
                found = await statements.select("SELECT body FROM t WHERE id = {p0}", params=[7])
                assert found == [{"body": "mine"}]
            assert await statements.select("SELECT body FROM t WHERE id = 7") == [{"body": "mine"}]

    asyncio.run(scenario())


def test_a_busy_file_is_read_the_usual_way_without_waiting_on_the_loop(tmp_path: Path) -> None:
    """A file another connection holds busy: read_now answers None at once (busy_timeout 0
    on the loop) and select goes Tortoise's way, which waits in aiosqlite's thread while the
    loop goes on. In WAL mode (CIP's) a reader is almost never kept out, so the file here
    keeps a rollback journal, where a writer's exclusive lock keeps every reader out."""
    path = tmp_path / "care.sqlite3"

    async def scenario() -> None:
        async with database(path, "?journal_mode=DELETE") as client:
            assert client.read_now("SELECT id FROM t", []) is not None  # the reader is open
            holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            holder.execute("BEGIN EXCLUSIVE")
            holder.execute("INSERT INTO t VALUES (60, 'held')")
            started = time.monotonic()
            assert client.read_now("SELECT id FROM t", []) is None
            assert time.monotonic() - started < 0.5  # never waited

            def release() -> None:
                time.sleep(0.4)
                holder.execute("COMMIT")

            threading.Thread(target=release).start()
            ticks = 0

            async def tick() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.05)
                    ticks += 1

            ticker = asyncio.create_task(tick())
            rows = await statements.select("SELECT id FROM t WHERE id = 60")
            ticker.cancel()
            holder.close()
            assert rows == [{"id": 60}]
            assert ticks >= 4  # the loop went on while the read waited

    asyncio.run(scenario())
