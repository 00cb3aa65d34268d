"""Several first reads of one release at the same time: computed and stored once, the same
answer for all; also across two server processes, as with several workers (PostgreSQL: an
advisory lock; SQLite: transactions that begin IMMEDIATE)."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from auth.viewer import COORDINATOR
from resolvers.aggregates.events import Metric as m
from tests.aggregates_support import (
    TODAY,
    VIEW,
    WEEKS,
    actions,
    frozen_on,
    gauge,
    gauge_published,
    shown,
)
from tests.served import serve_process
from tests.support import LiveServer

CIP = [sys.executable, "-c", "from subgraph.cli import main; main()"]


def simultaneous(urls: list[str], body: dict[str, Any], token: str) -> list[dict[str, Any]]:
    barrier = threading.Barrier(len(urls))
    answers: list[dict[str, Any]] = [{} for _ in urls]

    def ask(i: int) -> None:
        with httpx.Client(timeout=60) as client:
            barrier.wait()
            resp = client.post(urls[i], json=body, headers={"Authorization": f"Bearer {token}"})
            answers[i] = resp.json()

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(urls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return answers


def count_releases(server: LiveServer, nbh: str) -> int:
    rows = server.sql(f"SELECT COUNT(*) FROM cip_release WHERE neighborhood = '{nbh}'")
    return int(rows[0][0])


def seed(server: LiveServer, nbh: str, sub: str) -> str:
    gauge(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 8)
    for i in range(4):
        actions(server, nbh, f"{sub}-{i}", 2 + i)
    return server.token(sub, scopes=[COORDINATOR], nbh=[nbh])


def test_simultaneous_first_reads_store_one_release(server: LiveServer, nbh: str, sub: str) -> None:
    token = seed(server, nbh, sub)
    with frozen_on(server, TODAY):
        url = f"{server.base_url}/graphql"
        answers = simultaneous([url] * 8, {"query": VIEW, "variables": {"n": nbh}}, token)
        assert all("errors" not in a for a in answers), answers[0]
        assert all(a == answers[0] for a in answers)
        active = gauge_published(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 8)
        assert answers[0]["data"]["careCoordinationView"]["activeCircles"] == shown(active)
        assert count_releases(server, nbh) == 3  # the week's three windows, once
        weeks = {"query": WEEKS, "variables": {"n": nbh, "k": 3}}
        answers = simultaneous([url] * 6, weeks, token)
        assert all(a == answers[0] and "errors" not in a for a in answers)
        assert count_releases(server, nbh) == 3 * 3  # three weeks of three windows


@contextmanager
def second_worker(server: LiveServer) -> Iterator[str]:
    """Another `cip serve` process on the same database, with the same fixed day."""
    env = {**os.environ, **server.env, "CIP_TODAY": TODAY.isoformat()}
    with serve_process(env) as served:
        yield f"{served.base}/graphql"


def test_two_workers_compute_a_release_once(server: LiveServer, nbh: str, sub: str) -> None:
    token = seed(server, nbh, sub)
    with frozen_on(server, TODAY), second_worker(server) as other:
        urls = [f"{server.base_url}/graphql", other] * 4
        for window in (14, 30, 90):
            body = {"query": VIEW, "variables": {"n": nbh, "w": window}}
            answers = simultaneous(urls, body, token)
            assert all("errors" not in a for a in answers), answers[0]
            assert all(a == answers[0] for a in answers)
        assert count_releases(server, nbh) == 3  # one week, its three windows


def test_only_one_request_computes(
    server: LiveServer, nbh: str, sub: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counts the computations themselves (not only the stored rows): the lock, not the
    unique row, keeps the others waiting until the release is there to read."""
    from resolvers.aggregates import releases

    token = seed(server, nbh, sub)
    calls: list[str] = []
    compute = releases.compute_week

    async def counted(neighborhood: str, as_of: Any, secret: bytes) -> dict[int, Any]:
        calls.append(neighborhood)
        return await compute(neighborhood, as_of, secret)

    monkeypatch.setattr(releases, "compute_week", counted)
    with frozen_on(server, TODAY):
        url = f"{server.base_url}/graphql"
        answers = simultaneous([url] * 8, {"query": VIEW, "variables": {"n": nbh}}, token)
    assert all(a == answers[0] and "errors" not in a for a in answers)
    assert calls == [nbh]
