"""CIP's SQLite engine: write transactions begin IMMEDIATE, and destroyed means gone.

Several processes on one file. Tortoise begins transactions with a deferred ``BEGIN``. In
WAL mode a deferred transaction that has read and then writes, after another process
committed meanwhile, cannot wait for the write lock: SQLite answers "database is locked" at
once (SQLITE_BUSY_SNAPSHOT), and ``cip serve --workers 2`` on SQLite refused part of its
concurrent writes. ``BEGIN IMMEDIATE`` takes the write lock first, waiting for it up to the
connection's busy timeout (five seconds, sqlite3's default), so concurrent write transactions
queue instead of failing. Reads outside transactions are unchanged (WAL readers never wait
for writers).

Destroyed means gone. Every connection runs with ``secure_delete=ON``: deleted cells,
freed pages and overflow pages are overwritten with zeros. That is not enough in WAL mode:
the ``-wal`` file keeps every earlier version of every page it logged (and, since it is
reused from its start after a checkpoint, stale frames past its current end) until it is
truncated. So after every destructive transaction (one that ran a DELETE or a DROP) has
committed, the engine itself runs ``PRAGMA wal_checkpoint(TRUNCATE)`` and checks
its result: ``busy`` means a reader (another worker, a backup) holds a snapshot that still
needs the old frames. It retries, without blocking the connection, for a bounded time
(``WAIT_SECONDS``); after that the client is left pending and ``scrub_pending`` (the
background scrubber of ``cip serve``, subgraph/maintenance.py) finishes the job once the
reader is gone. One mechanism for every destructive transaction: no use case calls it.

Nor is an empty WAL enough: when a b-tree balance rebuilds a page, SQLite writes its cells
anew from the end of the page and leaves the old bytes between the cell pointers and the
cell content (copies of cells that moved to a sibling page). secure_delete never sees them,
so a copy of a row deleted later can survive in the gap of a page it once lived on
(tests/test_sqlite_page_gaps.py shows it on a bare table). So before the checkpoint the
engine runs ``VACUUM`` on a connection of its own (the request's may hold statements open;
temp_store=MEMORY, so the rebuilt copy never touches a temporary file): every page is written
anew from the live rows only, and the checkpoint then truncates the WAL that held them. It
costs a read and a write of the whole file (a 4 MB file: about 15 ms, and 6 ms for the
checkpoint that follows), so a file larger than ``VACUUM_INLINE_BYTES`` is vacuumed by the
background scrubber instead, not inside the request, and no more than ``VACUUM_DUTY`` of the
time: after a VACUUM that took d seconds, the next waits d / VACUUM_DUTY. A transaction whose
deletes only removed one-time codes (``CODE_TABLES``: a spent or expired code's hash matches
nothing and names no one; the live circle, thread or hold it belonged to is still there) is
vacuumed by the scrubber too, not in the request, and at most every ``CODE_VACUUM_SECONDS``:
joining a circle is the commonest destructive request, and a VACUUM in each one cost it four
fifths of its throughput, one every half second still a sixth (docs/benchmarks.md). Its
cell is zeroed and its WAL truncated at once, as for every destructive transaction.

Files are private: the database file is created 0600 (its -wal and -shm inherit its mode)
and an existing set of files is brought to 0600 when a connection opens.

Used as the Tortoise engine for every ``sqlite://`` URL (``models.db.tortoise_config``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
import time
import weakref
from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import NestedTransactionContext, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
    translate_exceptions,
)
from tortoise.exceptions import OperationalError, TransactionManagementError

BEGIN = "BEGIN IMMEDIATE"
BUSY_TIMEOUT_MS = 5000  # sqlite3's default, restored after each checkpoint attempt
WAIT_SECONDS = 1.0  # how long a destructive statement waits for its checkpoint in-request
VACUUM_INLINE_BYTES = 16 * 1024 * 1024  # larger files are vacuumed by the background scrubber
VACUUM_DUTY = 0.1  # the share of the time the scrubber may spend vacuuming one large file
CODE_VACUUM_SECONDS = 5.0  # a VACUUM for spent codes alone waits this long after the last one
FILE_MODE = 0o600
SUFFIXES = ("", "-wal", "-shm", "-journal")

# What destroys stored content: every destructive use case deletes a row (a close, a leave,
# a purge, a spent code, a shredded key), so a transaction that deletes is scrubbed whole,
# with whatever it also updated (a transferred hold's previous holder, a leaver's authorship).
# Transactions that only update live rows (a status, a rhythm, a count) are not: a checkpoint
# costs two fsyncs (docs/security.md). Rate-limit counters are excluded: a keyed hash and a
# number, swept on every new window.
_DESTRUCTIVE = re.compile(r"^\s*(?:DELETE|DROP|REPLACE|INSERT\s+OR\s+REPLACE)\b", re.IGNORECASE)
_EXCLUDED = ("cip_rate_counter",)
# One-time codes: their deletes are vacuumed by the scrubber, not in the request (above).
CODE_TABLES = frozenset({"cip_circle_invite", "cip_repair_invite", "cip_hold_transfer"})
_DELETE_FROM = re.compile(r'^\s*DELETE\s+FROM\s+"?(\w+)"?', re.IGNORECASE)
# Any write: the WAL of writes that destroy nothing (a count, a status) is truncated by the
# background scrubber within ``truncate_written``'s period, so it holds no history for long.
_WRITE = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE|DROP|CREATE|ALTER)\b", re.IGNORECASE)
_clients: weakref.WeakSet[ImmediateSqliteClient] = weakref.WeakSet()

# Clients whose last checkpoint answered busy: the background scrubber retries them.
_pending: weakref.WeakSet[ImmediateSqliteClient] = weakref.WeakSet()
_pending_since: weakref.WeakKeyDictionary[ImmediateSqliteClient, float] = (
    weakref.WeakKeyDictionary()
)
# Clients whose file was too large to vacuum in the request (or stayed busy): the background
# scrubber vacuums them, within VACUUM_DUTY of the time.
_gapped: weakref.WeakSet[ImmediateSqliteClient] = weakref.WeakSet()


def destructive(query: str) -> bool:
    """True for a statement whose commit leaves earlier versions of rows in the WAL."""
    if any(table in query for table in _EXCLUDED):
        return False
    return _DESTRUCTIVE.search(query) is not None


def urgent(query: str) -> bool:
    """A destructive statement whose rows the request itself must vacuum away: all but a
    DELETE from a table of one-time codes."""
    found = _DELETE_FROM.match(query)
    return found is None or found.group(1) not in CODE_TABLES


def files_of(path: str) -> list[str]:
    """The database file and the companions SQLite may make beside it."""
    return [f"{path}{suffix}" for suffix in SUFFIXES]


def _on_disk(path: str) -> bool:
    return bool(path) and path != ":memory:" and not path.startswith("file:")


def make_private(path: str) -> None:
    """Mode 0600 for the database file and every companion that exists."""
    if not _on_disk(path):
        return
    for name in files_of(path):
        with contextlib.suppress(FileNotFoundError):
            if os.stat(name).st_mode & 0o777 != FILE_MODE:
                os.chmod(name, FILE_MODE)


def _create_private(path: str) -> None:
    """Create a missing database file as 0600 before SQLite does (its 0644 less the umask);
    SQLite gives the -wal and -shm files it makes later the database file's mode."""
    if not _on_disk(path) or os.path.exists(path):
        return
    # No SQLite connection of this process has the file open yet (it does not exist), so
    # opening and closing a descriptor here cannot drop any lock SQLite holds on it.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))


class ImmediateSqliteClient(SqliteClient):
    def __init__(self, file_path: str, **kwargs: Any) -> None:
        kwargs.setdefault("secure_delete", "ON")
        # Sorts and temporary indices stay in memory: no temporary file outside the data
        # folder ever holds a copy of care rows.
        kwargs.setdefault("temp_store", "MEMORY")
        super().__init__(file_path, **kwargs)
        self.dirty = False  # a destructive statement committed since the last checkpoint
        self.written = False  # any write since the WAL was last truncated
        self.gaps = False  # a destructive statement committed since the last VACUUM
        self.urgent = False  # and one of them the request must vacuum (not only codes)
        self._vacuum_lock = asyncio.Lock()
        self._vacuumed_at = float("-inf")  # when the last VACUUM ended
        self._vacuum_took = 0.0  # and how long it took
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop its connection serves
        self._reader: sqlite3.Connection | None = None  # read_now's connection
        _clients.add(self)

    async def create_connection(self, with_db: bool) -> None:
        if not self._connection:
            _create_private(self.filename)
        await super().create_connection(with_db)
        if self._loop is not asyncio.get_running_loop():
            self._loop = asyncio.get_running_loop()
            self._vacuum_lock = asyncio.Lock()
        make_private(self.filename)

    def _in_transaction(self) -> SqliteTransactionContext:
        return ScrubbingTransactionContext(ImmediateTransactionWrapper(self), self._lock)

    # ---------------------------------------------------------------- reads on the loop
    def read_now(self, query: str, values: Sequence[Any]) -> list[dict[str, Any]] | None:
        """One SELECT outside any transaction, on a read-only connection of its own, called
        on the event loop as the raw driver calls sqlite3 (aiosqlite hands every statement to
        its thread and back: most of what CIP's data layer cost beyond the driver's,
        docs/benchmarks.md). It holds no snapshot once it returns (autocommit, the cursor
        read to its end and closed), so it never keeps a checkpoint waiting. None when it
        cannot answer at once (an in-memory database, a file another connection holds
        busy: it never waits), and the caller goes the usual way."""
        reader = self._reader
        if reader is None:
            if self._connection is None or not _on_disk(self.filename):
                return None
            reader = self._reader = self._open_reader()
        try:
            cursor = reader.execute(query, values)
            try:
                rows = cursor.fetchall()
            finally:
                cursor.close()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                return None
            raise OperationalError(exc) from exc
        self.log.debug("%s: %s", query, values)  # counted as Tortoise's statements are
        return [dict(row) for row in rows]

    def _connect(self, *, check_same_thread: bool = True) -> sqlite3.Connection:
        """A plain sqlite3 connection to the file with the engine's pragmas (secure_delete,
        temp_store=MEMORY, ...): read_now's reader and the VACUUM's connection."""
        connection = sqlite3.connect(
            self.filename, isolation_level=None, check_same_thread=check_same_thread
        )
        for pragma, value in self.pragmas.items():
            connection.execute(f"PRAGMA {pragma}={value}").close()
        return connection

    def _open_reader(self) -> sqlite3.Connection:
        reader = self._connect(check_same_thread=False)
        reader.row_factory = sqlite3.Row
        reader.execute("PRAGMA query_only=ON").close()
        reader.execute("PRAGMA busy_timeout=0").close()
        make_private(self.filename)
        return reader

    # ---------------------------------------------------------------- autocommit statements
    async def _after(self, query: str, changed: int = 1) -> None:
        """``changed``: rows the statement changed, when known (a DELETE of nothing leaves no
        page to vacuum)."""
        if _WRITE.search(query):
            self.written = True
        if destructive(query):
            self.dirty = True
            if changed > 0:
                self.gaps = True
                self.urgent = self.urgent or urgent(query)
            await self.scrub()

    async def execute_query(
        self, query: str, values: list[Any] | None = None
    ) -> tuple[int, Sequence[dict[str, Any]]]:
        result: tuple[int, Sequence[dict[str, Any]]] = await super().execute_query(query, values)
        await self._after(query, result[0])
        return result

    async def execute_query_dict(
        self, query: str, values: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await super().execute_query_dict(query, values)
        await self._after(query)
        return result

    async def execute_script(self, query: str) -> None:
        await super().execute_script(query)
        await self._after(query)

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
        await self._after(query)

    # ---------------------------------------------------------------- the scrub
    async def _checkpoint(self) -> bool:
        """One attempt, never waiting inside SQLite: True when the WAL is empty."""
        if self._connection is None:
            return True
        async with self.acquire_connection() as connection:
            await connection.execute("PRAGMA busy_timeout=0")
            try:
                cursor = await connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                row = await cursor.fetchone()
                await cursor.close()
            except sqlite3.OperationalError:  # locked by a writer of this very connection
                row = (1,)
            finally:
                await connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return row is None or int(row[0]) == 0

    def _size(self) -> int:
        try:
            return os.path.getsize(self.filename)
        except OSError:
            return 0

    def _vacuum_now(self) -> bool:
        """VACUUM on a connection of its own (run in a thread): True when it ran, False when
        the file stayed busy past the busy timeout (the scrubber tries again)."""
        connection = self._connect()
        try:
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}").close()
            connection.execute("VACUUM").close()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                return False
            raise
        finally:
            connection.close()
        make_private(self.filename)
        return True

    async def vacuum(self, *, inline: bool = True) -> bool:
        """Rebuild every page from the live rows when a destructive statement committed since
        the last VACUUM. ``inline`` (in a request) only for a file up to
        ``VACUUM_INLINE_BYTES`` and when more than one-time codes were deleted; the scrubber
        passes False and vacuums a larger file once ``VACUUM_DUTY`` allows, codes alone once
        ``CODE_VACUUM_SECONDS`` have passed. True when no gap is left to vacuum."""
        if not self.gaps or self._connection is None or not _on_disk(self.filename):
            return True
        if inline and (not self.urgent or self._size() > VACUUM_INLINE_BYTES):
            return False
        if not inline:
            since = time.monotonic() - self._vacuumed_at
            if since < self._vacuum_took / VACUUM_DUTY:
                return False
            if not self.urgent and since < CODE_VACUUM_SECONDS:
                return False
        async with self._vacuum_lock:
            if not self.gaps:  # a concurrent scrub vacuumed after this commit
                return True
            urgent_before = self.urgent
            self.gaps = self.urgent = False  # a commit while it runs sets them again
            started, done = time.monotonic(), False
            try:
                done = await asyncio.to_thread(self._vacuum_now)
            finally:
                if not done:  # busy, or failed: still due, for the scrubber's next round
                    self.gaps, self.urgent = True, self.urgent or urgent_before
            if not done:
                return False
            self._vacuumed_at = time.monotonic()
            self._vacuum_took = self._vacuumed_at - started
            self.dirty = True  # the VACUUM wrote every page into the WAL
            return True

    async def scrub(self, wait: float | None = None) -> bool:
        """Vacuum (when the file is small enough to do it here), then checkpoint and truncate
        the WAL, retrying up to ``wait`` seconds (default ``WAIT_SECONDS``); False leaves the
        client pending for the background scrubber."""
        if await self.vacuum(inline=wait is None):
            _gapped.discard(self)
        else:
            _gapped.add(self)
        deadline = time.monotonic() + (WAIT_SECONDS if wait is None else wait)
        delay = 0.005
        while True:
            if await self._checkpoint():
                self.dirty = self.written = False
                _pending.discard(self)
                _pending_since.pop(self, None)
                return True
            if time.monotonic() + delay > deadline:
                _pending.add(self)
                _pending_since.setdefault(self, time.monotonic())
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._connection is not None and self.gaps:
            self._vacuumed_at = float("-inf")
            await self.vacuum(inline=False)
        if self._connection is not None and (self.dirty or self.gaps):
            await self._checkpoint()
        _pending.discard(self)
        _gapped.discard(self)
        await super().close()


def _root(client: Any) -> ImmediateSqliteClient | None:
    while isinstance(client, SqliteTransactionWrapper):
        client = client._parent
    return client if isinstance(client, ImmediateSqliteClient) else None


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    """Begins IMMEDIATE; marks its root client dirty when it runs a destructive statement."""

    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(ImmediateTransactionWrapper(self))

    def _mark(self, query: str, changed: int = 1) -> None:
        root = _root(self)
        if root is None:
            return
        if _WRITE.search(query):
            root.written = True
        if destructive(query):
            root.dirty = True
            if changed > 0:
                root.gaps = True
                root.urgent = root.urgent or urgent(query)

    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute(BEGIN)
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc

    async def execute_query(
        self, query: str, values: list[Any] | None = None
    ) -> tuple[int, Sequence[dict[str, Any]]]:
        result: tuple[int, Sequence[dict[str, Any]]] = await super().execute_query(query, values)
        self._mark(query, result[0])  # after: a failed statement changed nothing
        return result

    async def execute_query_dict(
        self, query: str, values: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        self._mark(query)
        result: list[dict[str, Any]] = await super().execute_query_dict(query, values)
        return result

    async def execute_script(self, query: str) -> None:
        self._mark(query)
        await super().execute_script(query)

    async def execute_many(self, query: str, values: list[list[Any]]) -> None:
        self._mark(query)
        await super().execute_many(query, values)


class ScrubbingTransactionContext(SqliteTransactionContext):
    """After the outermost transaction ends (and its lock is released), scrub if it
    destroyed anything: the caller's ``async with`` returns only once the WAL is clean, or
    once the bounded wait has handed the job to the background scrubber."""

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        try:
            await super().__aexit__(exc_type, exc_val, exc_tb)
        finally:
            root = _root(self.connection)
            if root is not None and root.dirty:
                await root.scrub()


def _ours(clients: weakref.WeakSet[ImmediateSqliteClient]) -> list[ImmediateSqliteClient]:
    """The clients whose connection serves the running loop: another loop's (a second
    app in the same process, as the test suite runs them) are its own scrubber's."""
    loop = asyncio.get_running_loop()
    return [client for client in list(clients) if client._loop is loop]


async def truncate_written() -> int:
    """One checkpoint attempt for every open connection that wrote since its WAL was last
    truncated (writes that destroyed nothing); how many are still waiting for a reader."""
    waiting = 0
    for client in _ours(_clients):
        if client.written and client._connection is not None:
            if await client._checkpoint():
                client.written = False
            else:
                waiting += 1
    return waiting


async def scrub_pending() -> tuple[int, float]:
    """One attempt for every client left pending; how many remain and the oldest's age."""
    for client in _ours(_gapped):
        if await client.vacuum(inline=False):
            _gapped.discard(client)
            await client.scrub(wait=0)
    pending = _ours(_pending)
    for client in pending:
        await client.scrub(wait=0)
    now = time.monotonic()
    left = [client for client in pending if client in _pending]
    ages = [now - _pending_since.get(client, now) for client in left]
    return len(left), max(ages, default=0.0)


client_class = ImmediateSqliteClient
