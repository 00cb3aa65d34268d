"""Existence is private: for every operation that takes an object's id or code, each outsider
gets exactly what a random id or code gets (status, body, code), nothing is written, and the
outsider's answer takes no measurably longer (timed over real HTTP, interleaved).

The table of operations and outsiders is tests/not_found_cases.py; a schema test keeps it
complete. Peer posts have no operation that takes their id, so they have no row.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLNamedType, GraphQLObjectType, get_named_type

from schema.build import build_schema
from tests.federation.fake_local_commons import FakeLocalCommons
from tests.not_found_cases import CASES, ID_ARGUMENT_NAMES_IGNORED, KINDS, Case
from tests.not_found_world import World, build, snapshot
from tests.support import FreshPostgres, GraphQLResponse, LiveServer, Served, cip_serve, dev_env


def _id_paths(name: str, type_: GraphQLNamedType, seen: frozenset[str]) -> list[str]:
    """Argument paths of ID type (or named ``code``) below an argument, through inputs."""
    if isinstance(type_, GraphQLInputObjectType):
        if type_.name in seen:
            return []
        return [
            f"{name}.{sub}"
            for fname, f in type_.fields.items()
            for sub in _id_paths(fname, get_named_type(f.type), seen | {type_.name})
        ]
    if name in ID_ARGUMENT_NAMES_IGNORED:
        return []
    if type_.name == "ID" or name == "code":
        return [name]
    return []


def id_taking_fields() -> dict[str, list[str]]:
    """Every root field with an argument that names an object (id or code)."""
    schema = build_schema()._schema
    found: dict[str, list[str]] = {}
    for root in (schema.query_type, schema.mutation_type):
        assert isinstance(root, GraphQLObjectType)
        for fname, field in root.fields.items():
            paths = [
                p
                for aname, arg in field.args.items()
                for p in _id_paths(aname, get_named_type(arg.type), frozenset())
            ]
            if paths and not fname.startswith("_"):
                found[f"{root.name}.{fname}"] = paths
    return found


def test_the_table_covers_every_operation_that_takes_an_id_or_code() -> None:
    covered = {c.field.split("(")[0] for c in CASES}
    fields = id_taking_fields()
    assert set(fields) == covered, (sorted(set(fields) - covered), sorted(covered - set(fields)))
    # PeerPost ids are shown but never taken: no operation can probe for a peer post.
    assert not any("peer" in f.lower() for f in fields)
    assert KINDS == (
        "circle",
        "circle invite code",
        "ask",
        "hold",
        "hold transfer code",
        "repair thread",
        "repair invite code",
        "resource",
    )


@pytest.fixture(scope="module")
def world(server: LiveServer) -> World:
    """One world per backend: the tests sharing it only make refused calls."""
    return build(server, f"n-{uuid.uuid4().hex[:8]}")


def _pair(server: LiveServer, case: Case, w: World, caller: str, key: str) -> tuple[Any, Any]:
    token = w.tokens[caller]
    theirs = server.gql(case.query, case.vars(w.ids[key], w), token=token)
    twin = server.gql(case.query, case.vars(case.random(), w), token=token)
    return theirs, twin


def _same(theirs: GraphQLResponse, twin: GraphQLResponse, expected: str, what: str) -> None:
    assert theirs.codes == [expected], (what, theirs.body)
    assert theirs.status == twin.status, what
    assert theirs.body == twin.body, what


@pytest.mark.parametrize("kind", KINDS)
def test_outsiders_get_exactly_the_random_answer(
    server: LiveServer, world: World, kind: str, local_commons: FakeLocalCommons
) -> None:
    before = snapshot(server, world)
    sent_before = len(local_commons.received)
    for case in (c for c in CASES if c.kind == kind):
        for caller, key, expected in case.outsiders:
            theirs, twin = _pair(server, case, world, caller, key)
            _same(theirs, twin, expected, f"{case.name} by {caller} on {key}")
    assert snapshot(server, world) == before  # refusals wrote nothing
    assert len(local_commons.received) == sent_before  # and sent nothing


@pytest.fixture
def later(server: LiveServer) -> Iterator[None]:
    try:
        yield
    finally:
        server.clock.set(None)


def test_expired_codes_answer_like_random_ones(server: LiveServer, nbh: str, later: None) -> None:
    world = build(server, nbh)  # its own: accepting and joining delete expired codes
    server.clock.set(server.clock.today() + dt.timedelta(days=7))
    expiring = {
        "Mutation.joinCircle": ("coord_joiner", "circle_facilitator_code"),
        "Mutation.acceptCareHold": ("coord_joiner", "transfer_code"),
        "Mutation.joinRepairThread": ("coord_joiner", "repair_facilitator_code"),
    }
    for case in CASES:
        if case.field in expiring:
            caller, key = expiring[case.field]
            theirs, twin = _pair(server, case, world, caller, key)
            _same(theirs, twin, "INVITE_INVALID", f"{case.name} expired")


# ---------------------------------------------------------------------------- timing
# One representative per kind: the outsider whose refusal goes deepest into the lookup.
TIMED: tuple[tuple[str, str, str], ...] = (
    ("Query.circle", "former", "circle"),
    ("Mutation.joinCircle", "coord_elsewhere", "circle_facilitator_code"),
    ("Mutation.takeSupportAsk", "coord_elsewhere", "ask"),
    ("Mutation.closeCareHold", "former_holder", "moved_hold"),
    ("Mutation.acceptCareHold", "holder", "transfer_code"),
    ("Query.repairThread", "coord_here", "thread"),
    ("Mutation.joinRepairThread", "coord_elsewhere", "repair_facilitator_code"),
    ("Mutation.removeResource", "coord_here", "global_resource"),
)
ROUNDS = 40
WARM_UP = 4
ATTEMPTS = 3  # a real difference shows every time; a noisy neighbour rarely three times


def _post_timed(server: Served, query: str, variables: dict[str, Any], token: str) -> float:
    payload = {"query": query, "variables": variables}
    headers = {"Authorization": f"Bearer {token}"}
    start = time.perf_counter()
    resp = server.client.post("/graphql", json=payload, headers=headers)
    elapsed = time.perf_counter() - start
    assert resp.status_code == 200 and resp.json().get("errors"), resp.text
    return elapsed


def close_enough(outsider: float, random_median: float) -> bool:
    """The outsider's median within max(2 ms, 25 %) of the random-id median."""
    return outsider <= random_median + max(0.002, 0.25 * random_median)


@pytest.mark.unit
def test_close_enough_criterion() -> None:
    assert close_enough(0.0049, 0.003) and not close_enough(0.0051, 0.003)
    assert close_enough(0.0124, 0.010) and not close_enough(0.0126, 0.010)


def medians(server: Served, case: Case, w: World, caller: str, key: str) -> tuple[float, float]:
    """Median seconds of the outsider's call and of its random twin, interleaved in random
    order so that drift and neighbours' load fall on both alike."""
    rng = random.Random(8)
    token = w.tokens[caller]
    times: dict[str, list[float]] = {"outsider": [], "random": []}
    for i in range(WARM_UP + ROUNDS):
        order = ["outsider", "random"]
        rng.shuffle(order)
        for which in order:
            value = w.ids[key] if which == "outsider" else case.random()
            took = _post_timed(server, case.query, case.vars(value, w), token)
            if i >= WARM_UP:
                times[which].append(took)
    return statistics.median(times["outsider"]), statistics.median(times["random"])


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def unlimited(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Served, World]]:
    """`cip serve` of its own with rate limits off (dev only): the timing makes a hundred calls
    as one outsider, past a subject's mutation and code limits, which would answer first."""
    folder: Path = tmp_path_factory.mktemp(f"timing-{request.param}")
    pg: FreshPostgres | None = None
    url = f"sqlite://{folder}/cip.sqlite3"
    if request.param == "postgres":
        pg = FreshPostgres()
        url = pg.create()
    env = dev_env(folder, url, CIP_RATE_LIMIT_BACKEND="off")
    try:
        with cip_serve(env, folder / "serve.log") as served:
            yield request.param, served, build(served, f"n-{uuid.uuid4().hex[:8]}")
    finally:
        if pg is not None:
            pg.drop()


@pytest.mark.timing
def test_outsiders_take_no_measurably_longer(unlimited: tuple[str, Served, World]) -> None:
    backend, server, world = unlimited
    by_field = {c.field: c for c in CASES}
    report: list[str] = []
    failed: list[str] = []
    for field, caller, key in TIMED:
        attempt = 0
        while attempt < ATTEMPTS:
            attempt += 1
            mine, theirs = medians(server, by_field[field], world, caller, key)
            if close_enough(mine, theirs):
                break
        line = (
            f"{field} by {caller}: outsider {mine * 1e3:.2f} ms, "
            f"random {theirs * 1e3:.2f} ms (attempt {attempt})"
        )
        report.append(line)
        if not close_enough(mine, theirs):
            failed.append(line)
    print(f"\n[{backend}] " + f"\n[{backend}] ".join(report))  # noqa: T201
    assert not failed, failed
