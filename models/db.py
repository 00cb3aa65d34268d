"""Tortoise configuration, start-up, migrations and shutdown for CIP's databases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.migrations.api import migrate as tortoise_migrate
from tortoise.transactions import in_transaction

from models import pseudonym as pseudonyms
from models import sqlite_engine
from models.clock import week_start
from models.support import post_expiry

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
    """SQLite runs on CIP's engine (models/sqlite_engine.py): secure_delete on every
    connection, a checked WAL checkpoint after every destructive transaction, private files,
    and write transactions that begin IMMEDIATE so several processes can write."""
    if not url.startswith("sqlite://"):
        return url
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


async def migrate(config: dict[str, Any], pseudonym_key: bytes | None = None) -> None:
    """Apply every pending migration, then close the connections it opened. Data steps that
    need more than SQL run here too: keys moved out of the care database, and pseudonyms
    re-keyed per capability (which needs CIP_PSEUDONYM_KEY once there are rows to re-key)."""
    try:
        await tortoise_migrate(config=config)
        await move_keys_apart(config)
        await rekey_pseudonyms(pseudonym_key)
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


async def truncate_written() -> int:
    """Truncate the WAL of SQLite connections that only wrote (counts, statuses) since."""
    return await sqlite_engine.truncate_written()


async def scrub_pending() -> tuple[int, float]:
    """Finish the scrubs a concurrent reader held up (SQLite); how many remain, oldest age."""
    return await sqlite_engine.scrub_pending()


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


async def vacuum_keystore() -> bool:
    """PostgreSQL: VACUUM the key table, so the dead tuples of shredded wrapped keys are
    reclaimed (their space marked free for reuse; they stay in WAL archives and backups,
    docs/security.md). SQLite needs none: secure_delete zeroes them. True when it ran."""
    name = _keystore_connection()
    conn = connections.get(name)
    if conn.capabilities.dialect != "postgres":
        return False
    await conn.execute_script("VACUUM cip_data_key")
    return True


def _keystore_connection() -> str:
    return "keystore" if "keystore" in connections.db_config else "default"


async def move_keys_apart(config: dict[str, Any]) -> int:
    """An existing data folder whose wrapped keys still sit in the care database, now that
    the keystore has a database of its own: copy them over, drop the care copy (the engine
    scrubs the care file after the DROP) and forget its keystore migrations there. Returns
    how many keys moved; 0 when there was nothing to move."""
    if "keystore" not in config["connections"]:
        return 0
    care = connections.get("default")
    if not await _has_table(care, "cip_data_key"):
        return 0
    keystore = connections.get("keystore")
    rows = await care.execute_query_dict("SELECT owner, wrapped, created_on FROM cip_data_key")
    if rows:
        marks = "?, ?, ?" if keystore.capabilities.dialect == "sqlite" else "$1, $2, $3"
        await keystore.execute_many(
            f"INSERT INTO cip_data_key (owner, wrapped, created_on) VALUES ({marks}) "
            "ON CONFLICT (owner) DO NOTHING",
            [[r["owner"], bytes(r["wrapped"]), _day(r["created_on"])] for r in rows],
        )
        owners = {r["owner"] for r in rows}
        there = {
            r["owner"] for r in await keystore.execute_query_dict("SELECT owner FROM cip_data_key")
        }
        if not owners <= there:
            raise RuntimeError("the keystore did not take every key; the care copy was kept")
    await care.execute_script("DROP TABLE cip_data_key")
    if await _has_table(care, "tortoise_migrations"):
        await care.execute_query("DELETE FROM tortoise_migrations WHERE app = 'keys'")
    return len(rows)


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


async def _has_table(conn: Any, table: str) -> bool:
    if conn.capabilities.dialect == "sqlite":
        sql = f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
    else:
        sql = f"SELECT 1 FROM information_schema.tables WHERE table_name = '{table}'"
    return bool(await conn.execute_query_dict(sql))


# Each column that stores a member, and the capability whose pseudonym it now holds.
PSEUDONYM_COLUMNS = (
    ("cip_circle_member", "member", pseudonyms.CIRCLES),
    ("cip_repair_party", "member", pseudonyms.REPAIR),
    ("cip_support_ask", "asker", pseudonyms.ASKS_HOLDS),
    ("cip_care_hold", "holder", pseudonyms.ASKS_HOLDS),
    ("cip_wellbeing_answer", "coordinator", pseudonyms.SUPPORT),
    ("cip_coordinator_week", "coordinator", pseudonyms.COUNTS),
)
SCHEME_TABLE = "cip_pseudonym_scheme"
SCHEME = 2  # 1: one pseudonym everywhere; 2: one per capability, peer posts without author


async def rekey_pseudonyms(pseudonym_key: bytes | None) -> int:
    """Move a database from one pseudonym everywhere to one per capability, in place and in
    one transaction: each stored pseudonym p becomes HMAC(capability key, p), each peer
    post's author becomes its per-post tag and its day becomes its week. Runs once (the
    scheme is recorded); returns how many values changed. Without the key (a tool that
    migrates the schema only; `cip migrate` and `cip serve` pass it) an empty database is
    recorded as re-keyed and one with rows is left for a run with the key."""
    care = connections.get("default")
    await care.execute_script(
        f"CREATE TABLE IF NOT EXISTS {SCHEME_TABLE} (version INTEGER NOT NULL)"
    )
    done = await care.execute_query_dict(f"SELECT version FROM {SCHEME_TABLE}")
    if done and int(done[0]["version"]) >= SCHEME:
        return 0
    sqlite = care.capabilities.dialect == "sqlite"
    if pseudonym_key is None:
        for table in [t for t, _, _ in PSEUDONYM_COLUMNS] + ["cip_peer_post"]:
            if await _has_table(care, table) and await care.execute_query_dict(
                f"SELECT 1 FROM {table} LIMIT 1"
            ):
                return 0
        await care.execute_query(f"INSERT INTO {SCHEME_TABLE} (version) VALUES ({SCHEME})")
        return 0

    def marks(n: int) -> list[str]:
        return ["?"] * n if sqlite else [f"${i}" for i in range(1, n + 1)]

    changed = 0
    async with in_transaction("default") as conn:
        for table, column, capability in PSEUDONYM_COLUMNS:
            if not await _has_table(conn, table):
                continue
            values = await conn.execute_query_dict(
                f"SELECT DISTINCT {column} AS v FROM {table} WHERE {column} IS NOT NULL"
            )
            if not values:
                continue
            derived = pseudonyms.capability_key(pseudonym_key, capability)
            new, old = marks(2)
            for row in values:
                await conn.execute_query(
                    f"UPDATE {table} SET {column} = {new} WHERE {column} = {old}",
                    [pseudonyms.rekeyed(derived, row["v"]), row["v"]],
                )
                changed += 1
        posts = await conn.execute_query_dict("SELECT id, mine_tag, posted_on FROM cip_peer_post")
        support = pseudonyms.capability_key(pseudonym_key, pseudonyms.SUPPORT)
        for post in posts:
            week = week_start(_day(post["posted_on"]))
            tag = post["mine_tag"]
            if tag is not None:
                tag = pseudonyms.peer_tag(pseudonyms.rekeyed(support, tag), str(post["id"]))
            a, b, c, d = marks(4)
            await conn.execute_query(
                f"UPDATE cip_peer_post SET mine_tag = {a}, posted_on = {b}, expires_on = {c} "
                f"WHERE id = {d}",
                [tag, week, post_expiry(week), post["id"]],
            )
            changed += 1
        await conn.execute_query(f"DELETE FROM {SCHEME_TABLE}")
        (mark,) = marks(1)
        await conn.execute_query(f"INSERT INTO {SCHEME_TABLE} (version) VALUES ({mark})", [SCHEME])
    return changed
