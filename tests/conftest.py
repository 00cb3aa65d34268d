from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.federation.fake_local_commons import FakeLocalCommons
from tests.support import FreshPostgres, LiveServer, dev_env, free_port

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
    env = dev_env(
        data_dir,
        url,
        CIP_LOCAL_COMMONS_URL=local_commons.url,
        # The whole suite calls from 127.0.0.1: per-address limits are tested on servers of
        # their own (tests/test_rate_limits.py); per-subject limits keep their defaults.
        CIP_RATE_ADDRESS_MUTATIONS_PER_MINUTE="1000000",
        CIP_RATE_ADDRESS_CODES_PER_HOUR="1000000",
        # Responses carry x-cip-sql-statements (tests/test_sql_statements.py).
        CIP_COUNT_SQL="1",
        # /metrics on a listener of its own (tests/test_headers_and_metrics.py).
        CIP_METRICS_PORT=str(free_port()),
    )
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


@pytest.fixture
def day(server: LiveServer) -> Iterator[dt.date]:
    """The service's clock fixed on Monday 2026-03-02 for the test, then back to the real date."""
    start = dt.date(2026, 3, 2)
    server.clock.set(start)
    try:
        yield start
    finally:
        server.clock.set(None)
