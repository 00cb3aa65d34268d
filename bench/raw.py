"""The limit: myCircles and circle(id) answered by the database driver itself (asyncpg or
sqlite3), with no ORM and no GraphQL, returning the same JSON as CIP.

Fair on purpose: it verifies the same JWT, derives the same pseudonym, runs the same
statements (membership with circle, data keys, members, purge of expired updates, updates)
and opens every sealed text with the same keys (unwrap, then AES-GCM with the row's AAD).
What it leaves out is what GraphQL and the ORM add: parsing and validating the query, the
directive guard, DataLoaders, model instances. It answers POST /graphql and reads only
``variables.id`` (present: circle(id); absent: myCircles), so the runner can use one client.
Run: ``uvicorn bench.raw:app_factory --factory`` with the same CIP_* environment as `cip serve`.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from models.clock import Clock
from models.pseudonym import pseudonym
from models.sealing import _decrypt, owner_of, row_aad, unwrap_key
from subgraph.settings import Settings, load_settings

Row = dict[str, Any]


class Store:
    """The driver: ``fetch`` and ``execute`` with a list of circle ids spliced in."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def fetch(self, sql: str, args: Sequence[Any], ids: Sequence[str]) -> list[Row]:
        raise NotImplementedError

    async def execute(self, sql: str, args: Sequence[Any], ids: Sequence[str]) -> None:
        raise NotImplementedError


class SqliteStore(Store):
    """sqlite3 called directly on the event loop: one connection per worker, like Tortoise."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA secure_delete=ON")

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()

    def _sql(self, sql: str, ids: Sequence[str]) -> str:
        return sql.replace("{ids}", ",".join("?" * len(ids))).replace("$x", "?")

    async def fetch(self, sql: str, args: Sequence[Any], ids: Sequence[str]) -> list[Row]:
        assert self.conn is not None
        rows = self.conn.execute(self._sql(sql, ids), [*_text(args), *ids])
        return [dict(r) for r in rows]

    async def execute(self, sql: str, args: Sequence[Any], ids: Sequence[str]) -> None:
        assert self.conn is not None
        self.conn.execute(self._sql(sql, ids), [*ids, *_text(args)])


def _text(args: Sequence[Any]) -> list[Any]:
    """Dates as text, as Tortoise stores them (sqlite3's default date adapter is deprecated).
    Positional ``?``: the statements put their ``$x`` parameters where these orders hold."""
    return [a.isoformat() if hasattr(a, "isoformat") else a for a in args]


class PostgresStore(Store):
    def __init__(self, url: str) -> None:
        self.url = url
        self.pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        self.pool = await asyncpg.create_pool(self.url, min_size=1, max_size=5)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def fetch(self, sql: str, args: Sequence[Any], ids: Sequence[str]) -> list[Row]:
        assert self.pool is not None
        params = [*args, list(ids)] if "{ids}" in sql else list(args)
        return [dict(r) for r in await self.pool.fetch(_numbered(sql, ids_first=False), *params)]

    async def execute(self, sql: str, args: Sequence[Any], ids: Sequence[str]) -> None:
        assert self.pool is not None
        await self.pool.execute(_numbered(sql, ids_first=True), list(ids), *args)


def _numbered(sql: str, ids_first: bool) -> str:
    """PostgreSQL placeholders: ``$x`` numbered in order, the id list as one array."""
    k = 1
    if ids_first:
        sql, k = sql.replace("IN ({ids})", "= ANY($1)"), 2
    parts = sql.split("$x")
    text = parts[0]
    for part in parts[1:]:
        text += f"${k}{part}"
        k += 1
    return text.replace("IN ({ids})", f"= ANY(${k})")


MINE = (
    "SELECT m.id, m.role, c.id AS cid, c.neighborhood, c.status, c.focus_sealed,"
    " c.rhythm_sealed, c.formed_on FROM cip_circle_member m"
    " JOIN cip_circle c ON c.id = m.circle_id WHERE m.member = $x"
)
ORDER_MINE = " ORDER BY m.joined_on, m.id"
ONE = " AND m.circle_id = $x"
KEYS = "SELECT owner, wrapped FROM cip_data_key WHERE owner IN ({ids})"
MEMBERS = (
    "SELECT id, circle_id, member, role, name_sealed FROM cip_circle_member"
    " WHERE circle_id IN ({ids}) ORDER BY joined_on, id"
)
EXPIRED = (
    "SELECT DISTINCT circle_id FROM cip_circle_update WHERE expires_on <= $x"
    " AND circle_id IN ({ids})"
)
PURGE = "DELETE FROM cip_circle_update WHERE circle_id IN ({ids}) AND expires_on <= $x"
FIRST = 20  # updates(first: 20), as the scenarios ask
UPDATES = (  # CIP's statement (resolvers.circle_reads.NEWEST_UPDATES) with the limit inlined
    "SELECT id, circle_id, author_id, body_sealed, posted_on, expires_on FROM ("
    " SELECT id, circle_id, author_id, body_sealed, posted_on, expires_on, ROW_NUMBER() OVER"
    " (PARTITION BY circle_id ORDER BY posted_on DESC, id DESC) AS place"
    " FROM cip_circle_update WHERE circle_id IN ({ids})"
    f") AS ranked WHERE place <= {FIRST} ORDER BY circle_id, place"
)


class Raw:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.clock = Clock(settings.today)
        assert settings.dev_jwt_secret is not None
        self.secret = settings.dev_jwt_secret

    def subject(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return None
        claims = jwt.decode(
            header[7:],
            self.secret,
            algorithms=["HS256"],
            audience=self.settings.jwt_audience,
            issuer=self.settings.jwt_issuer,
            options={"require": ["exp", "iat", "sub"]},
        )
        return pseudonym(self.settings.pseudonym_key, claims["iss"], claims["sub"])

    async def circles(self, me: str, circle_id: str | None) -> list[Row]:
        if circle_id is None:
            rows = await self.store.fetch(MINE + ORDER_MINE, [me], [])
        else:
            try:
                uuid.UUID(circle_id)
            except ValueError:
                return []
            rows = await self.store.fetch(MINE + ONE, [me, circle_id], [])
        if not rows:
            return []
        ids = [str(r["cid"]) for r in rows]
        owners = [owner_of("circle", i) for i in ids]
        keys = {
            k["owner"]: unwrap_key(self.settings.master_key, k["owner"], bytes(k["wrapped"]))
            for k in await self.store.fetch(KEYS, [], owners)
        }

        def open_(cid: str, table: str, rid: Any, field: str, blob: bytes) -> str:
            key = keys[owner_of("circle", cid)]
            return _decrypt(key, bytes(blob), row_aad(table, str(rid), field)).decode()

        members: dict[str, list[Row]] = defaultdict(list)
        for m in await self.store.fetch(MEMBERS, [], ids):
            cid = str(m["circle_id"])
            members[cid].append(
                {
                    "id": str(m["id"]),
                    "displayName": open_(
                        cid, "cip_circle_member", m["id"], "name", m["name_sealed"]
                    ),
                    "role": m["role"],
                    "isMe": m["member"] == me,
                }
            )
        for found in members.values():
            found.sort(key=lambda m: m["role"] != "FACILITATOR")
        today = self.clock.today()
        expired = [str(r["circle_id"]) for r in await self.store.fetch(EXPIRED, [today], ids)]
        if expired:
            await self.store.execute(PURGE, [today], expired)
        updates: dict[str, list[Row]] = defaultdict(list)
        for u in await self.store.fetch(UPDATES, [], ids):
            updates[str(u["circle_id"])].append(u)
        out = []
        for r in rows:
            cid = str(r["cid"])
            by_id = {m["id"]: m for m in members[cid]}
            rhythm = r["rhythm_sealed"]
            out.append(
                {
                    "id": cid,
                    "neighborhood": r["neighborhood"],
                    "focus": open_(cid, "cip_circle", cid, "focus", r["focus_sealed"]),
                    "status": r["status"],
                    "myRole": r["role"],
                    "rhythm": None
                    if rhythm is None
                    else open_(cid, "cip_circle", cid, "rhythm", rhythm),
                    "formedOn": str(r["formed_on"]),
                    "members": members[cid],
                    "updates": [
                        {
                            "id": str(u["id"]),
                            "body": open_(
                                cid, "cip_circle_update", u["id"], "body", u["body_sealed"]
                            ),
                            "postedOn": str(u["posted_on"]),
                            "expiresOn": str(u["expires_on"]),
                            "author": _author(by_id, u["author_id"]),
                        }
                        for u in updates[cid][:FIRST]
                    ],
                }
            )
        return out

    async def endpoint(self, request: Request) -> Response:
        body = json.loads(await request.body())
        me = self.subject(request)
        if me is None:
            return JSONResponse({"data": None, "errors": [{"message": "unauthenticated"}]})
        circle_id = (body.get("variables") or {}).get("id")
        found = await self.circles(me, circle_id)
        if circle_id is None:
            return JSONResponse({"data": {"myCircles": found}})
        return JSONResponse({"data": {"circle": found[0] if found else None}})


def _author(by_id: dict[str, Row], author_id: Any) -> Row | None:
    if author_id is None:
        return None
    member = by_id.get(str(author_id))
    return None if member is None else {"id": member["id"], "displayName": member["displayName"]}


def app_factory() -> Starlette:
    settings = load_settings()
    url = settings.database_url
    store: Store
    if url.startswith("sqlite://"):
        store = SqliteStore(url[len("sqlite://") :].split("?")[0])
    else:
        store = PostgresStore("postgresql://" + url.split("://", 1)[1])
    raw = Raw(settings, store)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await store.open()
        try:
            yield
        finally:
            await store.close()

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/graphql", raw.endpoint, methods=["POST"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )
