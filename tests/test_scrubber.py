"""The SQLite engine's scrub and the background scrubber, on a database file of their own:
a checkpoint held up by a reader is retried for a bounded time, left pending, finished by
the scrubber once the reader ends, and logged without any id or path while it is blocked."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from models import sqlite_engine
from models.sqlite_engine import ImmediateSqliteClient
from subgraph import maintenance

READER = """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN")
c.execute("SELECT count(*) FROM t").fetchall()
print("holding", flush=True)
sys.stdin.readline()
c.execute("COMMIT")
"""


def test_a_blocked_scrub_is_finished_by_the_scrubber_and_logged_without_ids(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "care.sqlite3"
    secret = uuid.uuid4().hex.encode() * 2
    monkeypatch.setattr(maintenance, "SCRUB_WARN_SECONDS", 0.3)
    monkeypatch.setattr(sqlite_engine, "WAIT_SECONDS", 0.2)

    async def scenario() -> tuple[bool, float, int]:
        client = ImmediateSqliteClient(str(path), connection_name="scrub-test")
        await client.create_connection(with_db=True)
        await client.execute_script("CREATE TABLE t (v BLOB)")
        await client.execute_query("INSERT INTO t VALUES (?)", [secret])
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert reader.stdout is not None and reader.stdin is not None
        assert reader.stdout.readline().strip() == "holding"
        scrubber = asyncio.create_task(maintenance.scrub_forever(every=0.05))
        started = time.monotonic()
        await client.execute_query("DELETE FROM t")  # returns after the bounded wait
        waited = time.monotonic() - started
        pending, _ = await sqlite_engine.scrub_pending()
        await asyncio.sleep(0.6)  # past the warning threshold, reader still there
        reader.stdin.write("done\n")
        reader.stdin.flush()
        reader.wait(10)
        for _ in range(40):
            if (await sqlite_engine.scrub_pending())[0] == 0:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)
        scrubber.cancel()
        remaining, _ = await sqlite_engine.scrub_pending()
        await client.close()
        return pending == 1, waited, remaining

    with caplog.at_level(logging.INFO, logger="cip.maintenance"):
        was_pending, waited, remaining = asyncio.run(scenario())
    assert was_pending and 0.15 < waited < 0.8  # the bounded wait, then it returns
    assert remaining == 0
    files = subprocess.run(
        ["cat", *[str(p) for p in tmp_path.iterdir()]], check=True, capture_output=True
    ).stdout
    assert secret not in files
    messages = [r.getMessage() for r in caplog.records if r.name == "cip.maintenance"]
    assert any("still blocked by a reader" in m for m in messages)
    assert any("has completed" in m for m in messages)
    assert not [m for m in messages if str(tmp_path) in m or "care.sqlite3" in m]


def test_writes_that_destroy_nothing_leave_no_history_in_the_wal_for_long(
    tmp_path: Path,
) -> None:
    """An update of a live row (a count, a status) is not scrubbed at once, but the scrubber
    truncates the WAL of every connection that wrote within its period: the earlier version
    of the row is then in no file."""
    path = tmp_path / "counts.sqlite3"
    before, after = uuid.uuid4().hex.encode() * 2, uuid.uuid4().hex.encode() * 2

    def held() -> bytes:
        return subprocess.run(
            ["cat", *[str(p) for p in tmp_path.iterdir()]], check=True, capture_output=True
        ).stdout

    async def scenario() -> tuple[bool, bool]:
        client = ImmediateSqliteClient(str(path), connection_name="truncate-test")
        await client.create_connection(with_db=True)
        await client.execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
        await client.execute_query("INSERT INTO t VALUES (1, ?)", [before])
        await client.execute_query("UPDATE t SET v = ? WHERE id = 1", [after])
        kept = before in held()  # not a destructive transaction: the old version is logged
        scrubber = asyncio.create_task(maintenance.scrub_forever(every=0.05, truncate_every=0.1))
        await asyncio.sleep(0.4)
        scrubber.cancel()
        gone = before not in held() and after in held()
        await client.close()
        return kept, gone

    kept, gone = asyncio.run(scenario())
    assert kept and gone


def test_a_scrubber_leaves_the_clients_of_another_event_loop_alone(tmp_path: Path) -> None:
    """Two apps in one process (as the test suite runs its live servers): each loop's
    scrubber finishes only its own clients' work; another loop's connection would hang."""
    path = tmp_path / "care.sqlite3"

    async def own() -> ImmediateSqliteClient:
        client = ImmediateSqliteClient(str(path), connection_name="loop-a")
        await client.create_connection(with_db=True)
        await client.execute_script("CREATE TABLE t (v TEXT)")
        return client

    loop_a = asyncio.new_event_loop()
    try:
        client = loop_a.run_until_complete(own())
        client.gaps = True
        sqlite_engine._gapped.add(client)
        sqlite_engine._pending.add(client)
        seen = asyncio.run(asyncio.wait_for(sqlite_engine.scrub_pending(), 5))
        assert seen == (0, 0.0) and client.gaps  # loop B neither counted nor touched it
        pending, _ = loop_a.run_until_complete(sqlite_engine.scrub_pending())
        assert pending == 0 and not client.gaps  # its own loop's scrubber did the work
        loop_a.run_until_complete(client.close())
    finally:
        loop_a.close()
