"""SQLite for several processes on one file: write transactions begin with BEGIN IMMEDIATE.

Tortoise begins transactions with a deferred ``BEGIN``. In WAL mode a deferred transaction
that has read and then writes, after another process committed meanwhile, cannot wait for
the write lock: SQLite answers "database is locked" at once (SQLITE_BUSY_SNAPSHOT), and
``cip serve --workers 2`` on SQLite refused part of its concurrent writes. ``BEGIN
IMMEDIATE`` takes the write lock first, waiting for it up to the connection's busy timeout
(five seconds, sqlite3's default), so concurrent write transactions queue instead of failing. Reads
outside transactions are unchanged (WAL readers never wait for writers).

Used as the Tortoise engine for every ``sqlite://`` URL (``models.db.tortoise_config``).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
    translate_exceptions,
)
from tortoise.exceptions import TransactionManagementError

BEGIN = "BEGIN IMMEDIATE"


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute(BEGIN)
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> SqliteTransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)

    @translate_exceptions
    async def execute_many(self, query: str, values: list[list[Any]]) -> None:
        async with self.acquire_connection() as connection:
            self.log.debug("%s: %s", query, values)
            await connection.execute(BEGIN)
            try:
                await connection.executemany(query, values)
            except Exception:
                await connection.rollback()
                raise
            else:
                await connection.commit()


client_class = ImmediateSqliteClient
