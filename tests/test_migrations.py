"""Migrations from empty on SQLite and on a fresh PostgreSQL database, and again (no-op)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from models import db
from tests.support import FreshPostgres, rows

TABLES = {
    "cip_circle",
    "cip_circle_member",
    "cip_circle_invite",
    "cip_circle_update",
    "cip_rota_slot",
    "cip_support_ask",
    "cip_care_hold",
    "cip_hold_transfer",
    "cip_repair_thread",
    "cip_repair_party",
    "cip_repair_invite",
    "cip_repair_entry",
    "cip_aggregate_count",
    "cip_coordinator_week",
    "cip_release",
    "cip_wellbeing_answer",
    "cip_peer_post",
    "cip_care_resource",
    "cip_data_key",
}


def _migrate_twice(url: str, keystore: str | None = None) -> None:
    config = db.tortoise_config(url, keystore)
    asyncio.run(db.migrate(config))
    asyncio.run(db.migrate(config))


def test_sqlite_from_empty(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    _migrate_twice(f"sqlite://{path}")
    names = {
        r[0] for r in rows(f"sqlite://{path}", "SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert TABLES <= names


def test_postgres_from_empty() -> None:
    pg = FreshPostgres()
    url = pg.create()
    try:
        _migrate_twice(url)
        tables = rows(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert TABLES <= {r[0] for r in tables}
    finally:
        pg.drop()


def test_a_separate_keystore_holds_only_keys(tmp_path: Path) -> None:
    main, keys = tmp_path / "main.sqlite3", tmp_path / "keys.sqlite3"
    _migrate_twice(f"sqlite://{main}", f"sqlite://{keys}")
    main_tables = {r[0] for r in rows(f"sqlite://{main}", "SELECT name FROM sqlite_master")}
    key_tables = {r[0] for r in rows(f"sqlite://{keys}", "SELECT name FROM sqlite_master")}
    assert "cip_data_key" in key_tables and "cip_circle" not in key_tables
    assert "cip_data_key" not in main_tables and "cip_circle" in main_tables
