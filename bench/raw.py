"""The limit: myCircles and circle(id) answered by the database driver itself (asyncpg or
sqlite3), with no ORM and no GraphQL, returning the same JSON as CIP.

Fair on purpose: it verifies the same JWT, derives the same pseudonym, sends the same
statements, rendered by the same function (``models.statements.bind`` over
``resolvers/circles/statements.py`` and the sealer's ``KEYS``: membership with circle, data
keys, members, purge of expired updates, updates), and opens every sealed text with the
same keys (unwrap, then AES-GCM with the row's AAD). What it leaves out is what GraphQL and
the ORM add: parsing and validating the query, the directive guard, DataLoaders, model
instances. It answers POST /graphql and reads only ``variables.id`` (present: circle(id);
absent: myCircles), so the runner can use one client.
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

from models import statements
from models.clock import Clock
from models.pseudonym import CIRCLES, for_capability
from models.sealing import KEYS, decrypt, owner_of, row_aad, unwrap_key
from resolvers.circles import statements as circle_sql
from subgraph.settings import Settings, load_settings

Row = dict[str, Any]


class Store:
    """The bare driver, sent the statements CIP's reads send (``models.statements.bind``)."""

    dialect = ""

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def fetch(self, text: str, values: Sequence[Any]) -> list[Row]:
        raise NotImplementedError

    async def execute(self, text: str, values: Sequence[Any]) -> None:
        raise NotImplementedError

    async def select(
        self, sql: str, ids: Sequence[Any] = (), params: Sequence[Any] = ()
    ) -> list[Row]:
        return await self.fetch(*statements.bind(sql, self.dialect, ids, params))

    async def write(self, sql: str, ids: Sequence[Any] = (), params: Sequence[Any] = ()) -> None:
        await self.execute(*statements.bind(sql, self.dialect, ids, params))


class SqliteStore(Store):
    """sqlite3 called directly on the event loop: one connection per worker, like Tortoise."""

    dialect = "sqlite"

    def __init__(self, path: str, keystore: str | None = None) -> None:
        self.path = path
        self.keystore = keystore  # the keystore file, attached so KEYS finds cip_data_key
        self.conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA secure_delete=ON")
        if self.keystore is not None:
            self.conn.execute("ATTACH DATABASE ? AS keystore", (self.keystore,))

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()

    async def fetch(self, text: str, values: Sequence[Any]) -> list[Row]:
        assert self.conn is not None
        return [dict(r) for r in self.conn.execute(text, values)]

    async def execute(self, text: str, values: Sequence[Any]) -> None:
        assert self.conn is not None
        self.conn.execute(text, values)


class PostgresStore(Store):
    dialect = "postgres"

    def __init__(self, url: str) -> None:
        self.url = url
        self.pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        self.pool = await asyncpg.create_pool(self.url, min_size=1, max_size=5)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def fetch(self, text: str, values: Sequence[Any]) -> list[Row]:
        assert self.pool is not None
        return [dict(r) for r in await self.pool.fetch(text, *values)]

    async def execute(self, text: str, values: Sequence[Any]) -> None:
        assert self.pool is not None
        await self.pool.execute(text, *values)


FIRST = 20  # updates(first: 20), as the scenarios ask


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
        return for_capability(self.settings.pseudonym_key, CIRCLES, claims["iss"], claims["sub"])

    async def circles(self, me: str, circle_id: str | None) -> list[Row]:
        if circle_id is None:
            rows = await self.store.select(circle_sql.MINE, (), [me])
        else:
            try:
                one = uuid.UUID(circle_id)
            except ValueError:
                return []
            rows = await self.store.select(circle_sql.ONE, (), [me, one])
        if not rows:
            return []
        ids = [str(r["id"]) for r in rows]
        owners = [owner_of("circle", i) for i in ids]
        keys = {
            k["owner"]: unwrap_key(self.settings.master_key, k["owner"], bytes(k["wrapped"]))
            for k in await self.store.select(KEYS, owners)
        }

        def open_(cid: str, table: str, rid: Any, field: str, blob: bytes) -> str:
            key = keys[owner_of("circle", cid)]
            return decrypt(key, bytes(blob), row_aad(table, str(rid), field)).decode()

        members: dict[str, list[Row]] = defaultdict(list)
        for m in await self.store.select(circle_sql.MEMBERS, ids):
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
        found = await self.store.select(circle_sql.EXPIRED_UPDATES, ids, [today])
        expired = [str(r["circle_id"]) for r in found]
        if expired:
            await self.store.write(circle_sql.PURGE_UPDATES, expired, [today])
        updates: dict[str, list[Row]] = defaultdict(list)
        for u in await self.store.select(circle_sql.NEWEST_UPDATES, ids, [FIRST]):
            updates[str(u["circle_id"])].append(u)
        out = []
        for r in rows:
            cid = str(r["id"])
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


def store_for(settings: Settings) -> Store:
    """The raw driver on CIP's database (on SQLite with the keystore file attached)."""
    url, keys = settings.database_url, settings.keystore_url
    if url.startswith("sqlite://"):
        keystore = keys[len("sqlite://") :].split("?")[0] if keys and keys != url else None
        return SqliteStore(url[len("sqlite://") :].split("?")[0], keystore)
    return PostgresStore("postgresql://" + url.split("://", 1)[1])


def app_factory() -> Starlette:
    settings = load_settings()
    raw = Raw(settings, store_for(settings))
    store = raw.store

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await store.open()
        try:
            yield
        finally:
            await store.close()

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[
            Route("/graphql", raw.endpoint, methods=["POST"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )
    app.state.store = store  # for bench/datalayer.py: the statements alone
    return app
