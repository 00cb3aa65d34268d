"""Inside a circle: updates (and their expiry), rhythm, rota, pause and resume."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from resolvers.aggregates.events import Metric
from resolvers.circles.closing import purge_expired
from tests.support import (
    ADD_SLOT,
    LEAVE,
    PAUSE,
    POST,
    RESUME,
    RHYTHM,
    ROTA,
    TAKE_SLOT,
    UPDATES,
    LiveServer,
    Person,
    action_count,
    add_member,
    coordinator,
    form,
    member,
    metric_sum,
    ok,
)


@pytest.fixture
def clock_reset(server: LiveServer) -> Iterator[None]:
    yield
    server.clock.set(None)


def active_circle(server: LiveServer, nbh: str) -> tuple[str, Person, Person, Person]:
    """A circle with a facilitator, a focus member and a supporter: ACTIVE."""
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    sam = add_member(server, coord, circle["id"], "FOCUS", "Sam")
    kim = add_member(server, coord, circle["id"], "SUPPORTER", "Kim")
    return circle["id"], coord, sam, kim


def post(server: LiveServer, who: Person, cid: str, body: str) -> dict[str, Any]:
    return dict(
        ok(server.gql(POST, {"id": cid, "body": body}, token=who.token))["postCircleUpdate"]
    )


def test_updates(server: LiveServer, nbh: str) -> None:
    cid, coord, sam, kim = active_circle(server, nbh)
    today = server.clock.today()
    first = post(server, kim, cid, "Dropped soup round on Tuesday")
    assert first["author"]["displayName"] == "Kim" and first["author"]["isMe"] is True
    assert first["postedOn"] == today.isoformat()
    assert first["expiresOn"] == (today + dt.timedelta(days=30)).isoformat()
    post(server, sam, cid, "Thank you all")
    post(server, coord, cid, "Check-in on Friday")
    seen = ok(server.gql(UPDATES, {"id": cid}, token=sam.token))["circle"]["updates"]
    assert {u["body"] for u in seen} == {
        "Dropped soup round on Tuesday",
        "Thank you all",
        "Check-in on Friday",
    }
    two = ok(server.gql(UPDATES, {"id": cid, "first": 2}, token=sam.token))["circle"]["updates"]
    assert len(two) == 2
    for first_value in (0, 101):
        resp = server.gql(UPDATES, {"id": cid, "first": first_value}, token=sam.token)
        assert resp.codes == ["BAD_USER_INPUT"]
    for body in ("", "  ", "b" * 2001):
        resp = server.gql(POST, {"id": cid, "body": body}, token=kim.token)
        assert resp.codes == ["BAD_USER_INPUT"]
    post(server, kim, cid, "b" * 2000)
    assert action_count(server, nbh, coord) == 4  # formed, two invites, one update


def test_newest_updates_first(server: LiveServer, nbh: str, clock_reset: None) -> None:
    cid, _, sam, _ = active_circle(server, nbh)
    today = server.clock.today()
    for day, body in ((0, "old"), (2, "newer"), (4, "newest")):
        server.clock.set(today + dt.timedelta(days=day))
        post(server, sam, cid, body)
    seen = ok(server.gql(UPDATES, {"id": cid, "first": 2}, token=sam.token))["circle"]["updates"]
    assert [u["body"] for u in seen] == ["newest", "newer"]
    # Several page sizes in one request share one read of the newest rows.
    sizes = "{ myCircles { a: updates(first: 1) { body } b: updates(first: 3) { body } } }"
    [circle] = ok(server.gql(sizes, token=sam.token))["myCircles"]
    assert [u["body"] for u in circle["a"]] == ["newest"]
    assert [u["body"] for u in circle["b"]] == ["newest", "newer", "old"]


def test_a_leavers_updates_stay_without_author(server: LiveServer, nbh: str) -> None:
    cid, _, sam, kim = active_circle(server, nbh)
    post(server, kim, cid, "from Kim")
    ok(server.gql(LEAVE, {"id": cid}, token=kim.token))
    [update] = ok(server.gql(UPDATES, {"id": cid}, token=sam.token))["circle"]["updates"]
    assert update["body"] == "from Kim" and update["author"] is None


def update_rows(server: LiveServer, cid: str) -> int:
    return int(
        server.sql(f"SELECT COUNT(*) FROM cip_circle_update WHERE circle_id = '{cid}'")[0][0]
    )


def test_expired_updates_are_purged_on_read(
    server: LiveServer, nbh: str, clock_reset: None
) -> None:
    cid, _, sam, _ = active_circle(server, nbh)
    today = server.clock.today()
    post(server, sam, cid, "goes after thirty days")
    server.clock.set(today + dt.timedelta(days=29))
    seen = ok(server.gql(UPDATES, {"id": cid}, token=sam.token))["circle"]["updates"]
    assert len(seen) == 1
    server.clock.set(today + dt.timedelta(days=30))
    assert update_rows(server, cid) == 1  # still stored until something reads the circle
    assert ok(server.gql(UPDATES, {"id": cid}, token=sam.token))["circle"]["updates"] == []
    assert update_rows(server, cid) == 0


def test_purge_expired_for_a_periodic_job(server: LiveServer, nbh: str) -> None:
    cid, coord, sam, _ = active_circle(server, nbh)
    today = server.clock.today()
    post(server, sam, cid, "expiring")
    ok(
        server.gql(
            ADD_SLOT, {"id": cid, "on": today.isoformat(), "task": "groceries"}, token=sam.token
        )
    )
    code_query = "mutation($id: ID!) { createCircleInvite(circleId: $id) { code } }"
    ok(server.gql(code_query, {"id": cid}, token=coord.token))
    purged = server.run(purge_expired(today + dt.timedelta(days=31)))
    assert purged["updates"] >= 1 and purged["invites"] >= 1 and purged["rota_slots"] >= 1
    assert update_rows(server, cid) == 0
    for table in ("cip_circle_invite", "cip_rota_slot"):
        assert server.sql(f"SELECT COUNT(*) FROM {table} WHERE circle_id = '{cid}'")[0][0] == 0


def test_rhythm(server: LiveServer, nbh: str) -> None:
    cid, _, _, kim = active_circle(server, nbh)
    data = ok(server.gql(RHYTHM, {"id": cid, "r": "Sunday evenings"}, token=kim.token))
    assert data["setCircleRhythm"]["rhythm"] == "Sunday evenings"
    assert server.gql(RHYTHM, {"id": cid, "r": ""}, token=kim.token).codes == ["BAD_USER_INPUT"]
    assert server.gql(RHYTHM, {"id": cid, "r": "r" * 201}, token=kim.token).codes == [
        "BAD_USER_INPUT"
    ]
    assert (
        ok(server.gql(RHYTHM, {"id": cid, "r": None}, token=kim.token))["setCircleRhythm"]["rhythm"]
        is None
    )
    omitted = "mutation($id: ID!) { setCircleRhythm(circleId: $id) { rhythm } }"
    assert (
        ok(server.gql(omitted, {"id": cid}, token=kim.token))["setCircleRhythm"]["rhythm"] is None
    )


def test_rota(server: LiveServer, nbh: str) -> None:
    cid, coord, sam, kim = active_circle(server, nbh)
    today = server.clock.today()
    days = [today + dt.timedelta(days=d) for d in (1, 3, 5)]
    slots = [
        ok(
            server.gql(
                ADD_SLOT, {"id": cid, "on": d.isoformat(), "task": f"meal {i}"}, token=kim.token
            )
        )["addRotaSlot"]
        for i, d in enumerate(days)
    ]
    assert slots[0]["holder"] is None and slots[0]["task"] == "meal 0"
    taken = ok(server.gql(TAKE_SLOT, {"id": slots[1]["id"]}, token=sam.token))["takeRotaSlot"]
    assert taken["holder"] == {"displayName": "Sam", "isMe": True}
    again = ok(server.gql(TAKE_SLOT, {"id": slots[1]["id"]}, token=sam.token))["takeRotaSlot"]
    assert again["holder"]["isMe"] is True
    assert server.gql(TAKE_SLOT, {"id": slots[1]["id"]}, token=kim.token).codes == [
        "INVALID_TRANSITION"
    ]
    everything = ok(server.gql(ROTA, {"id": cid}, token=kim.token))["circle"]["rota"]
    assert [s["task"] for s in everything] == ["meal 0", "meal 1", "meal 2"]
    assert everything[1]["holder"] == {"displayName": "Sam", "isMe": False}
    window = {"id": cid, "from": days[1].isoformat(), "to": days[2].isoformat()}
    assert [s["task"] for s in ok(server.gql(ROTA, window, token=kim.token))["circle"]["rota"]] == [
        "meal 1",
        "meal 2",
    ]
    backwards = {"id": cid, "from": days[2].isoformat(), "to": days[1].isoformat()}
    assert server.gql(ROTA, backwards, token=kim.token).codes == ["BAD_USER_INPUT"]
    assert action_count(server, nbh, coord) == 3  # the facilitator only formed and invited


def test_a_read_deletes_rota_slots_older_than_the_update_lifetime(
    server: LiveServer, nbh: str, clock_reset: None
) -> None:
    cid, _, sam, _ = active_circle(server, nbh)
    today = server.clock.today()
    for d in (0, 1):
        on = (today + dt.timedelta(days=d)).isoformat()
        ok(server.gql(ADD_SLOT, {"id": cid, "on": on, "task": f"day {d}"}, token=sam.token))

    def slot_rows() -> int:
        return int(
            server.sql(f"SELECT COUNT(*) FROM cip_rota_slot WHERE circle_id = '{cid}'")[0][0]
        )

    server.clock.set(today + dt.timedelta(days=31))
    assert slot_rows() == 2  # stored until something reads the circle's rota
    window = {"id": cid, "from": (today - dt.timedelta(days=5)).isoformat()}
    rota = ok(server.gql(ROTA, window, token=sam.token))["circle"]["rota"]
    assert [s["task"] for s in rota] == ["day 1"] and slot_rows() == 1


@pytest.mark.parametrize(
    ("on", "task"),
    [
        ("yesterday", "meal"),
        ("2026-13-01", "meal"),
        ("not a date", "meal"),
        ("today", ""),
        ("today", "t" * 201),
        ("far", "meal"),
    ],
)
def test_bad_rota_input(server: LiveServer, nbh: str, on: str, task: str) -> None:
    cid, _, _, kim = active_circle(server, nbh)
    today = server.clock.today()
    named = {
        "today": today,
        "yesterday": today - dt.timedelta(days=1),
        "far": today + dt.timedelta(days=400),
    }
    day = named[on].isoformat() if on in named else on
    resp = server.gql(ADD_SLOT, {"id": cid, "on": day, "task": task}, token=kim.token)
    assert resp.codes == ["BAD_USER_INPUT"]
    assert server.sql(f"SELECT COUNT(*) FROM cip_rota_slot WHERE circle_id = '{cid}'")[0][0] == 0


def test_pause_and_resume(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    cid = circle["id"]
    assert server.gql(PAUSE, {"id": cid}, token=coord.token).codes == ["INVALID_TRANSITION"]
    sam = add_member(server, coord, cid, "FOCUS", "Sam")
    kim = add_member(server, coord, cid)
    today = server.clock.today().isoformat()
    slot = ok(server.gql(ADD_SLOT, {"id": cid, "on": today, "task": "x"}, token=kim.token))
    assert server.gql(PAUSE, {"id": cid}, token=kim.token).codes == ["FORBIDDEN"]
    paused = ok(server.gql(PAUSE, {"id": cid}, token=sam.token))["pauseCircle"]
    assert paused["status"] == "PAUSED"
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_ACTIVE) == 0
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_FORMING) == 0  # paused: on no gauge
    assert server.gql(PAUSE, {"id": cid}, token=coord.token).codes == ["INVALID_TRANSITION"]
    # A paused circle takes no new updates or rota changes.
    assert server.gql(POST, {"id": cid, "body": "hi"}, token=kim.token).codes == [
        "INVALID_TRANSITION"
    ]
    assert server.gql(ADD_SLOT, {"id": cid, "on": today, "task": "x"}, token=kim.token).codes == [
        "INVALID_TRANSITION"
    ]
    assert server.gql(TAKE_SLOT, {"id": slot["addRotaSlot"]["id"]}, token=kim.token).codes == [
        "INVALID_TRANSITION"
    ]
    assert server.gql(RESUME, {"id": cid}, token=kim.token).codes == ["FORBIDDEN"]
    resumed = ok(server.gql(RESUME, {"id": cid}, token=coord.token))["resumeCircle"]
    assert resumed["status"] == "ACTIVE"
    assert server.gql(RESUME, {"id": cid}, token=coord.token).codes == ["INVALID_TRANSITION"]
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_ACTIVE) == 1
    assert action_count(server, nbh, coord) == 4  # formed, two invites, resumed


def test_without_facilitator_any_member_pauses(server: LiveServer, nbh: str) -> None:
    kim = member(server)
    circle = form(server, kim, nbh, role="SUPPORTER", name="Kim")
    lee = add_member(server, kim, circle["id"], name="Lee")
    assert (
        ok(server.gql(PAUSE, {"id": circle["id"]}, token=lee.token))["pauseCircle"]["status"]
        == "PAUSED"
    )
