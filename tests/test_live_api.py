"""Live activity through the API, on both backends and both transports (GraphQL over SSE and
graphql-transport-ws): events caused by another member's mutation, who is told, who is let
go, and what an event carries."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests import live
from tests.support import LiveServer, Person, member, ok
from tests.support.circles import (
    ADD_SLOT,
    CLOSE,
    LEAVE,
    PAUSE,
    POST,
    RESUME,
    TAKE_SLOT,
    add_member,
    form,
)
from tests.test_repair_api import (
    CLOSE as CLOSE_THREAD,
)
from tests.test_repair_api import (
    CONFIRM,
    ENTRY,
    PROPOSE,
    two_party_thread,
)
from tests.test_repair_api import (
    PAUSE as PAUSE_THREAD,
)
from tests.test_repair_api import (
    RESUME as RESUME_THREAD,
)

RANDOM = "00000000-0000-4000-8000-000000000000"
Open = Callable[..., live.Sub]


@pytest.fixture(params=["sse", "ws"])
def subscribe(request: pytest.FixtureRequest, server: LiveServer) -> Iterator[Open]:
    """Opens subscriptions on ``server`` over one transport; closes them after the test."""
    opened: list[live.Sub] = []
    transport = live.TRANSPORTS[str(request.param)]
    baseline = open_streams(server)

    def open_(token: str | None, query: str, **variables: Any) -> live.Sub:
        sub = transport(f"{server.base_url}/graphql", token, query, variables)
        opened.append(sub)
        return sub

    yield open_
    for sub in opened:
        sub.close()
    # The next test starts from the same count: its waits below mean its own streams.
    deadline = time.monotonic() + 10
    while open_streams(server) > baseline and time.monotonic() < deadline:
        time.sleep(0.05)


def open_streams(server: LiveServer) -> float:
    """The gauge of open streams, read from /metrics."""
    text = httpx.get(f"http://127.0.0.1:{server.settings.metrics_port}/metrics").text
    return float(next(x for x in text.splitlines() if x.startswith("cip_open_streams ")).split()[1])


def wait_open(server: LiveServer, streams: float) -> None:
    """Until the server holds at least ``streams`` open streams: a mutation after this
    reaches them. (Tests of one server run one after the other: earlier ones have closed.)"""
    deadline = time.monotonic() + 10
    while open_streams(server) < streams:
        assert time.monotonic() < deadline, "the stream did not open"
        time.sleep(0.05)


def circle_of_two(server: LiveServer, nbh: str) -> tuple[str, Person, Person]:
    a = member(server)
    circle = form(server, a, nbh, role="FOCUS")
    return str(circle["id"]), a, add_member(server, a, str(circle["id"]))


def event(sub: live.Sub) -> dict[str, Any]:
    payload = sub.next()
    assert payload.get("errors") is None, payload
    (value,) = payload["data"].values()
    return dict(value)


def started(server: LiveServer, sub: live.Sub) -> live.Sub:
    """Wait until the subscription is registered, so a mutation after this reaches it."""
    wait_open(server, 1)
    return sub


def test_a_member_hears_of_another_members_update_and_nothing_more(
    server: LiveServer, subscribe: Open, nbh: str, day: dt.date
) -> None:
    circle_id, a, b = circle_of_two(server, nbh)
    sub = started(server, subscribe(b.token, live.CIRCLE_ACTIVITY, id=circle_id))
    ok(server.gql(POST, {"id": circle_id, "body": "Soup on Tuesday"}, token=a.token))
    got = event(sub)
    assert got == {"circleId": circle_id, "kind": "UPDATE_POSTED", "on": day.isoformat()}


def test_every_kind_of_circle_change_is_told(
    server: LiveServer, subscribe: Open, nbh: str, day: dt.date
) -> None:
    circle_id, a, b = circle_of_two(server, nbh)
    sub = started(server, subscribe(b.token, live.CIRCLE_ACTIVITY, id=circle_id))
    slot = ok(
        server.gql(
            ADD_SLOT, {"id": circle_id, "on": day.isoformat(), "task": "Lift"}, token=a.token
        )
    )
    ok(server.gql(TAKE_SLOT, {"id": slot["addRotaSlot"]["id"]}, token=a.token))
    c = add_member(server, a, circle_id)
    ok(server.gql(PAUSE, {"id": circle_id}, token=a.token))
    ok(server.gql(RESUME, {"id": circle_id}, token=a.token))
    ok(server.gql(LEAVE, {"id": circle_id}, token=c.token))
    kinds = [event(sub)["kind"] for _ in range(6)]
    assert kinds == [
        "ROTA_CHANGED",
        "ROTA_CHANGED",
        "MEMBER_JOINED",
        "STATUS_CHANGED",
        "STATUS_CHANGED",
        "MEMBER_LEFT",
    ]
    assert sub.quiet(0.5)


def test_a_refused_change_tells_nobody(server: LiveServer, subscribe: Open, nbh: str) -> None:
    circle_id, a, b = circle_of_two(server, nbh)
    sub = started(server, subscribe(b.token, live.CIRCLE_ACTIVITY, id=circle_id))
    ok(server.gql(PAUSE, {"id": circle_id}, token=a.token))
    assert event(sub)["kind"] == "STATUS_CHANGED"
    refused = server.gql(POST, {"id": circle_id, "body": "while paused"}, token=a.token)
    assert refused.codes == ["INVALID_TRANSITION"]  # rolled back: no event
    assert sub.quiet(1.0)


def test_an_outsider_and_a_random_id_get_the_same_not_found(
    server: LiveServer, subscribe: Open, nbh: str
) -> None:
    circle_id, _, _ = circle_of_two(server, nbh)
    outsider = member(server)
    theirs = subscribe(outsider.token, live.CIRCLE_ACTIVITY, id=circle_id).wait_end()
    random = subscribe(outsider.token, live.CIRCLE_ACTIVITY, id=RANDOM).wait_end()
    malformed = subscribe(outsider.token, live.CIRCLE_ACTIVITY, id="nope").wait_end()
    thread = subscribe(outsider.token, live.THREAD_ACTIVITY, id=RANDOM).wait_end()
    assert theirs == random == malformed
    kind, errors = theirs
    assert kind == "error" and [e["extensions"]["code"] for e in errors] == ["NOT_FOUND"]
    assert [e["extensions"]["code"] for e in thread[1]] == ["NOT_FOUND"]


def test_without_a_token_the_subscription_is_unauthenticated(
    server: LiveServer, subscribe: Open
) -> None:
    kind, errors = subscribe(None, live.CIRCLE_ACTIVITY, id=RANDOM).wait_end()
    assert kind == "error" and [e["extensions"]["code"] for e in errors] == ["UNAUTHENTICATED"]


def test_a_member_who_leaves_is_let_go_at_once_and_the_others_are_told(
    server: LiveServer, subscribe: Open, nbh: str
) -> None:
    circle_id, a, b = circle_of_two(server, nbh)
    leaver = subscribe(b.token, live.CIRCLE_ACTIVITY, id=circle_id)
    stayer = subscribe(a.token, live.CIRCLE_ACTIVITY, id=circle_id)
    wait_open(server, 2)
    ok(server.gql(LEAVE, {"id": circle_id}, token=b.token))
    assert leaver.wait_end()[0] == "complete"  # no MEMBER_LEFT for the one who left
    assert event(stayer)["kind"] == "MEMBER_LEFT"
    ok(server.gql(POST, {"id": circle_id, "body": "still here"}, token=a.token))
    assert event(stayer)["kind"] == "UPDATE_POSTED"


def test_every_member_of_a_closing_circle_gets_closed_then_the_end(
    server: LiveServer, subscribe: Open, nbh: str
) -> None:
    circle_id, a, b = circle_of_two(server, nbh)
    subs = [subscribe(p.token, live.CIRCLE_ACTIVITY, id=circle_id) for p in (a, b)]
    wait_open(server, 2)
    ok(server.gql(CLOSE, {"id": circle_id}, token=a.token))
    for sub in subs:
        assert event(sub)["kind"] == "CLOSED"
        assert sub.wait_end()[0] == "complete"


def test_all_my_circles_follows_new_ones_and_never_anyone_elses(
    server: LiveServer, subscribe: Open, nbh: str
) -> None:
    first, a, b = circle_of_two(server, nbh)
    sub = started(server, subscribe(b.token, live.CIRCLE_ACTIVITY))
    other, x, _ = circle_of_two(server, nbh)  # not b's
    ok(server.gql(POST, {"id": other, "body": "not for b"}, token=x.token))
    ok(server.gql(POST, {"id": first, "body": "for b"}, token=a.token))
    assert event(sub) | {"on": None} == {"circleId": first, "kind": "UPDATE_POSTED", "on": None}
    second = str(form(server, b, nbh, role="FOCUS")["id"])
    add_member(server, b, second)  # the circle b formed: someone joins, it becomes active
    joined = [event(sub) for _ in range(2)]
    assert [(e["circleId"], e["kind"]) for e in joined] == [
        (second, "MEMBER_JOINED"),
        (second, "STATUS_CHANGED"),
    ]
    ok(server.gql(LEAVE, {"id": first}, token=b.token))
    ok(server.gql(POST, {"id": first, "body": "b left"}, token=a.token))
    ok(server.gql(POST, {"id": second, "body": "b's other circle"}, token=b.token))
    got = event(sub)
    assert (got["circleId"], got["kind"]) == (second, "UPDATE_POSTED")
    assert sub.quiet(0.5)


def test_a_stream_ends_when_its_token_expires(
    server: LiveServer, subscribe: Open, nbh: str
) -> None:
    circle_id, _, b = circle_of_two(server, nbh)
    sub = subscribe(server.token(b.sub, ttl=2), live.CIRCLE_ACTIVITY, id=circle_id)
    wait_open(server, 1)
    began = time.monotonic()
    assert sub.wait_end(timeout=10)[0] == "complete"
    assert time.monotonic() - began < 4


def test_repair_parties_hear_each_step_and_the_close_ends_the_stream(
    server: LiveServer, subscribe: Open, nbh: str, day: dt.date
) -> None:
    t = two_party_thread(server, nbh)
    sub = started(server, subscribe(t.responsible, live.THREAD_ACTIVITY, id=t.id))
    ok(server.gql(ENTRY, {"t": t.id, "b": "What happened"}, token=t.harmed))
    ok(server.gql(PROPOSE, {"t": t.id}, token=t.responsible))
    ok(server.gql(CONFIRM, {"t": t.id}, token=t.harmed))
    ok(server.gql(PAUSE_THREAD, {"t": t.id}, token=t.harmed))
    ok(server.gql(RESUME_THREAD, {"t": t.id}, token=t.harmed))
    ok(server.gql(CLOSE_THREAD, {"t": t.id, "c": "WITHDRAWN", "r": None}, token=t.harmed))
    got = [event(sub) for _ in range(6)]
    assert [g["kind"] for g in got] == [
        "ENTRY_ADDED",
        "ADVANCE_PROPOSED",
        "ADVANCED",
        "PAUSED",
        "RESUMED",
        "CLOSED",
    ]
    assert all(g == {"threadId": t.id, "kind": g["kind"], "on": day.isoformat()} for g in got)
    assert sub.wait_end()[0] == "complete"
    outsider = member(server)
    kind, errors = subscribe(outsider.token, live.THREAD_ACTIVITY, id=t.id).wait_end()
    assert [e["extensions"]["code"] for e in errors] == ["NOT_FOUND"]


def test_the_gauge_counts_open_streams_and_a_hang_up_ends_one(
    server: LiveServer, subscribe: Open, nbh: str
) -> None:
    circle_id, _, b = circle_of_two(server, nbh)
    before = open_streams(server)
    sub = subscribe(b.token, live.CIRCLE_ACTIVITY, id=circle_id)
    wait_open(server, before + 1)
    sub.close()
    # Hanging up ends the stream at once (not at the next keep-alive, 15 s away).
    deadline = time.monotonic() + 3
    while open_streams(server) > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert open_streams(server) == before
