"""The size limit under concurrent joins: 12 simultaneous joins over real HTTP for 8 places."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from resolvers.aggregates.events import Metric
from tests.support import (
    JOIN,
    LEAVE,
    Call,
    LiveServer,
    Service,
    add_member,
    cip_serve,
    concurrently,
    coordinator,
    form,
    invite,
    member,
    metric_sum,
    outcome,
)

JOINERS = 12


def joins(server: Service, attempts: list[tuple[str, str]]) -> list[Call]:
    return [server.call(JOIN, {"code": code, "name": "Kim"}, token) for token, code in attempts]


def test_twelve_simultaneous_joins_fill_eight_places(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    attempts = [(member(server).token, invite(server, coord, circle["id"])) for _ in range(JOINERS)]
    answers = concurrently(joins(server, attempts))
    assert Counter(map(outcome, answers)) == Counter({"ok": 8, "CIRCLE_FULL": 4})
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
    server: LiveServer, nbh: str, tmp_path: Path
) -> None:
    """As with `cip serve --workers 2`: two processes writing one database at once. On SQLite
    every write transaction begins IMMEDIATE and waits for the lock (models/sqlite_engine.py);
    a deferred BEGIN answered part of these joins with "database is locked"."""
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    attempts = [(member(server).token, invite(server, coord, circle["id"])) for _ in range(JOINERS)]
    env = {**os.environ, **server.env, "CIP_TODAY": server.clock.today().isoformat()}
    with cip_serve(env, tmp_path / "other.log") as other:
        answers = concurrently(joins(server, attempts[::2]) + joins(other, attempts[1::2]))
    assert Counter(map(outcome, answers)) == Counter({"ok": 8, "CIRCLE_FULL": 4})
    cid = circle["id"]
    count = server.sql(f"SELECT member_count, status FROM cip_circle WHERE id = '{cid}'")
    assert tuple(count[0]) == (8, "ACTIVE")
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_ACTIVE) == 1


def test_one_code_used_by_many_at_once_admits_one(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    code = invite(server, coord, circle["id"])
    answers = concurrently(joins(server, [(member(server).token, code) for _ in range(6)]))
    assert Counter(map(outcome, answers)) == Counter({"ok": 1, "INVITE_INVALID": 5})


def test_everyone_leaving_at_once_closes_the_circle_once(server: LiveServer, nbh: str) -> None:
    kim = member(server)
    cid = form(server, kim, nbh, role="SUPPORTER")["id"]
    people = [kim] + [add_member(server, kim, cid) for _ in range(4)]
    answers = concurrently([server.call(LEAVE, {"id": cid}, p.token) for p in people])
    assert all(a.errors == [] and a.data["leaveCircle"] is True for a in answers)
    assert server.sql(f"SELECT COUNT(*) FROM cip_circle WHERE id = '{cid}'")[0][0] == 0
    assert server.sql(f"SELECT COUNT(*) FROM cip_data_key WHERE owner = 'circle:{cid}'")[0][0] == 0
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_FORMING) == 0  # closed once
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_ACTIVE) == 0
