"""What every entry point does around the care code: settings for a command, migrations, and
the database opened for a block. Used by the `cip` commands, the demo, the app's lifespan,
the benchmarks and the tests, so that opening and closing Tortoise is written once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from tortoise.exceptions import DBConnectionError

from models import db
from subgraph.settings import ConfigError, Settings, load_settings, prepare_data_dir

# PostgreSQL's refusals at connection time: no such role, database, or wrong password.
CONNECTION_REFUSALS: tuple[type[BaseException], ...] = (
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidPasswordError,
    asyncpg.InvalidCatalogNameError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
)


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
    await db.migrate(tortoise_config(settings), settings.pseudonym_key)


def migrate(settings: Settings) -> None:
    """``apply_migrations`` from synchronous code (a command, before it serves); a database
    that cannot be reached stops the command with one line."""
    with reaching(settings):
        asyncio.run(apply_migrations(settings))


def check_no_pending_migrations(settings: Settings) -> None:
    """A read-only start (``cip serve --no-migrate``) applies nothing: a pending migration
    stops it with one line naming what to do."""
    with reaching(settings):
        pending = asyncio.run(db.pending_migrations(tortoise_config(settings)))
    if pending:
        raise CommandError(
            f"the database has {len(pending)} pending migration(s) ({', '.join(pending[:3])}"
            f"{', ...' if len(pending) > 3 else ''}); run `cip migrate` as a user that may "
            "change the schema, then start again"
        )


UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    DBConnectionError,
    *CONNECTION_REFUSALS,
)


@contextmanager
def reaching(settings: Settings) -> Iterator[None]:
    """Turn "the database cannot be reached" into one CommandError line (exit 2)."""
    try:
        yield
    except UNREACHABLE as error:
        names = describe_database(settings.database_url)
        if settings.keystore_url:
            names += f" or {describe_database(settings.keystore_url)}"
        detail = " ".join(str(error).split()) or type(error).__name__
        raise CommandError(
            f"cannot reach the database {names} ({detail}); start it, or correct "
            "CIP_DATABASE_URL / CIP_KEYSTORE_URL, and try again"
        ) from error


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
