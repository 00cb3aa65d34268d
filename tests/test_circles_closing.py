"""Leaving and closing: what goes, who may close, and that nothing of a closed circle remains."""

from __future__ import annotations

import datetime as dt

import pytest

from models.sealing import Sealer, SealError, row_aad
from resolvers.aggregates.events import Metric
from tests.support import (
    ADD_SLOT,
    CIRCLE,
    CLOSE,
    LEAVE,
    PAUSE,
    POST,
    UPDATES,
    LiveServer,
    Person,
    action_count,
    add_member,
    coordinator,
    form,
    invite,
    member,
    metric_sum,
    ok,
    subject_of,
)

CIRCLE_TABLES = ("cip_circle_member", "cip_circle_invite", "cip_circle_update", "cip_rota_slot")


def leftovers(server: LiveServer, cid: str) -> dict[str, int]:
    counts = {
        t: server.sql(f"SELECT COUNT(*) FROM {t} WHERE circle_id = '{cid}'")[0][0]
        for t in CIRCLE_TABLES
    }
    counts["cip_circle"] = server.sql(f"SELECT COUNT(*) FROM cip_circle WHERE id = '{cid}'")[0][0]
    counts["cip_data_key"] = server.sql(
        f"SELECT COUNT(*) FROM cip_data_key WHERE owner = 'circle:{cid}'"
    )[0][0]
    return counts


def nothing_left(server: LiveServer, cid: str) -> bool:
    return set(leftovers(server, cid).values()) == {0}


def full_circle(server: LiveServer, nbh: str) -> tuple[str, Person, Person, Person]:
    """An ACTIVE circle with content in every table."""
    coord = coordinator(server, nbh)
    cid = form(server, coord, nbh)["id"]
    sam = add_member(server, coord, cid, "FOCUS", "Sam")
    kim = add_member(server, coord, cid, "SUPPORTER", "Kim")
    invite(server, coord, cid)
    ok(server.gql(POST, {"id": cid, "body": "an update"}, token=kim.token))
    today = server.clock.today().isoformat()
    ok(server.gql(ADD_SLOT, {"id": cid, "on": today, "task": "a task"}, token=kim.token))
    return cid, coord, sam, kim


def test_leaving_removes_the_member_and_their_name(server: LiveServer, nbh: str) -> None:
    cid, _, sam, kim = full_circle(server, nbh)
    before = server.sql(f"SELECT COUNT(*) FROM cip_circle_member WHERE circle_id = '{cid}'")[0][0]
    assert ok(server.gql(LEAVE, {"id": cid}, token=kim.token))["leaveCircle"] is True
    after = server.sql(f"SELECT COUNT(*) FROM cip_circle_member WHERE circle_id = '{cid}'")[0][0]
    assert after == before - 1
    assert server.sql(f"SELECT member_count FROM cip_circle WHERE id = '{cid}'")[0][0] == 1
    members = ok(server.gql(CIRCLE, {"id": cid}, token=sam.token))["circle"]["members"]
    assert "Kim" not in {m["displayName"] for m in members}
    # Gone is gone: the leaver sees the circle as one that does not exist.
    assert server.gql(CIRCLE, {"id": cid}, token=kim.token).codes == ["NOT_FOUND"]
    assert server.gql(LEAVE, {"id": cid}, token=kim.token).codes == ["NOT_FOUND"]
    # An active circle stays active when members leave.
    assert ok(server.gql(CIRCLE, {"id": cid}, token=sam.token))["circle"]["status"] == "ACTIVE"


def test_after_the_facilitator_leaves_any_member_may_close(server: LiveServer, nbh: str) -> None:
    cid, coord, _, kim = full_circle(server, nbh)
    assert server.gql(CLOSE, {"id": cid}, token=kim.token).codes == ["FORBIDDEN"]
    ok(server.gql(LEAVE, {"id": cid}, token=coord.token))
    assert action_count(server, nbh, coord) == 5  # formed, three invites, left
    members = ok(server.gql(CIRCLE, {"id": cid}, token=kim.token))["circle"]["members"]
    assert {m["role"] for m in members} == {"FOCUS", "SUPPORTER"}
    assert ok(server.gql(CLOSE, {"id": cid}, token=kim.token))["closeCircle"] is True
    assert nothing_left(server, cid)


def test_the_last_one_out_closes_the_circle(server: LiveServer, nbh: str) -> None:
    kim = member(server)
    cid = form(server, kim, nbh, role="SUPPORTER")["id"]
    lee = add_member(server, kim, cid, name="Lee")
    ok(server.gql(LEAVE, {"id": cid}, token=kim.token))
    assert not nothing_left(server, cid)
    ok(server.gql(LEAVE, {"id": cid}, token=lee.token))
    assert nothing_left(server, cid)
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_ACTIVE) == 0  # closed once
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_FORMING) == 0


def test_a_facilitator_alone_leaving_closes_the_circle(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    cid = form(server, coord, nbh)["id"]
    ok(server.gql(LEAVE, {"id": cid}, token=coord.token))
    assert nothing_left(server, cid)
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_FORMING) == 0


def test_who_may_close(server: LiveServer, nbh: str) -> None:
    cid, coord, sam, kim = full_circle(server, nbh)
    assert server.gql(CLOSE, {"id": cid}, token=kim.token).codes == ["FORBIDDEN"]
    # A facilitator no longer coordinating the neighbourhood has no steward powers.
    former = server.token(coord.sub)
    assert server.gql(CLOSE, {"id": cid}, token=former).codes == ["FORBIDDEN"]
    assert not nothing_left(server, cid)
    assert ok(server.gql(CLOSE, {"id": cid}, token=sam.token))["closeCircle"] is True
    assert nothing_left(server, cid)

    cid2, coord2, _, _ = full_circle(server, nbh)
    ok(server.gql(CLOSE, {"id": cid2}, token=coord2.token))
    assert nothing_left(server, cid2)
    assert action_count(server, nbh, coord2) == 5  # formed, three invites, closed
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_ACTIVE) == 0  # both closed, once each


def test_closing_leaves_only_anonymous_counts(server: LiveServer, nbh: str) -> None:
    cid, coord, sam, kim = full_circle(server, nbh)
    ok(server.gql(PAUSE, {"id": cid}, token=sam.token))
    ok(server.gql(CLOSE, {"id": cid}, token=coord.token))
    assert leftovers(server, cid) == dict.fromkeys(
        [*CIRCLE_TABLES, "cip_circle", "cip_data_key"], 0
    )
    rows = server.sql(f"SELECT * FROM cip_aggregate_count WHERE neighborhood = '{nbh}'")
    assert cid not in repr(rows)
    # Formed, active, paused and closed in one week: the gauges' cells cancelled and are gone;
    # one count says a circle formed that week, and nothing says it closed.
    assert [(r[2], int(r[3])) for r in rows] == [(Metric.CIRCLE_FORMED, 1)]
    # A closed circle answers like one that never existed, for everyone who was in it.
    for who in (coord, sam, kim):
        assert server.gql(CIRCLE, {"id": cid}, token=who.token).codes == ["NOT_FOUND"]
        assert server.gql(CLOSE, {"id": cid}, token=who.token).codes == ["NOT_FOUND"]
    my = "{ myCircles { id } }"
    assert ok(server.gql(my, token=kim.token))["myCircles"] == []


def test_closed_circle_codes_are_invalid(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    cid = form(server, coord, nbh)["id"]
    code = invite(server, coord, cid)
    ok(server.gql(CLOSE, {"id": cid}, token=coord.token))
    query = 'mutation($c: String!) { joinCircle(code: $c, displayName: "Kim") { id } }'
    assert server.gql(query, {"c": code}, token=member(server).token).codes == ["INVITE_INVALID"]


def test_leaving_does_not_close_a_circle_with_people(server: LiveServer, nbh: str) -> None:
    cid, coord, sam, kim = full_circle(server, nbh)
    server.clock.set(server.clock.today() + dt.timedelta(days=1))
    try:
        for who in (kim, sam):
            ok(server.gql(LEAVE, {"id": cid}, token=who.token))
        # The facilitator is still there: the circle waits for new members.
        assert ok(server.gql(CIRCLE, {"id": cid}, token=coord.token))["circle"]["members"]
    finally:
        server.clock.set(None)


def blobs(server: LiveServer, cid: str) -> list[bytes]:
    """Every ciphertext of the circle and its wrapped key, as stored."""
    queries = [
        f"SELECT focus_sealed FROM cip_circle WHERE id = '{cid}'",
        f"SELECT name_sealed FROM cip_circle_member WHERE circle_id = '{cid}'",
        f"SELECT body_sealed FROM cip_circle_update WHERE circle_id = '{cid}'",
        f"SELECT task_sealed FROM cip_rota_slot WHERE circle_id = '{cid}'",
        f"SELECT wrapped FROM cip_data_key WHERE owner = 'circle:{cid}'",
    ]
    return [bytes(row[0]) for q in queries for row in server.sql(q)]


def in_dump(blob: bytes, dump: bytes) -> bool:
    # SQLite files hold the bytes; pg_dump writes bytea as hex.
    return blob in dump or blob.hex().encode() in dump


def test_no_remnant_of_a_closed_circle_in_a_dump(server: LiveServer, nbh: str) -> None:
    cid, coord, _, _ = full_circle(server, nbh)
    stored = blobs(server, cid)
    assert len(stored) == 7  # focus, 3 names, update, task, key
    dump = server.dump()
    assert all(in_dump(b, dump) for b in stored)
    ok(server.gql(CLOSE, {"id": cid}, token=coord.token))
    dump = server.dump()
    assert not any(in_dump(b, dump) for b in stored)


def test_no_remnant_of_an_expired_update_in_a_dump(server: LiveServer, nbh: str) -> None:
    cid, _, sam, _ = full_circle(server, nbh)
    [blob] = [
        bytes(r[0])
        for r in server.sql(f"SELECT body_sealed FROM cip_circle_update WHERE circle_id = '{cid}'")
    ]
    server.clock.set(server.clock.today() + dt.timedelta(days=30))
    try:
        data = ok(server.gql(UPDATES, {"id": cid}, token=sam.token))
    finally:
        server.clock.set(None)
    assert data["circle"]["updates"] == []
    assert not in_dump(blob, server.dump())


def test_a_leavers_name_leaves_no_remnant(server: LiveServer, nbh: str) -> None:
    cid, _, _, kim = full_circle(server, nbh)
    me = subject_of(server, kim.sub)
    [blob] = [
        bytes(r[0])
        for r in server.sql(
            f"SELECT name_sealed FROM cip_circle_member WHERE circle_id = '{cid}' "
            f"AND member = '{me}'"
        )
    ]
    ok(server.gql(LEAVE, {"id": cid}, token=kim.token))
    assert not in_dump(blob, server.dump())


def test_a_closed_circles_ciphertext_cannot_be_opened(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    cid = form(server, coord, nbh, focus="kept in a backup")["id"]
    blob = bytes(server.sql(f"SELECT focus_sealed FROM cip_circle WHERE id = '{cid}'")[0][0])

    async def open_focus() -> str:
        sealer = Sealer(server.settings.master_key, server.clock)
        return await sealer.open(f"circle:{cid}", row_aad("cip_circle", cid, "focus"), blob)

    assert server.run(open_focus()) == "kept in a backup"
    ok(server.gql(CLOSE, {"id": cid}, token=coord.token))
    with pytest.raises(SealError):
        server.run(open_focus())
