"""Existence is private, text is sealed, identities are pseudonyms, reads are batched."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support import (
    ADD_SLOT,
    CIRCLE,
    CLOSE,
    INVITE,
    LEAVE,
    PAUSE,
    POST,
    RESUME,
    RHYTHM,
    TAKE_SLOT,
    LiveServer,
    Person,
    add_member,
    coordinator,
    form,
    invite,
    member,
    ok,
)


def operations(cid: str, slot: str, today: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (CIRCLE, {"id": cid}),
        (INVITE, {"id": cid, "role": "SUPPORTER"}),
        (INVITE, {"id": cid, "role": "FACILITATOR"}),
        (LEAVE, {"id": cid}),
        (POST, {"id": cid, "body": "hello"}),
        (RHYTHM, {"id": cid, "r": "weekly"}),
        (ADD_SLOT, {"id": cid, "on": today, "task": "meal"}),
        (TAKE_SLOT, {"id": slot}),
        (PAUSE, {"id": cid}),
        (RESUME, {"id": cid}),
        (CLOSE, {"id": cid}),
    ]


def test_outsiders_see_exactly_what_a_random_id_gets(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    cid = form(server, coord, nbh)["id"]
    sam = add_member(server, coord, cid, "FOCUS", "Sam")
    add_member(server, coord, cid)
    today = server.clock.today().isoformat()
    slot = ok(server.gql(ADD_SLOT, {"id": cid, "on": today, "task": "meal"}, token=sam.token))
    slot_id = slot["addRotaSlot"]["id"]
    rows_before = server.sql(f"SELECT status, member_count FROM cip_circle WHERE id = '{cid}'")
    outsiders = [member(server), coordinator(server, nbh), coordinator(server, "*")]
    real = operations(cid, slot_id, today)
    fake = operations(str(uuid.uuid4()), str(uuid.uuid4()), today)
    for outsider in outsiders:
        for (query, real_vars), (_, fake_vars) in zip(real, fake, strict=True):
            theirs = server.gql(query, real_vars, token=outsider.token)
            random = server.gql(query, fake_vars, token=outsider.token)
            assert theirs.codes == ["NOT_FOUND"], (query, theirs.body)
            assert (theirs.status, theirs.body) == (random.status, random.body)
    garbage = server.gql(CIRCLE, {"id": "not-a-uuid"}, token=outsiders[0].token)
    assert garbage.body == server.gql(CIRCLE, {"id": str(uuid.uuid4())}, token=sam.token).body
    # Nothing moved.
    assert server.sql(f"SELECT status, member_count FROM cip_circle WHERE id = '{cid}'") == (
        rows_before
    )
    assert ok(server.gql(CIRCLE, {"id": cid}, token=sam.token))["circle"]["status"] == "ACTIVE"


def test_my_circles_lists_only_mine(server: LiveServer, nbh: str) -> None:
    kim = member(server)
    coord = coordinator(server, nbh)
    mine_as_supporter = form(server, coord, nbh)["id"]
    ok(
        server.gql(
            'mutation($c: String!) { joinCircle(code: $c, displayName: "Kim") { id } }',
            {"c": invite(server, coord, mine_as_supporter)},
            token=kim.token,
        )
    )
    mine_as_focus = form(server, kim, nbh, role="FOCUS", name="Kim")["id"]
    form(server, member(server), nbh, role="FOCUS")  # someone else's
    seen = ok(server.gql("{ myCircles { id myRole } }", token=kim.token))["myCircles"]
    assert {(c["id"], c["myRole"]) for c in seen} == {
        (mine_as_supporter, "SUPPORTER"),
        (mine_as_focus, "FOCUS"),
    }
    assert server.gql("{ myCircles { id } }").codes == ["UNAUTHENTICATED"]


MARKERS = {
    "focus": "Focus-7f3a: Jo after the flood",
    "name": "Name-91bc Quill",
    "update": "Update-4d2e: the roof leaks again",
    "rhythm": "Rhythm-55aa: Tuesdays",
    "task": "Task-c0de: bring soup",
}


def write_everything(server: LiveServer, nbh: str) -> tuple[str, list[Person]]:
    coord = coordinator(server, nbh)
    cid = form(server, coord, nbh, focus=MARKERS["focus"], name=MARKERS["name"])["id"]
    kim = add_member(server, coord, cid, name=MARKERS["name"] + " 2")
    lee = add_member(server, coord, cid, name=MARKERS["name"] + " 3")
    ok(server.gql(POST, {"id": cid, "body": MARKERS["update"]}, token=kim.token))
    ok(server.gql(RHYTHM, {"id": cid, "r": MARKERS["rhythm"]}, token=kim.token))
    today = server.clock.today().isoformat()
    ok(server.gql(ADD_SLOT, {"id": cid, "on": today, "task": MARKERS["task"]}, token=lee.token))
    return cid, [coord, kim, lee]


def assert_clean(dump: bytes, people: list[Person]) -> None:
    for label, text in MARKERS.items():
        assert text.encode() not in dump, label
        assert text.encode("utf-16-le") not in dump, label
    for person in people:
        assert person.sub.encode() not in dump, "a raw JWT sub is stored"


def test_database_dump_holds_no_clear_text_and_no_sub(server: LiveServer, nbh: str) -> None:
    cid, people = write_everything(server, nbh)
    # Readable through the API, so the markers really were written.
    seen = ok(server.gql(CIRCLE, {"id": cid}, token=people[1].token))["circle"]
    assert seen["focus"] == MARKERS["focus"] and seen["rhythm"] == MARKERS["rhythm"]
    assert_clean(server.dump(), people)
    ok(server.gql(CLOSE, {"id": cid}, token=people[0].token))
    assert_clean(server.dump(), people)


# ------------------------------------------------------------------ batched reads
MY_CIRCLES_DEEP = """
{ myCircles { id focus rhythm members { displayName role isMe }
  updates(first: 5) { body author { displayName } }
  rota { task holder { displayName } } } }
"""


def test_my_circles_costs_the_same_for_one_or_many(server: LiveServer, nbh: str) -> None:
    kim = member(server)
    today = server.clock.today().isoformat()

    def one_more_circle() -> None:
        cid = form(server, kim, nbh, role="SUPPORTER", name="Kim")["id"]
        add_member(server, kim, cid, name="Lee")
        ok(server.gql(POST, {"id": cid, "body": "news"}, token=kim.token))
        slot = ok(server.gql(ADD_SLOT, {"id": cid, "on": today, "task": "t"}, token=kim.token))
        ok(server.gql(TAKE_SLOT, {"id": slot["addRotaSlot"]["id"]}, token=kim.token))

    def cost() -> int:
        response = server.client.post(
            "/graphql",
            json={"query": MY_CIRCLES_DEEP},
            headers={"Authorization": f"Bearer {kim.token}"},
        )
        body = response.json()
        assert "errors" not in body, body
        data = body["data"]["myCircles"]
        assert all(c["updates"] and c["rota"] and len(c["members"]) == 2 for c in data)
        return int(response.headers["x-cip-sql-statements"])  # CIP_COUNT_SQL=1

    one_more_circle()
    single = cost()
    for _ in range(4):
        one_more_circle()
    many = cost()
    assert many == single
    assert 0 < single <= 8, single
