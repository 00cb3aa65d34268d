"""A copy of the SQLite file after a destructive transaction, carved for the rows it deleted.

secure_delete zeroes what a delete frees, and the engine truncates the WAL; but when a b-tree
balance rebuilds a page, SQLite writes its cells anew from the end of the page and leaves the
old bytes in the gap between the cell pointers and the cell content: copies of cells that
moved to a sibling page. A row deleted later can survive there, in a page it no longer lives
on. The attack: fill a table the way CIP's tables fill (random UUID keys, an index on the
circle, pseudonyms, sealed bytes), delete a third of the circles in one destructive
transaction, copy the file and search every byte for every destroyed id and pseudonym. Without
the engine's VACUUM the carve recovers some (the control: the attack works on this SQLite);
with it, none. A larger file is left to the background scrubber, which vacuums it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest
from tortoise import Tortoise, connections
from tortoise.transactions import in_transaction

from models import sqlite_engine
from models.db import tortoise_config
from models.sqlite_engine import ImmediateSqliteClient


def folder_bytes(folder: Path) -> bytes:
    """Every file of the folder, read by another process (as a thief's copy is: a file opened
    and closed in this process would drop the locks SQLite holds here)."""
    files = sorted(str(p) for p in folder.iterdir() if p.is_file())
    return subprocess.run(["cat", *files], check=True, capture_output=True).stdout


ROUNDS = 6  # each: 400 rows written, then a quarter of the live rows deleted (holes)
PER_ROUND = 400


async def _attack(path: Path, seed: int) -> tuple[int, int]:
    """(destroyed values found in a copy of the folder, destroyed values in all). Rows of
    varied size are written and deleted in rounds, as care data comes and goes: the holes a
    delete leaves make later balances rebuild pages instead of editing them in place."""
    rng = random.Random(seed)
    await Tortoise.init(config=tortoise_config(f"sqlite://{path}"))  # CIP's own engine
    client = connections.get("default")
    assert isinstance(client, ImmediateSqliteClient)
    live: dict[str, str] = {}  # row id -> pseudonym
    destroyed: list[str] = []
    circles: list[str] = []
    try:
        await client.execute_script(
            "CREATE TABLE m (id TEXT PRIMARY KEY, circle TEXT, pseudonym TEXT, body BLOB);"
            "CREATE INDEX m_circle ON m (circle)"
        )
        for _ in range(ROUNDS):
            async with in_transaction("default") as tx:
                for i in range(PER_ROUND):
                    if i % 4 == 0 or not circles:
                        circles.append(str(uuid.UUID(int=rng.getrandbits(128))))
                    row_id = str(uuid.UUID(int=rng.getrandbits(128)))
                    pseudonym = rng.getrandbits(256).to_bytes(32, "big").hex()
                    body = rng.randbytes(rng.randint(20, 400))
                    await tx.execute_insert(
                        "INSERT INTO m VALUES (?, ?, ?, ?)",
                        [row_id, rng.choice(circles), pseudonym, body],
                    )
                    live[row_id] = pseudonym
            async with in_transaction("default") as tx:  # one destructive transaction
                for row_id in rng.sample(sorted(live), len(live) // 4):
                    await tx.execute_query("DELETE FROM m WHERE id = ?", [row_id])
                    destroyed += [row_id, live.pop(row_id)]
        copy = folder_bytes(path.parent)
    finally:
        await Tortoise.close_connections()
    return sum(value.encode() in copy for value in destroyed), len(destroyed)


def _run(path: Path, seed: int) -> tuple[int, int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return asyncio.run(_attack(path, seed))


SEEDS = (1, 2, 3, 4)


def test_without_the_vacuum_the_carve_finds_deleted_rows_in_page_gaps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: the attack works when the engine does not vacuum (so the test below can
    fail). secure_delete and the truncated WAL alone leave copies in page gaps: a few values
    in a few thousand, in some worlds and not others, so it counts over every seed."""
    monkeypatch.setattr(sqlite_engine, "VACUUM_INLINE_BYTES", 0)  # left to a scrubber not run
    found = total = 0
    for seed in SEEDS:
        hits, values = _run(tmp_path / f"world-{seed}" / "care.sqlite3", seed)
        print(  # noqa: T201 (the attack's success rate belongs in the output)
            f"seed {seed}, no VACUUM: the carve recovered {hits} of {values} destroyed values"
        )
        found, total = found + hits, total + values
    print(f"no VACUUM: the carve recovered {found} of {total} ({found / total:.2%})")  # noqa: T201
    assert found > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_a_copy_of_the_file_after_the_delete_holds_no_destroyed_value(
    tmp_path: Path, seed: int
) -> None:
    found, total = _run(tmp_path / "care.sqlite3", seed)
    print(  # noqa: T201
        f"seed {seed}, engine's VACUUM: the carve recovered {found} of {total} destroyed values"
    )
    assert found == 0


def test_a_file_too_large_to_vacuum_in_the_request_is_vacuumed_by_the_scrubber(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past VACUUM_INLINE_BYTES the request leaves the VACUUM to the scrubber, whose next
    round does it; a second destructive commit right after waits for the duty cycle (here
    made long) instead of rebuilding a large file again at once."""
    path = tmp_path / "care.sqlite3"
    monkeypatch.setattr(sqlite_engine, "VACUUM_INLINE_BYTES", 0)
    secret = uuid.uuid4().hex * 2

    async def scenario() -> tuple[bool, int, bool, int, bool]:
        client = ImmediateSqliteClient(str(path), connection_name="gaps-large")
        await client.create_connection(with_db=True)
        try:
            await client.execute_script("CREATE TABLE t (v TEXT)")
            await client.execute_insert("INSERT INTO t VALUES (?)", [secret])
            await client.execute_insert("INSERT INTO t VALUES (?)", ["kept"])
            await client.execute_query("DELETE FROM t WHERE v = ?", [secret])
            due = client.gaps
            before = path.stat().st_size
            await sqlite_engine.scrub_pending()  # one round of the background scrubber
            vacuumed, after = not client.gaps, path.stat().st_size
            monkeypatch.setattr(sqlite_engine, "VACUUM_DUTY", 1e-9)
            await client.execute_query("DELETE FROM t WHERE v = ?", ["kept"])
            await sqlite_engine.scrub_pending()
            return due, before, vacuumed, after, client.gaps
        finally:
            await client.close()

    due, before, vacuumed, after, waits = asyncio.run(scenario())
    assert due and vacuumed and after <= before
    assert waits  # the duty cycle held the second VACUUM back
    files = folder_bytes(tmp_path)
    assert secret.encode() not in files and b"kept" not in files  # close() vacuumed it


def test_a_vacuum_that_cannot_get_the_write_lock_is_finished_by_the_scrubber(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another connection holds the write lock past the busy timeout: the request's VACUUM
    gives up (the request returns), the client stays due, and the scrubber's next round,
    once the lock is gone, vacuums the file (its free pages are gone: VACUUM ran)."""
    path = tmp_path / "care.sqlite3"
    monkeypatch.setattr(sqlite_engine, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(sqlite_engine, "WAIT_SECONDS", 0.1)

    def free_pages() -> int:
        with contextlib.closing(sqlite3.connect(path)) as c:
            return int(c.execute("PRAGMA freelist_count").fetchone()[0])

    async def scenario() -> tuple[bool, int, bool, int]:
        client = ImmediateSqliteClient(str(path), connection_name="gaps-busy")
        await client.create_connection(with_db=True)
        try:
            await client.execute_script("CREATE TABLE t (v BLOB)")
            await client.execute_many(
                "INSERT INTO t VALUES (?)", [[bytes(500)] for _ in range(200)]
            )
            writer = sqlite3.connect(path, isolation_level=None)
            writer.execute("DELETE FROM t")  # frees pages the engine knows nothing of
            writer.execute("BEGIN IMMEDIATE")
            client.gaps = True  # as a destructive commit leaves it
            await client.scrub()  # what a request runs after its commit: returns
            due, free_while_locked = client.gaps, free_pages()
            writer.execute("ROLLBACK")
            writer.close()
            await sqlite_engine.scrub_pending()  # the scrubber's next round
            return due, free_while_locked, client.gaps, free_pages()
        finally:
            await client.close()

    due, free_while_locked, due_after, free_after = asyncio.run(scenario())
    assert due and free_while_locked > 0
    assert not due_after and free_after == 0


def test_a_spent_code_is_vacuumed_by_the_scrubber_and_a_person_s_row_in_the_request(
    tmp_path: Path,
) -> None:
    """A delete that only removes one-time codes (a spent invite's hash) leaves the VACUUM to
    the scrubber's next round; a delete of anything else (a member's row) is vacuumed before
    the request returns (and covers the codes still waiting). Both are zeroed and out of the
    WAL at once; the scrubber vacuums for codes alone at most every CODE_VACUUM_SECONDS."""
    path = tmp_path / "care.sqlite3"
    code_hash, member = uuid.uuid4().hex * 2, uuid.uuid4().hex * 2

    async def scenario() -> tuple[bool, bool, bool, bool]:
        client = ImmediateSqliteClient(str(path), connection_name="gaps-codes")
        await client.create_connection(with_db=True)
        try:
            await client.execute_script(
                'CREATE TABLE "cip_circle_invite" (code_hash TEXT);'
                'CREATE TABLE "cip_circle_member" (pseudonym TEXT)'
            )
            await client.execute_insert('INSERT INTO "cip_circle_invite" VALUES (?)', [code_hash])
            await client.execute_insert('INSERT INTO "cip_circle_member" VALUES (?)', [member])
            await client.execute_query(
                'DELETE FROM "cip_circle_invite" WHERE code_hash = ?', [code_hash]
            )
            code_left_to_scrubber = client.gaps and client in sqlite_engine._gapped
            await sqlite_engine.scrub_pending()
            code_vacuumed = not client.gaps
            await client.execute_insert('INSERT INTO "cip_circle_invite" VALUES (?)', ["x" * 64])
            await client.execute_query('DELETE FROM "cip_circle_invite"')
            await sqlite_engine.scrub_pending()  # within CODE_VACUUM_SECONDS of the last one
            code_vacuumed = code_vacuumed and client.gaps and not client.urgent
            await client.execute_query(
                'DELETE FROM "cip_circle_member" WHERE pseudonym = ?', [member]
            )
            member_vacuumed_in_request = not client.gaps
            files = folder_bytes(tmp_path)
            return (
                code_left_to_scrubber,
                code_vacuumed,
                member_vacuumed_in_request,
                code_hash.encode() in files or member.encode() in files,
            )
        finally:
            await client.close()

    deferred, vacuumed, inline, left = asyncio.run(scenario())
    assert deferred and vacuumed and inline and not left
    assert not sqlite_engine.urgent('DELETE FROM "cip_repair_invite" WHERE id = ?')
    assert sqlite_engine.urgent('DELETE FROM "cip_circle_member" WHERE id = ?')
    assert sqlite_engine.urgent('DROP TABLE "cip_circle_invite"')
