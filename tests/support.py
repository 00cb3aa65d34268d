"""Test support: a live CIP server (uvicorn on a free loopback port, its own thread and event
loop) on SQLite or on a fresh PostgreSQL database, a GraphQL client, raw database access."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
import httpx
import uvicorn
from graphql import OperationType

from auth.devtokens import mint_dev_token
from models import db
from models.clock import Clock
from subgraph.app import create_app
from subgraph.settings import Settings, load_settings, new_key

if TYPE_CHECKING:
    from tests.differential import ExecutorPair

T = TypeVar("T")
POSTGRES_ADMIN_URL = os.environ.get(
    "CIP_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FreshPostgres:
    """A database of its own on the test server, dropped afterwards."""

    def __init__(self, admin_url: str = POSTGRES_ADMIN_URL) -> None:
        self.admin_url = admin_url
        self.name = f"cip_test_{uuid.uuid4().hex[:12]}"
        base = admin_url.rsplit("/", 1)[0]
        self.url = f"{base}/{self.name}"

    def create(self) -> str:
        asyncio.run(self._admin(f'CREATE DATABASE "{self.name}"'))
        return self.url

    def drop(self) -> None:
        asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(self.admin_url.replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()


def dev_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {
        "CIP_ENV": "dev",
        "CIP_DATA_DIR": str(data_dir),
        "CIP_DATABASE_URL": database_url,
        "CIP_PSEUDONYM_KEY": new_key(),
        "CIP_MASTER_KEY": new_key(),
        "CIP_DEV_JWT_SECRET": secrets.token_urlsafe(32),
    }
    env.update(extra)
    return env


@dataclass
class GraphQLResponse:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.body.get("errors") or [])

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]


def run_statements(url: str, statements: list[str]) -> None:
    """Run statements on a database over a connection of its own (SQLite file or PostgreSQL)."""
    if url.startswith("sqlite://"):
        conn = sqlite3.connect(url[len("sqlite://") :].split("?")[0], timeout=30)
        try:
            for statement in statements:
                conn.execute(statement)
            conn.commit()
        finally:
            conn.close()
        return

    async def run() -> None:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


class LiveServer:
    """The real app under uvicorn, on loopback, in a thread with its own event loop."""

    def __init__(self, env: Mapping[str, str], backend: str) -> None:
        self.env = dict(env)
        self.backend = backend
        self.settings: Settings = load_settings(self.env)
        self.clock = Clock(self.settings.today)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.client = httpx.Client(base_url=self.base_url, timeout=30)
        self._pair: ExecutorPair | None = None

    def start(self) -> LiveServer:
        app = create_app(self.settings, self.clock)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self._server = uvicorn.Server(config)
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                tortoise = db.tortoise_config(
                    self.settings.database_url, self.settings.keystore_url
                )
                self._loop.run_until_complete(db.migrate(tortoise))
            except BaseException as exc:  # surfaced to the test below
                failure.append(exc)
                ready.set()
                return
            ready.set()
            assert self._server is not None
            self._loop.run_until_complete(self._server.serve())

        self._thread = threading.Thread(target=run, name=f"cip-{self.backend}", daemon=True)
        self._thread.start()
        ready.wait(60)
        if failure:
            raise failure[0]
        for _ in range(600):
            if self._server.started:
                return self
            threading.Event().wait(0.05)
        raise RuntimeError("the live server did not start")

    def stop(self) -> None:
        self.client.close()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(30)
        self._loop.close()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop (where its Tortoise connections live)."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(60)

    # ------------------------------------------------------------------ callers
    def token(
        self,
        sub: str,
        scopes: list[str] | None = None,
        nbh: list[str] | None = None,
        ttl: int = 3600,
    ) -> str:
        assert self.settings.dev_jwt_secret is not None
        return mint_dev_token(
            secret=self.settings.dev_jwt_secret,
            issuer=self.settings.jwt_issuer,
            audience=self.settings.jwt_audience,
            sub=sub,
            scopes=scopes,
            neighborhoods=nbh,
            ttl_seconds=ttl,
        )

    def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResponse:
        hdrs = dict(headers or {})
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        resp = self.client.post("/graphql", json=payload, headers=hdrs)
        answer = GraphQLResponse(resp.status_code, resp.json())
        self.differ(query, variables, hdrs.get("Authorization"))
        return answer

    def differ(
        self, query: str, variables: dict[str, Any] | None, authorization: str | None
    ) -> None:
        """Every document the suite sends: written to CIP_TEST_DOCUMENTS when that is set, and
        a query run by both executors on the same data, their answers byte for byte the same
        (tests/differential.py). Mutations change the data, so they are run once only."""
        from tests.differential import ExecutorPair, operation_type

        record = os.environ.get("CIP_TEST_DOCUMENTS")
        if record:
            with open(record, "a", encoding="utf-8") as out:
                out.write(json.dumps({"query": query, "variables": variables}) + "\n")
        if operation_type(query) is not OperationType.QUERY:
            return
        if self._pair is None:
            self._pair = ExecutorPair(self.settings, self.clock)
        answers = self.run(self._pair.answers(query, variables, None, authorization))
        assert answers.planned == answers.core, (
            f"the planned executor differs from graphql-core on {query!r} {variables!r}:\n"
            f"planned: {answers.planned}\ncore:    {answers.core}"
        )

    # ------------------------------------------------------------------ raw database
    def sql(self, query: str) -> list[tuple[Any, ...]]:
        """Rows from the main database over a connection of its own (not the app's)."""
        url = self.settings.database_url
        if url.startswith("sqlite://"):
            conn = sqlite3.connect(url[len("sqlite://") :])
            try:
                return [tuple(r) for r in conn.execute(query).fetchall()]
            finally:
                conn.close()

        async def fetch() -> list[tuple[Any, ...]]:
            conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
            try:
                return [tuple(r) for r in await conn.fetch(query)]
            finally:
                await conn.close()

        return asyncio.run(fetch())

    def dump(self) -> bytes:
        """Everything the database holds, as an operator's backup would."""
        url = self.settings.database_url
        if url.startswith("sqlite://"):
            path = Path(url[len("sqlite://") :])
            parts = [str(p) for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal"))]
            # Read the raw files in another process: closing a descriptor of this process on
            # a SQLite file drops every POSIX lock SQLite holds on it here (and corrupts).
            return subprocess.run(
                ["cat", *[p for p in parts if Path(p).exists()]], check=True, capture_output=True
            ).stdout
        pg_dump = shutil.which("pg_dump")
        assert pg_dump, "pg_dump is needed for database dumps"
        return subprocess.run(
            [pg_dump, "--data-only", url.replace("postgres://", "postgresql://", 1)],
            check=True,
            capture_output=True,
        ).stdout
