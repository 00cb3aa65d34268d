"""createCircleInvite and joinCircle: codes, roles, the size limit, hand-over."""

from __future__ import annotations

import datetime as dt
import re

from models.pseudonym import code_hash
from resolvers.aggregates.events import Metric
from tests.support import (
    CIRCLE,
    INVITE,
    LiveServer,
    action_count,
    add_member,
    coordinator,
    form,
    invite,
    join,
    member,
    metric_sum,
    ok,
)


def test_invite_code_is_long_random_and_stored_only_as_hash(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    data = ok(server.gql(INVITE, {"id": circle["id"], "role": "SUPPORTER"}, token=coord.token))
    inv = data["createCircleInvite"]
    code = inv["code"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,}", code)  # >= 192 bits, url-safe
    assert inv["role"] == "SUPPORTER"
    assert inv["expiresOn"] == (server.clock.today() + dt.timedelta(days=7)).isoformat()
    stored = server.sql(
        f"SELECT code_hash FROM cip_circle_invite WHERE circle_id = '{circle['id']}'"
    )
    assert stored == [(code_hash(code),)]
    assert code.encode() not in server.dump()
    assert action_count(server, nbh, coord) == 2  # formed, invited
    other = ok(server.gql(INVITE, {"id": circle["id"], "role": "SUPPORTER"}, token=coord.token))
    assert other["createCircleInvite"]["code"] != code


def test_default_invite_role_is_supporter(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    query = "mutation($id: ID!) { createCircleInvite(circleId: $id) { role } }"
    data = ok(server.gql(query, {"id": circle["id"]}, token=coord.token))
    assert data["createCircleInvite"]["role"] == "SUPPORTER"


def test_join_and_become_active(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    kim = member(server)
    joined = ok(join(server, kim, invite(server, coord, circle["id"]), "Kim"))["joinCircle"]
    assert joined["myRole"] == "SUPPORTER" and joined["status"] == "FORMING"
    names = {(m["displayName"], m["role"], m["isMe"]) for m in joined["members"]}
    assert names == {("Alex", "FACILITATOR", False), ("Kim", "SUPPORTER", True)}
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_ACTIVE) == 0
    add_member(server, kim, circle["id"], "FOCUS", "Sam")  # any member invites
    seen = ok(server.gql(CIRCLE, {"id": circle["id"]}, token=kim.token))["circle"]
    assert seen["status"] == "ACTIVE"
    assert len(seen["members"]) == 3
    assert seen["members"][0]["role"] == "FACILITATOR"
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_FORMING) == 0
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_ACTIVE) == 1
    # Member ids are local: nobody sees a pseudonym, and ids differ between circles.
    other = form(server, kim, nbh, role="SUPPORTER", name="Kim")
    assert other["members"][0]["id"] not in {m["id"] for m in seen["members"]}


def test_a_focus_formed_circle_is_active_with_one_more(server: LiveServer, nbh: str) -> None:
    sam = member(server)
    circle = form(server, sam, nbh, role="FOCUS", name="Sam")
    add_member(server, sam, circle["id"])
    seen = ok(server.gql(CIRCLE, {"id": circle["id"]}, token=sam.token))["circle"]
    assert seen["status"] == "ACTIVE"


def test_used_expired_and_unknown_codes_answer_alike(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    used = invite(server, coord, circle["id"])
    ok(join(server, member(server), used))
    expired = invite(server, coord, circle["id"])
    stranger = member(server)
    answers = [join(server, stranger, used), join(server, stranger, "x" * 32)]
    answers.append(join(server, stranger, ""))
    answers.append(join(server, stranger, "y" * 500))
    server.clock.set(server.clock.today() + dt.timedelta(days=7))
    try:
        answers.append(join(server, stranger, expired))
    finally:
        server.clock.set(None)
    assert {a.status for a in answers} == {200}
    assert all(a.codes == ["INVITE_INVALID"] for a in answers)
    assert all(a.body == answers[0].body for a in answers)
    # The day before expiresOn a code still works (expired ones are forgotten when seen).
    expiring = invite(server, coord, circle["id"])
    server.clock.set(server.clock.today() + dt.timedelta(days=6))
    try:
        ok(join(server, stranger, expiring))
    finally:
        server.clock.set(None)


def test_bad_display_name_uses_nothing(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    code = invite(server, coord, circle["id"])
    kim = member(server)
    assert join(server, kim, code, "").codes == ["BAD_USER_INPUT"]
    assert join(server, kim, code, "n" * 61).codes == ["BAD_USER_INPUT"]
    ok(join(server, kim, code, "Kim"))


def test_joining_twice_keeps_the_code(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    kim = add_member(server, coord, circle["id"])
    code = invite(server, coord, circle["id"])
    assert join(server, kim, code).codes == ["INVALID_TRANSITION"]
    assert join(server, coord, code).codes == ["INVALID_TRANSITION"]
    ok(join(server, member(server), code))


def test_one_focus_member(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    first = invite(server, coord, circle["id"], "FOCUS")
    second = invite(server, coord, circle["id"], "FOCUS")
    ok(join(server, member(server), first))
    assert join(server, member(server), second).codes == ["INVALID_TRANSITION"]
    resp = server.gql(INVITE, {"id": circle["id"], "role": "FOCUS"}, token=coord.token)
    assert resp.codes == ["INVALID_TRANSITION"]


def test_facilitator_invite_hands_over(server: LiveServer, nbh: str) -> None:
    old = coordinator(server, nbh)
    circle = form(server, old, nbh)
    kim = add_member(server, old, circle["id"])
    resp = server.gql(INVITE, {"id": circle["id"], "role": "FACILITATOR"}, token=kim.token)
    assert resp.codes == ["FORBIDDEN"]
    code = invite(server, old, circle["id"], "FACILITATOR")
    # Not a coordinator, or a coordinator elsewhere: refused like an unknown code, and kept.
    assert join(server, member(server), code).codes == ["INVITE_INVALID"]
    assert join(server, coordinator(server, "elsewhere"), code).codes == ["INVITE_INVALID"]
    new = coordinator(server, nbh)
    joined = ok(join(server, new, code, "Robin"))["joinCircle"]
    assert joined["myRole"] == "FACILITATOR"
    roles = sorted((m["displayName"], m["role"]) for m in joined["members"])
    assert roles == [("Kim", "SUPPORTER"), ("Robin", "FACILITATOR")]
    assert server.gql(CIRCLE, {"id": circle["id"]}, token=old.token).codes == ["NOT_FOUND"]
    assert action_count(server, nbh, new) == 1
    count = server.sql(f"SELECT member_count FROM cip_circle WHERE id = '{circle['id']}'")
    assert count[0][0] == 1


def test_eight_members_at_most(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    codes = [invite(server, coord, circle["id"]) for _ in range(9)]
    for code in codes[:8]:
        ok(join(server, member(server), code))
    assert join(server, member(server), codes[8]).codes == ["CIRCLE_FULL"]
    resp = server.gql(INVITE, {"id": circle["id"], "role": "SUPPORTER"}, token=coord.token)
    assert resp.codes == ["CIRCLE_FULL"]
    # Facilitation is not a place: it can still be handed over.
    ok(join(server, coordinator(server, nbh), invite(server, coord, circle["id"], "FACILITATOR")))
    count = server.sql(f"SELECT COUNT(*) FROM cip_circle_member WHERE circle_id = '{circle['id']}'")
    assert count[0][0] == 9  # 8 members and the new facilitator


def test_a_focus_formed_circle_holds_seven_more(server: LiveServer, nbh: str) -> None:
    sam = member(server)
    circle = form(server, sam, nbh, role="FOCUS")
    for _ in range(7):
        add_member(server, sam, circle["id"])
    resp = server.gql(INVITE, {"id": circle["id"], "role": "SUPPORTER"}, token=sam.token)
    assert resp.codes == ["CIRCLE_FULL"]
