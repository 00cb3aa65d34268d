"""The databases under test: a fresh PostgreSQL database per test module, and reading or
changing rows over a connection of the test's own (SQLite file or PostgreSQL), never the
app's."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from subgraph.settings import new_key

POSTGRES_ADMIN_URL = os.environ.get(
    "CIP_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def asyncpg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def sqlite_path(url: str) -> str:
    return url[len("sqlite://") :].split("?")[0]


class FreshPostgres:
    """A database of its own on the test server, dropped afterwards."""

    def __init__(self, admin_url: str = POSTGRES_ADMIN_URL) -> None:
        self.admin_url = admin_url
        self.name = f"cip_test_{uuid.uuid4().hex[:12]}"
        base = admin_url.rsplit("/", 1)[0]
        self.url = f"{base}/{self.name}"

    def create(self) -> str:
        run_statements(self.admin_url, [f'CREATE DATABASE "{self.name}"'])
        return self.url

    def drop(self) -> None:
        run_statements(self.admin_url, [f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'])


def dev_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """A dev configuration with every key given (nothing is written to ``data_dir``)."""
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


def run_statements(url: str, statements: list[str]) -> None:
    """Run statements on a database, committed (outside a transaction on PostgreSQL)."""
    if url.startswith("sqlite://"):
        conn = sqlite3.connect(sqlite_path(url), timeout=30)
        try:
            for statement in statements:
                conn.execute(statement)
            conn.commit()
        finally:
            conn.close()
        return

    async def run() -> None:
        conn = await asyncpg.connect(asyncpg_url(url))
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


def rows(url: str, query: str) -> list[tuple[Any, ...]]:
    """The rows a query returns."""
    if url.startswith("sqlite://"):
        conn = sqlite3.connect(sqlite_path(url), timeout=30)
        try:
            return [tuple(r) for r in conn.execute(query).fetchall()]
        finally:
            conn.close()

    async def fetch() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(asyncpg_url(url))
        try:
            return [tuple(r) for r in await conn.fetch(query)]
        finally:
            await conn.close()

    return asyncio.run(fetch())


def dump(url: str) -> bytes:
    """Everything the database holds, as an operator's backup would."""
    if url.startswith("sqlite://"):
        path = Path(sqlite_path(url))
        parts = [str(p) for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal"))]
        # Read the raw files in another process: closing a descriptor of this process on
        # a SQLite file drops every POSIX lock SQLite holds on it here (and corrupts).
        return subprocess.run(
            ["cat", *[p for p in parts if Path(p).exists()]], check=True, capture_output=True
        ).stdout
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed for database dumps"
    return subprocess.run(
        [pg_dump, "--data-only", asyncpg_url(url)], check=True, capture_output=True
    ).stdout
