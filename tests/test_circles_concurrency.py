"""The size limit under concurrent joins: 12 simultaneous joins over real HTTP for 8 places."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from typing import Any

import httpx

from resolvers.aggregates.events import Metric
from tests.circles import JOIN, LEAVE, add_member, coordinator, form, invite, member, metric_sum
from tests.served import serve_process
from tests.support import LiveServer

JOINERS = 12


async def join_all(base_url: str, attempts: list[tuple[str, str]]) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def one(token: str, code: str) -> dict[str, Any]:
            resp = await client.post(
                "/graphql",
                json={"query": JOIN, "variables": {"code": code, "name": "Kim"}},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert resp.status_code == 200
            body: dict[str, Any] = resp.json()
            return body

        return list(await asyncio.gather(*(one(t, c) for t, c in attempts)))


def test_twelve_simultaneous_joins_fill_eight_places(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    attempts = [(member(server).token, invite(server, coord, circle["id"])) for _ in range(JOINERS)]
    bodies = asyncio.run(join_all(server.base_url, attempts))
    outcomes = Counter(
        "ok" if not b.get("errors") else b["errors"][0]["extensions"]["code"] for b in bodies
    )
    assert outcomes == Counter({"ok": 8, "CIRCLE_FULL": 4})
    cid = circle["id"]
    rows = server.sql(f"SELECT COUNT(*) FROM cip_circle_member WHERE circle_id = '{cid}'")
    assert rows[0][0] == 9  # eight members and the facilitator
    count = server.sql(f"SELECT member_count, status FROM cip_circle WHERE id = '{cid}'")
    assert tuple(count[0]) == (8, "ACTIVE")
    # The four refused codes were not used up; the eight used ones are gone.
    left = server.sql(f"SELECT COUNT(*) FROM cip_circle_invite WHERE circle_id = '{cid}'")
    assert left[0][0] == 4
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_FORMING) == 0  # became active once
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_ACTIVE) == 1


def test_joins_spread_over_two_server_processes_fill_eight_places(
    server: LiveServer, nbh: str
) -> None:
    """As with `cip serve --workers 2`: two processes writing one database at once. On SQLite
    every write transaction begins IMMEDIATE and waits for the lock (models/sqlite_engine.py);
    a deferred BEGIN answered part of these joins with "database is locked"."""
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    attempts = [(member(server).token, invite(server, coord, circle["id"])) for _ in range(JOINERS)]
    env = {**os.environ, **server.env, "CIP_TODAY": server.clock.today().isoformat()}
    with serve_process(env) as other:

        async def both() -> list[dict[str, Any]]:
            halves = await asyncio.gather(
                join_all(server.base_url, attempts[::2]), join_all(other.base, attempts[1::2])
            )
            return [*halves[0], *halves[1]]

        bodies = asyncio.run(both())
    outcomes = Counter(
        "ok" if not b.get("errors") else b["errors"][0]["extensions"]["code"] for b in bodies
    )
    assert outcomes == Counter({"ok": 8, "CIRCLE_FULL": 4})
    cid = circle["id"]
    count = server.sql(f"SELECT member_count, status FROM cip_circle WHERE id = '{cid}'")
    assert tuple(count[0]) == (8, "ACTIVE")
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_ACTIVE) == 1


def test_one_code_used_by_many_at_once_admits_one(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    code = invite(server, coord, circle["id"])
    bodies = asyncio.run(
        join_all(server.base_url, [(member(server).token, code) for _ in range(6)])
    )
    outcomes = Counter(
        "ok" if not b.get("errors") else b["errors"][0]["extensions"]["code"] for b in bodies
    )
    assert outcomes == Counter({"ok": 1, "INVITE_INVALID": 5})


async def post_all(base_url: str, query: str, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def one(token: str, variables: dict[str, Any]) -> Any:
            resp = await client.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
            return resp.json()

        return list(await asyncio.gather(*(one(t, v) for t, v in calls)))


def test_everyone_leaving_at_once_closes_the_circle_once(server: LiveServer, nbh: str) -> None:
    kim = member(server)
    cid = form(server, kim, nbh, role="SUPPORTER")["id"]
    people = [kim] + [add_member(server, kim, cid) for _ in range(4)]
    bodies = asyncio.run(post_all(server.base_url, LEAVE, [(p.token, {"id": cid}) for p in people]))
    assert all(b.get("errors") is None and b["data"]["leaveCircle"] is True for b in bodies)
    assert server.sql(f"SELECT COUNT(*) FROM cip_circle WHERE id = '{cid}'")[0][0] == 0
    assert server.sql(f"SELECT COUNT(*) FROM cip_data_key WHERE owner = 'circle:{cid}'")[0][0] == 0
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_FORMING) == 0  # closed once
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_ACTIVE) == 0
