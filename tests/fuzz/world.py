"""The fuzzing world: some care data and released aggregates in the neighbourhoods the
fuzzing dictionary names (tests/fuzz/schemathesis.toml), and the callers of every role."""

from __future__ import annotations

import datetime as dt

import httpx

from tests.fuzz.oracle import AGGREGATE_READ, COORDINATOR, Role
from tests.fuzz.run import Caller
from tests.support import Served, run_statements

NORTH, SOUTH = "fuzz-north", "fuzz-south"


def callers(served: Served) -> list[Caller]:
    coord = frozenset({COORDINATOR})
    return [
        Caller(Role("member"), served.token("fuzz-member")),
        Caller(
            Role("coordinator", coord, frozenset({NORTH})),
            served.token("fuzz-coord", [COORDINATOR], [NORTH]),
        ),
        Caller(
            Role("coordinator-all", coord, frozenset({"*"})),
            served.token("fuzz-coord-all", [COORDINATOR], ["*"]),
        ),
        Caller(
            Role("ai", frozenset({AGGREGATE_READ}), frozenset({"*"})),
            served.token("fuzz-ai", [AGGREGATE_READ], ["*"]),
        ),
        Caller(
            Role("ai-north", frozenset({AGGREGATE_READ}), frozenset({NORTH})),
            served.token("fuzz-ai-north", [AGGREGATE_READ], [NORTH]),
        ),
        Caller(Role("anonymous", signed_in=False), None),
    ]


def seed(served: Served) -> None:
    """Aggregate rows over past weeks (counts below and above every floor), and live objects."""
    today = dt.date.today()
    rows: list[str] = []
    for nbh, scale in ((NORTH, 1), (SOUTH, 3)):
        for back, metric, value in (
            (40, "gauge_circles_active", 3 * scale),
            (40, "gauge_holds_open", 7 * scale),
            (35, "gauge_asks_open", 12 * scale),
            (30, "gauge_repair_active", 2 * scale),
            (30, "need_opened", 13 * scale),
            (25, "need_circle_within_14d", 6 * scale),
            (30, "hold_opened", 9 * scale),
            (25, "hold_picked_up_within_7d", 4 * scale),
            (20, "repair_opened", 8 * scale),
            (15, "repair_closed", 6 * scale),
        ):
            day = today - dt.timedelta(days=back)
            monday = day - dt.timedelta(days=day.weekday())
            rows.append(
                "INSERT INTO cip_aggregate_count (neighborhood, week_start, metric, value) "
                f"VALUES ('{nbh}', '{monday}', '{metric}', {value})"
            )
        monday = today - dt.timedelta(days=today.weekday() + 14)
        for i, actions in enumerate((1, 2, 5, 9, 20)):
            rows.append(
                "INSERT INTO cip_coordinator_week (neighborhood, week_start, coordinator, actions)"
                f" VALUES ('{nbh}', '{monday}', 'fuzz-c{i}', {actions * scale})"
            )
    run_statements(served.settings.database_url, rows)
    coord = served.token("fuzz-coord", [COORDINATOR], [NORTH])
    member = served.token("fuzz-member")
    with httpx.Client(base_url=served.base_url, timeout=30) as client:
        for query, token in (
            ('mutation { askForSupport(neighborhood: "fuzz-north", note: "roof") { id } }', member),
            ('mutation { openCareHold(neighborhood: "fuzz-north") { id } }', coord),
            (
                'mutation { formCircle(input: {neighborhood: "fuzz-north", focus: "Sam", '
                'displayName: "Alex", role: FACILITATOR}) { id } }',
                coord,
            ),
            (
                'mutation { openRepairThread(input: {neighborhood: "fuzz-north", '
                'myRole: HARMED_PARTY, displayName: "Ada"}) { id } }',
                member,
            ),
        ):
            resp = client.post(
                "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
            )
            assert resp.status_code == 200 and not resp.json().get("errors"), resp.text
