"""What every entry point does around the care code: settings for a command, migrations, and
the database opened for a block. Used by the `cip` commands, the demo, the app's lifespan,
the benchmarks and the tests, so that opening and closing Tortoise is written once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from models import db
from subgraph.settings import ConfigError, Settings, load_settings, prepare_data_dir


class CommandError(Exception):
    """What stops a `cip` command: one line, safe to print, naming what to do.

    ``main`` catches it once, prints ``cip: <message>`` on stderr and exits with
    ``exit_code`` (2: wrong configuration or arguments; 1: the work itself failed)."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def settings_or_exit(env: Mapping[str, str] | None = None) -> Settings:
    """The settings of a command that reads them: first the data dir is prepared (the SQLite
    directories, dev keys that are not set), then the settings are loaded; a problem stops
    the command with one line."""
    try:
        prepare_data_dir(env)
        return load_settings(env)
    except ConfigError as error:
        raise CommandError(f"configuration error: {error}") from error


def tortoise_config(settings: Settings) -> dict[str, Any]:
    return db.tortoise_config(settings.database_url, settings.keystore_url)


async def apply_migrations(settings: Settings) -> None:
    """Every pending migration, on connections of its own (closed afterwards)."""
    await db.migrate(tortoise_config(settings))


def migrate(settings: Settings) -> None:
    """``apply_migrations`` from synchronous code (a command, before it serves)."""
    asyncio.run(apply_migrations(settings))


@asynccontextmanager
async def database(settings: Settings, *, migrated: bool = False) -> AsyncIterator[None]:
    """CIP's databases open for the block (Tortoise's connections), closed after it;
    ``migrated=True`` applies pending migrations first."""
    if migrated:
        await apply_migrations(settings)
    await db.open_db(tortoise_config(settings))
    try:
        yield
    finally:
        await db.close_db()


def describe_database(url: str) -> str:
    """The database named without credentials."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"
