"""All or nothing: a failure between the statements of a join, a repair move or a close leaves
the database as it was. The failure is a trigger on the second statement's table, made by the
test for the test's own rows (tests/faults.py); the database is read back afterwards."""

from __future__ import annotations

from typing import Any

from tests.faults import failing_writes
from tests.support import (
    INVITE,
    JOIN,
    GraphQLResponse,
    LiveServer,
    coordinator_token,
    form,
    fresh,
    member,
    ok,
)
from tests.test_holds_api import CLOSE as CLOSE_HOLD
from tests.test_holds_api import open_hold
from tests.test_repair_api import GET, PROPOSE, call, invite, join, open_thread


def failed(server: LiveServer, resp: GraphQLResponse) -> None:
    """The injected fault surfaces as an error with no detail and no data."""
    assert resp.status == 200 and resp.data is None and len(resp.errors) == 1
    if server.backend == "postgres":
        assert resp.codes == ["INTERNAL_SERVER_ERROR"]
        assert resp.errors[0]["message"] == "Internal server error."
    text = repr(resp.body)
    assert "injected" not in text and "Traceback" not in text and "cip_" not in text


def snapshot(server: LiveServer, *queries: str) -> list[Any]:
    return [server.sql(q) for q in queries]


def test_a_failed_join_takes_no_place_and_spends_no_code(server: LiveServer, nbh: str) -> None:
    focus = member(server)
    circle = form(server, focus, nbh, role="FOCUS")
    cid = circle["id"]
    code = ok(server.gql(INVITE, {"id": cid, "role": "SUPPORTER"}, token=focus.token))
    code = code["createCircleInvite"]["code"]
    state = (
        f"SELECT member_count, status FROM cip_circle WHERE id = '{cid}'",
        f"SELECT count(*) FROM cip_circle_invite WHERE circle_id = '{cid}'",
        f"SELECT count(*) FROM cip_circle_member WHERE circle_id = '{cid}'",
        f"SELECT metric, value FROM cip_aggregate_count WHERE neighborhood = '{nbh}' ORDER BY 1, 2",
    )
    before = snapshot(server, *state)
    joiner = member(server)
    # The invite is deleted and the count raised before the member row is written.
    with failing_writes(server, "cip_circle_member", f"NEW.circle_id = '{cid}'"):
        failed(server, server.gql(JOIN, {"code": code, "name": "Kim"}, token=joiner.token))
    assert snapshot(server, *state) == before
    joined = ok(server.gql(JOIN, {"code": code, "name": "Kim"}, token=joiner.token))
    assert len(joined["joinCircle"]["members"]) == 2


def test_a_failed_repair_move_leaves_the_thread_as_it_was(server: LiveServer, nbh: str) -> None:
    harmed = server.token(fresh())
    facilitator_sub = fresh("coord")
    facilitator = coordinator_token(server, facilitator_sub, nbh)
    thread_id = open_thread(server, harmed, nbh, "HARMED_PARTY", "Ada")
    join(server, facilitator, invite(server, harmed, thread_id, "FACILITATOR"), "Fay")
    state = (
        f"SELECT stage, paused, advance_proposed FROM cip_repair_thread WHERE id = '{thread_id}'",
        f"SELECT coordinator, actions FROM cip_coordinator_week WHERE neighborhood = '{nbh}'",
    )
    before = snapshot(server, *state)
    # The thread row is updated first, then the facilitator's weekly action count.
    with failing_writes(server, "cip_coordinator_week", f"NEW.neighborhood = '{nbh}'"):
        failed(server, call(server, PROPOSE, facilitator, t=thread_id))
    assert snapshot(server, *state) == before
    assert not ok(call(server, GET, harmed, t=thread_id))["repairThread"]["advanceProposed"]
    moved = ok(call(server, PROPOSE, facilitator, t=thread_id))["proposeRepairAdvance"]
    assert moved["advanceProposed"]


def test_a_failed_close_keeps_the_hold_and_writes_no_aggregate(
    server: LiveServer, nbh: str
) -> None:
    keeper = coordinator_token(server, fresh("coord"), nbh)
    hold = open_hold(server, keeper, nbh, note="Call Sam on Fridays")
    state = (
        f"SELECT id, status FROM cip_care_hold WHERE id = '{hold['id']}'",
        f"SELECT metric, value FROM cip_aggregate_count WHERE neighborhood = '{nbh}' ORDER BY 1, 2",
    )
    before = snapshot(server, *state)
    assert before[0]
    # The hold row is deleted first, then the aggregate rows are written.
    with failing_writes(server, "cip_aggregate_count", f"NEW.neighborhood = '{nbh}'"):
        failed(server, server.gql(CLOSE_HOLD, {"id": hold["id"]}, token=keeper))
    assert snapshot(server, *state) == before
    assert ok(server.gql(CLOSE_HOLD, {"id": hold["id"]}, token=keeper))["closeCareHold"] is True
    assert server.sql(f"SELECT id FROM cip_care_hold WHERE id = '{hold['id']}'") == []
