"""Several first reads of one release at the same time: computed and stored once, the same
answer for all; also across two server processes, as with several workers (PostgreSQL: an
advisory lock; SQLite: transactions that begin IMMEDIATE)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from auth.viewer import COORDINATOR
from resolvers.aggregates.events import Metric as m
from tests.support import (
    TODAY,
    VIEW,
    WEEKS,
    Call,
    LiveServer,
    concurrently,
    frozen_on,
    gauge_published,
    record_actions,
    record_metric,
    serve_process,
    shown,
)


def simultaneous(urls: list[str], body: dict[str, Any], token: str) -> list[dict[str, Any]]:
    """The same request to each URL at once; the answers' bodies, in order."""
    calls = [Call(url, body["query"], body.get("variables"), token) for url in urls]
    return [answer.body for answer in concurrently(calls)]


def count_releases(server: LiveServer, nbh: str) -> int:
    rows = server.sql(f"SELECT COUNT(*) FROM cip_release WHERE neighborhood = '{nbh}'")
    return int(rows[0][0])


def seed(server: LiveServer, nbh: str, sub: str) -> str:
    record_metric(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 8)
    for i in range(4):
        record_actions(server, nbh, f"{sub}-{i}", 2 + i)
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
