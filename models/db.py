"""Tortoise configuration, start-up, migrations and shutdown for CIP's databases."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.migrations.api import migrate as tortoise_migrate

CARE_MODULES = [
    "models.circles",
    "models.holds",
    "models.repair",
    "models.aggregates",
    "models.support",
    "models.ratelimits",
]
KEY_MODULES = ["models.keystore"]


SQLITE_ENGINE = "models.sqlite_engine"  # write transactions begin IMMEDIATE


def _connection_url(url: str) -> str | dict[str, Any]:
    """SQLite overwrites deleted content (secure_delete): a copy of the file taken after a
    circle closed or an update expired holds no remnant of its text or its wrapped key. Its
    transactions begin IMMEDIATE (models/sqlite_engine.py), so several processes can write."""
    if not url.startswith("sqlite://"):
        return url
    if "?" not in url:
        url = f"{url}?secure_delete=ON"
    return {**expand_db_url(url), "engine": SQLITE_ENGINE}


def tortoise_config(database_url: str, keystore_url: str | None = None) -> dict[str, Any]:
    """Both apps; the key table gets its own connection when CIP_KEYSTORE_URL differs."""
    separate = bool(keystore_url) and keystore_url != database_url
    conns: dict[str, Any] = {"default": _connection_url(database_url)}
    if separate and keystore_url is not None:
        conns["keystore"] = _connection_url(keystore_url)
    return {
        "connections": conns,
        "apps": {
            "cip": {
                "models": CARE_MODULES,
                "default_connection": "default",
                "migrations": "models.migrations",
            },
            "keys": {
                "models": KEY_MODULES,
                "default_connection": "keystore" if separate else "default",
                "migrations": "models.keystore_migrations",
            },
        },
        "use_tz": False,
    }


async def migrate(config: dict[str, Any]) -> None:
    """Apply every pending migration, then close the connections it opened."""
    try:
        await tortoise_migrate(config=config)
    finally:
        await Tortoise.close_connections()


async def open_db(config: dict[str, Any]) -> None:
    # Tortoise caches insert statements per connection *name*, not per dialect: a process
    # that opens SQLite and later PostgreSQL (the test suite) must start from a clean cache.
    EXECUTOR_CACHE.clear()
    await Tortoise.init(config=config, _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


async def ping() -> bool:
    """True when every configured database answers a trivial query."""
    try:
        for conn in connections.all():
            await conn.execute_query("SELECT 1")
    except Exception:
        return False
    return True


def dialect(connection_name: str = "default") -> str:
    """'sqlite' or 'postgres' for the named connection."""
    return str(connections.get(connection_name).capabilities.dialect)


async def scrub_deleted() -> None:
    """After deleting care data on SQLite: checkpoint and truncate the write-ahead log.

    secure_delete overwrites deleted rows in the database file, but older copies of their
    pages stay in the ``-wal`` file until it is checkpointed and truncated. Call it outside any
    transaction, after a commit that deleted care text or a key. PostgreSQL: nothing to do
    (a logical dump holds live rows only; VACUUM reclaims dead tuples).
    """
    for name in connections.db_config:
        conn = connections.get(name)
        if conn.capabilities.dialect == "sqlite":
            await conn.execute_query("PRAGMA wal_checkpoint(TRUNCATE)")


async def pending_migrations(config: dict[str, Any]) -> list[str]:
    """The migrations ``migrate`` would apply (``app.name``), read without writing anything."""
    from tortoise.config import TortoiseConfig
    from tortoise.connection import get_connection
    from tortoise.migrations.executor import MigrationExecutor

    resolved = TortoiseConfig.resolve_args(config, None).to_dict()
    await Tortoise.init(config=resolved, init_connections=False)
    try:
        by_connection: dict[str, dict[str, dict[str, Any]]] = {}
        for label, app in resolved.get("apps", {}).items():
            name = app.get("default_connection", "default")
            by_connection.setdefault(name, {})[label] = app
        pending: list[str] = []
        for name, apps in by_connection.items():
            plan = await MigrationExecutor(get_connection(name), apps).plan()
            pending += [f"{s.migration.app_label}.{s.migration.name}" for s in plan]
        return pending
    finally:
        await Tortoise.close_connections()
