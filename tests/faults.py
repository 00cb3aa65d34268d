"""Injected faults: a trigger, made by the test on the test's own rows, that makes one
statement of a use case fail after earlier statements of its transaction have run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support import LiveServer, run_statements


def _execute(server: LiveServer, statements: list[str]) -> None:
    run_statements(server.settings.database_url, statements)


@contextmanager
def failing_writes(server: LiveServer, table: str, condition: str) -> Iterator[None]:
    """Every INSERT or UPDATE on ``table`` of a row matching ``condition`` (SQL over NEW)
    fails while the block runs."""
    name = f"cip_test_fault_{uuid.uuid4().hex[:10]}"
    if server.backend == "sqlite":
        make = [
            f"CREATE TRIGGER {name}_{op.lower()} BEFORE {op} ON {table} FOR EACH ROW "
            f"WHEN {condition} BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
            for op in ("INSERT", "UPDATE")
        ]
        drop = [f"DROP TRIGGER IF EXISTS {name}_{op}" for op in ("insert", "update")]
    else:
        make = [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'injected fault'; END $$",
            f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW "
            f"WHEN ({condition}) EXECUTE FUNCTION {name}()",
        ]
        drop = [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]
    _execute(server, make)
    try:
        yield
    finally:
        _execute(server, drop)
