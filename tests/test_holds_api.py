"""Care holds through the API: coordinators only, own holds only, transfers, closing, rows."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from models.holds import CareHold
from tests.support import (
    RANDOM_ID,
    LiveServer,
    action_count,
    coordinator_token,
    count_rows,
    fresh,
    has_key,
    metric_weeks,
    metrics,
    ok,
    same_refusal,
)

HOLD_FIELDS = "id neighborhood status openedOn daysOpen sealedNote"
OPEN = f"""mutation($n: ID!, $note: String) {{
  openCareHold(neighborhood: $n, sealedNote: $note) {{ {HOLD_FIELDS} }} }}"""
TAKE = f"""mutation($id: ID!, $note: String) {{
  takeSupportAsk(id: $id, sealedNote: $note) {{ {HOLD_FIELDS} }} }}"""
MINE = f"{{ myCareHolds {{ {HOLD_FIELDS} }} }}"
TRANSFER = "mutation($id: ID!) { transferCareHold(id: $id) { code expiresOn } }"
ACCEPT = f"mutation($c: String!) {{ acceptCareHold(code: $c) {{ {HOLD_FIELDS} }} }}"
CLOSE = "mutation($id: ID!) { closeCareHold(id: $id) }"
ASK = """mutation($n: ID!) {
  askForSupport(neighborhood: $n, note: "the roof came in") { id askedOn } }"""
MY_ASKS = "{ mySupportAsks { id } }"


def open_hold(server: LiveServer, token: str, nbh: str, note: str | None = None) -> dict[str, str]:
    return dict(ok(server.gql(OPEN, {"n": nbh, "note": note}, token=token))["openCareHold"])


def test_only_coordinators_of_the_neighbourhood_open_holds(
    server: LiveServer, nbh: str, sub: str
) -> None:
    for token in (
        server.token(sub, nbh=[nbh]),
        coordinator_token(server, sub, "elsewhere"),
        server.token(sub, scopes=["cip:aggregate:read"], nbh=[nbh]),
    ):
        resp = server.gql(OPEN, {"n": nbh}, token=token)
        assert resp.codes == ["FORBIDDEN"]
    for query in (MINE,):
        assert server.gql(query, token=server.token(sub)).codes == ["FORBIDDEN"]
    assert count_rows(server, "cip_care_hold", f"neighborhood = '{nbh}'") == 0
    assert metrics(server, nbh) == {}


def test_opening_a_hold_stores_no_identity_and_writes_its_rows(
    server: LiveServer, nbh: str, sub: str, day: dt.date
) -> None:
    token = coordinator_token(server, sub, nbh)
    hold = open_hold(server, token, nbh)
    assert hold["status"] == "OPEN" and hold["openedOn"] == "2026-03-02"
    assert hold["daysOpen"] == 0 and hold["sealedNote"] is None
    assert metrics(server, nbh) == {
        "hold_opened": 1,
        "need_opened": 1,
        "gauge_holds_open": 1,
        "gauge_holds_waiting": 1,
    }
    assert metric_weeks(server, nbh, "gauge_holds_waiting") == [("2026-03-09", 1)]
    assert action_count(server, nbh) == 1
    server.clock.set(day + dt.timedelta(days=4))
    listed = ok(server.gql(MINE, token=token))["myCareHolds"]
    assert [(h["id"], h["daysOpen"]) for h in listed] == [(hold["id"], 4)]
    columns = server.sql(f"SELECT holder FROM cip_care_hold WHERE id = '{hold['id']}'")
    assert columns[0][0] != sub and sub.encode() not in server.dump()


def test_the_sealed_note_is_stored_as_given_and_size_limited(
    server: LiveServer, nbh: str, sub: str
) -> None:
    token = coordinator_token(server, sub, nbh)
    note = ' v2.age1qz…{"not": "json" \n🔒 '
    hold = open_hold(server, token, nbh, note)
    assert hold["sealedNote"] == note
    stored = server.sql(f"SELECT sealed_note FROM cip_care_hold WHERE id = '{hold['id']}'")
    assert bytes(stored[0][0]) == note.encode("utf-8")
    empty = open_hold(server, token, nbh, "")
    assert empty["sealedNote"] == ""

    before = count_rows(server, "cip_care_hold", f"neighborhood = '{nbh}'")
    at_limit = open_hold(server, token, nbh, "x" * 8192)
    assert len(at_limit["sealedNote"]) == 8192
    resp = server.gql(OPEN, {"n": nbh, "note": "x" * 8193}, token=token)
    assert resp.codes == ["BAD_USER_INPUT"]
    assert count_rows(server, "cip_care_hold", f"neighborhood = '{nbh}'") == before + 1
    assert metrics(server, nbh)["hold_opened"] == before + 1


def test_another_coordinator_cannot_tell_a_hold_from_a_random_id(
    server: LiveServer, nbh: str, sub: str
) -> None:
    holder = coordinator_token(server, sub, nbh)
    hold = open_hold(server, holder, nbh)
    other = coordinator_token(server, fresh("coord"), nbh)
    assert ok(server.gql(MINE, token=other))["myCareHolds"] == []
    for query in (TRANSFER, CLOSE):
        theirs = server.gql(query, {"id": hold["id"]}, token=other)
        random = server.gql(query, {"id": RANDOM_ID}, token=other)
        assert theirs.codes == ["NOT_FOUND"]
        same_refusal(theirs, random)
        member = server.gql(query, {"id": hold["id"]}, token=server.token(fresh()))
        assert member.codes == ["FORBIDDEN"]
    # The holder, acting without that neighbourhood in the token, does not see it either.
    elsewhere = coordinator_token(server, sub, "elsewhere")
    assert ok(server.gql(MINE, token=elsewhere))["myCareHolds"] == []
    assert server.gql(CLOSE, {"id": hold["id"]}, token=elsewhere).codes == ["NOT_FOUND"]
    assert [h["id"] for h in ok(server.gql(MINE, token=holder))["myCareHolds"]] == [hold["id"]]


def test_a_transfer_code_moves_the_hold_once(
    server: LiveServer, nbh: str, sub: str, day: dt.date
) -> None:
    holder = coordinator_token(server, sub, nbh)
    hold = open_hold(server, holder, nbh)
    transfer = ok(server.gql(TRANSFER, {"id": hold["id"]}, token=holder))["transferCareHold"]
    code = transfer["code"]
    assert transfer["expiresOn"] == "2026-03-09" and len(code) >= 22
    assert code.encode() not in server.dump()

    unknown = server.gql(ACCEPT, {"c": "no-such-code"}, token=coordinator_token(server, "x", nbh))
    assert unknown.codes == ["INVITE_INVALID"]
    for token in (coordinator_token(server, fresh("coord"), "elsewhere"), holder):
        refused = server.gql(ACCEPT, {"c": code}, token=token)
        same_refusal(refused, unknown)
    assert server.gql(ACCEPT, {"c": code}, token=server.token(fresh())).codes == ["FORBIDDEN"]

    taker_sub = fresh("coord")
    taker = coordinator_token(server, taker_sub, nbh)
    moved = ok(server.gql(ACCEPT, {"c": code}, token=taker))["acceptCareHold"]
    assert moved["id"] == hold["id"] and moved["status"] == "OPEN"
    assert ok(server.gql(MINE, token=holder))["myCareHolds"] == []
    assert [h["id"] for h in ok(server.gql(MINE, token=taker))["myCareHolds"]] == [hold["id"]]
    same_refusal(
        server.gql(ACCEPT, {"c": code}, token=coordinator_token(server, "y", nbh)), unknown
    )
    assert server.gql(CLOSE, {"id": hold["id"]}, token=holder).codes == ["NOT_FOUND"]
    assert count_rows(server, "cip_hold_transfer", f"hold_id = '{hold['id']}'") == 0
    assert action_count(server, nbh) == 3  # open, transfer, accept
    assert metrics(server, nbh)["gauge_holds_open"] == 1  # a transfer is not a new hold


def test_transfer_codes_expire_after_seven_days_and_a_new_code_replaces_the_old(
    server: LiveServer, nbh: str, sub: str, day: dt.date
) -> None:
    holder = coordinator_token(server, sub, nbh)
    hold = open_hold(server, holder, nbh)
    first = ok(server.gql(TRANSFER, {"id": hold["id"]}, token=holder))["transferCareHold"]
    second = ok(server.gql(TRANSFER, {"id": hold["id"]}, token=holder))["transferCareHold"]
    taker = coordinator_token(server, fresh("coord"), nbh)
    assert server.gql(ACCEPT, {"c": first["code"]}, token=taker).codes == ["INVITE_INVALID"]
    server.clock.set(day + dt.timedelta(days=7))
    assert server.gql(ACCEPT, {"c": second["code"]}, token=taker).codes == ["INVITE_INVALID"]
    assert [h["id"] for h in ok(server.gql(MINE, token=holder))["myCareHolds"]] == [hold["id"]]


def test_closing_deletes_the_hold_and_closes_its_rows(
    server: LiveServer, nbh: str, sub: str, day: dt.date
) -> None:
    token = coordinator_token(server, sub, nbh)
    hold = open_hold(server, token, nbh, "sealed elsewhere")
    ok(server.gql(TRANSFER, {"id": hold["id"]}, token=token))
    server.clock.set(day + dt.timedelta(days=3))
    assert ok(server.gql(CLOSE, {"id": hold["id"]}, token=token)) == {"closeCareHold": True}
    assert count_rows(server, "cip_care_hold", f"id = '{hold['id']}'") == 0
    assert count_rows(server, "cip_hold_transfer", f"hold_id = '{hold['id']}'") == 0
    assert server.gql(CLOSE, {"id": hold["id"]}, token=token).codes == ["NOT_FOUND"]
    # Opened and closed in one week, before its seventh day: the open and waiting gauges'
    # +1 and -1 fall in the same cells, which cancel and are deleted.
    assert metrics(server, nbh) == {"hold_opened": 1, "need_opened": 1}
    assert metric_weeks(server, nbh, "gauge_holds_waiting") == []
    assert action_count(server, nbh) == 3  # open, transfer, close


def test_closing_a_hold_a_circle_picked_up_counts_only_the_closing(
    server: LiveServer, nbh: str, sub: str
) -> None:
    token = coordinator_token(server, sub, nbh)
    hold = open_hold(server, token, nbh)

    async def circle_formed() -> None:  # what formCircle(fromHold) does to the hold
        await CareHold.filter(id=hold["id"]).update(status="CIRCLE_FORMED")

    server.run(circle_formed())
    listed = ok(server.gql(MINE, token=token))["myCareHolds"]
    assert listed[0]["status"] == "CIRCLE_FORMED"
    before = metrics(server, nbh)
    assert ok(server.gql(CLOSE, {"id": hold["id"]}, token=token)) == {"closeCareHold": True}
    assert metrics(server, nbh) == before


def test_taking_an_ask_turns_it_into_a_hold_and_deletes_its_text(
    server: LiveServer, nbh: str, sub: str, day: dt.date
) -> None:
    asker = server.token(sub)
    made = ok(server.gql(ASK, {"n": nbh}, token=asker))["askForSupport"]
    server.clock.set(day + dt.timedelta(days=3))
    coord_sub = fresh("coord")
    coord = coordinator_token(server, coord_sub, nbh)

    assert server.gql(TAKE, {"id": made["id"]}, token=asker).codes == ["FORBIDDEN"]
    outsider = coordinator_token(server, fresh("coord"), "elsewhere")
    theirs = server.gql(TAKE, {"id": made["id"]}, token=outsider)
    assert theirs.codes == ["NOT_FOUND"]
    same_refusal(theirs, server.gql(TAKE, {"id": RANDOM_ID}, token=outsider))
    too_big = server.gql(TAKE, {"id": made["id"], "note": "x" * 8193}, token=coord)
    assert too_big.codes == ["BAD_USER_INPUT"]

    hold = ok(server.gql(TAKE, {"id": made["id"], "note": "opaque"}, token=coord))
    hold = hold["takeSupportAsk"]
    assert hold["status"] == "OPEN" and hold["neighborhood"] == nbh
    assert hold["openedOn"] == "2026-03-02" and hold["daysOpen"] == 3  # the need's age
    assert hold["sealedNote"] == "opaque"
    assert ok(server.gql(MY_ASKS, token=asker))["mySupportAsks"] == []
    assert count_rows(server, "cip_support_ask", f"neighborhood = '{nbh}'") == 0
    assert not has_key(server, f"ask:{made['id']}")
    again = server.gql(TAKE, {"id": made["id"]}, token=coord)
    assert again.codes == ["NOT_FOUND"]

    assert metrics(server, nbh) == {  # the ask's open gauge began and ended this week
        "need_opened": 1,
        "hold_opened": 1,
        "gauge_holds_open": 1,
        "hold_picked_up_within_7d": 1,
        "gauge_holds_waiting": 1,
    }
    assert metric_weeks(server, nbh, "gauge_holds_waiting") == [("2026-03-09", 1)]
    assert action_count(server, nbh) == 1


def test_an_ask_taken_late_is_picked_up_but_not_within_7_days(
    server: LiveServer, nbh: str, sub: str, day: dt.date
) -> None:
    made = ok(server.gql(ASK, {"n": nbh}, token=server.token(sub)))["askForSupport"]
    server.clock.set(day + dt.timedelta(days=8))
    coord = coordinator_token(server, fresh("coord"), nbh)
    hold = ok(server.gql(TAKE, {"id": made["id"]}, token=coord))["takeSupportAsk"]
    assert hold["daysOpen"] == 8 and hold["sealedNote"] is None
    got = metrics(server, nbh)
    assert got["hold_opened"] == 1 and "hold_picked_up_within_7d" not in got


def test_an_expired_ask_cannot_be_taken(
    server: LiveServer, nbh: str, sub: str, day: dt.date
) -> None:
    made = ok(server.gql(ASK, {"n": nbh}, token=server.token(sub)))["askForSupport"]
    server.clock.set(day + dt.timedelta(days=30))
    coord = coordinator_token(server, fresh("coord"), nbh)
    assert server.gql(TAKE, {"id": made["id"]}, token=coord).codes == ["NOT_FOUND"]
    assert count_rows(server, "cip_care_hold", f"neighborhood = '{nbh}'") == 0


def test_no_note_or_text_reaches_the_logs(
    server: LiveServer, nbh: str, sub: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    marker = fresh("never-logged")
    token = coordinator_token(server, sub, nbh)
    open_hold(server, token, nbh, f"{marker} sealed")
    assert server.gql(OPEN, {"n": nbh, "note": marker * 900}, token=token).codes == [
        "BAD_USER_INPUT"
    ]
    ok(server.gql(ASK.replace("the roof came in", marker), {"n": nbh}, token=server.token(sub)))
    assert marker not in caplog.text
    assert sub not in caplog.text
