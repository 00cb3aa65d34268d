"""What the scrub after a destructive statement costs on this machine (docs/security.md).

Runs 300 autocommit statements through CIP's SQLite engine on a 2,000-row table in a
temporary folder: INSERTs (never scrubbed) and DELETEs (each followed by its checked
``wal_checkpoint(TRUNCATE)``), and prints milliseconds per statement.

    .venv/bin/python scripts/scrub_cost.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.sqlite_engine import ImmediateSqliteClient

ROWS, STATEMENTS = 2000, 300


async def per_statement(folder: Path, statement: str) -> float:
    client = ImmediateSqliteClient(str(folder / f"{statement}.sqlite3"), connection_name=statement)
    await client.create_connection(with_db=True)
    try:
        await client.execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
        for i in range(ROWS):
            await client.execute_query("INSERT INTO t (id, v) VALUES (?, ?)", [i, os.urandom(200)])
        started = time.perf_counter()
        for i in range(STATEMENTS):
            if statement == "DELETE":
                await client.execute_query("DELETE FROM t WHERE id = ?", [i])
            else:
                await client.execute_query("INSERT INTO t (v) VALUES (?)", [os.urandom(200)])
        return (time.perf_counter() - started) / STATEMENTS * 1000
    finally:
        await client.close()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for statement in ("INSERT", "DELETE"):
            ms = await per_statement(Path(tmp), statement)
            sys.stdout.write(f"{statement}: {ms:.2f} ms per statement\n")


if __name__ == "__main__":
    asyncio.run(main())
