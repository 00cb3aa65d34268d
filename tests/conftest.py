from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.federation.fake_local_commons import FakeLocalCommons
from tests.support import FreshPostgres, LiveServer, dev_env

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def local_commons() -> Iterator[FakeLocalCommons]:
    """A fake Local Commons subgraph that records what it receives (CIP_LOCAL_COMMONS_URL)."""
    fake = FakeLocalCommons().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def server(
    backend: str, tmp_path_factory: pytest.TempPathFactory, local_commons: FakeLocalCommons
) -> Iterator[LiveServer]:
    """One live server per backend for the session; tests keep apart by unique names."""
    data_dir: Path = tmp_path_factory.mktemp(f"cip-{backend}")
    pg: FreshPostgres | None = None
    if backend == "sqlite":
        url = f"sqlite://{data_dir}/cip.sqlite3"
    else:
        pg = FreshPostgres()
        url = pg.create()
    # CIP_COUNT_SQL: responses carry x-cip-sql-statements (tests/test_sql_statements.py).
    env = dev_env(data_dir, url, CIP_LOCAL_COMMONS_URL=local_commons.url, CIP_COUNT_SQL="1")
    live = LiveServer(env, backend).start()
    try:
        yield live
    finally:
        live.stop()
        if pg is not None:
            pg.drop()


@pytest.fixture
def nbh() -> str:
    """A neighbourhood of the test's own."""
    return f"n-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def sub() -> str:
    return f"member-{uuid.uuid4().hex[:8]}"
