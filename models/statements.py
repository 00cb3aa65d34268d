"""Hand-written statements for the reads a member's page runs on every view, sent through
Tortoise's own connections.

Tortoise builds each query's SQL anew on every call; for myCircles that building and the
model conversions cost more CPU than the rest of the request's data access together
(docs/benchmarks.md). The few statements on that path are written once here with numbered
placeholders that both dialects read (``$1`` on PostgreSQL, ``?1`` on SQLite); everything
else goes through the ORM. Marks in the SQL text: ``{ids}`` for a list of ids, ``{p0}``,
``{p1}``... for the other parameters, in the order given.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from asyncpg.pgproto.pgproto import UUID as _AsyncpgUUID  # type: ignore[import-untyped]
from tortoise import connections

MARKS = {"postgres": "$", "sqlite": "?"}
_READ = re.compile(r"\s*SELECT\b", re.IGNORECASE)  # a read (INSERT ... RETURNING is not)


@lru_cache(maxsize=256)
def render(sql: str, dialect: str, id_count: int, param_count: int) -> str:
    """The statement with its marks replaced by the dialect's numbered placeholders: the ids
    first (1..id_count), then the parameters."""
    mark = MARKS[dialect]
    ids = ", ".join(f"{mark}{i}" for i in range(1, id_count + 1))
    params = {f"p{k}": f"{mark}{id_count + 1 + k}" for k in range(param_count)}
    return sql.format(ids=ids, **params)


def _value(value: Any, dialect: str) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if dialect == "sqlite" and isinstance(value, dt.date):
        return value.isoformat()  # Tortoise keeps dates as ISO text on SQLite
    return value


def bind(
    sql: str, dialect: str, ids: Sequence[Any] = (), params: Sequence[Any] = ()
) -> tuple[str, list[Any]]:
    """The statement for ``dialect`` and its values in placeholder order, as the driver takes
    them (also for bench/raw.py, which sends the same statements through the bare driver)."""
    values = [_value(v, dialect) for v in (*ids, *params)]
    return render(sql, dialect, len(ids), len(params)), values


def _prepare(
    sql: str, ids: Sequence[Any], params: Sequence[Any], connection: str
) -> tuple[Any, str, list[Any]]:
    conn = connections.get(connection)
    text, values = bind(sql, str(conn.capabilities.dialect), ids, params)
    return conn, text, values


async def select(
    sql: str, ids: Sequence[Any] = (), params: Sequence[Any] = (), connection: str = "default"
) -> list[dict[str, Any]]:
    """The rows, as the driver gives them (see ``as_uuid``, ``as_date``). On SQLite a SELECT
    outside a transaction is read on the event loop (models/sqlite_engine.py ``read_now``):
    the hand-written statements are the small indexed reads of a page."""
    conn, text, values = _prepare(sql, ids, params, connection)
    read_now = getattr(conn, "read_now", None)  # CIP's SQLite client, not in a transaction
    if read_now is not None and _READ.match(text):
        rows: list[dict[str, Any]] | None = read_now(text, values)
        if rows is not None:
            return rows
    return list(await conn.execute_query_dict(text, values))


async def execute(
    sql: str, ids: Sequence[Any] = (), params: Sequence[Any] = (), connection: str = "default"
) -> int:
    """Run a write; the number of rows it changed."""
    conn, text, values = _prepare(sql, ids, params, connection)
    changed, _ = await conn.execute_query(text, values)
    return int(changed)


def as_uuid(value: Any) -> uuid.UUID:
    """A UUID column's value: a UUID from asyncpg, its text from SQLite."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


# A UUID read from a text column (SQLite's) becomes asyncpg's own UUID type, the one PostgreSQL
# rows already carry: a uuid.UUID (equal, same hash, same text) whose parsing, text and hash
# are in C. uuid.UUID's are in Python: 1.7 us to parse one here against 0.09 us, and a page
# asks for an id's text or hash for every sealed text, answered id and lookup by id.
RowId: Callable[[str], uuid.UUID] = _AsyncpgUUID


IDS_KEPT = 4096  # ids one context keeps parsed (a WebSocket's serves many operations)


def id_table() -> Callable[[Any], uuid.UUID]:
    """``as_uuid`` for one request: each id's text is parsed once and the same UUID object
    given every time. On SQLite a page's rows repeat their circle's id and their authors'
    ids, and each parse is uuid.UUID's constructor in Python; the same object also makes
    every dict lookup by id an identity match (no UUID.__eq__ in Python). Nothing outlives
    its context; one that serves many operations starts afresh past ``IDS_KEPT`` ids."""
    made: dict[Any, uuid.UUID] = {}
    uuid_type = uuid.UUID

    def as_uuid(value: Any) -> uuid.UUID:
        if isinstance(value, uuid_type):  # asyncpg's
            return value
        found = made.get(value)
        if found is None:
            if len(made) >= IDS_KEPT:
                made.clear()
            found = made[value] = RowId(str(value))
        return found

    return as_uuid


def as_date(value: Any) -> dt.date:
    """A DATE column's value: a date from asyncpg, ISO text from SQLite."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
