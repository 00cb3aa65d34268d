"""One neighbourhood with one object of every kind that an operation takes by id or code, the
people around it, and a snapshot of everything those objects are, to prove refusals wrote
nothing. Used by the uniform not-found tests (tests/test_uniform_not_found.py)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from auth.viewer import COORDINATOR
from tests.support import GraphQLResponse, Service


def _ok(resp: GraphQLResponse) -> Any:
    assert resp.status == 200 and resp.errors == [], resp.body
    return resp.data


def random_id() -> str:
    return str(uuid.uuid4())


def random_code() -> str:
    """Shaped like a real code (see resolvers/one_time_codes.py), known to nobody."""
    return secrets.token_urlsafe(24)


@dataclass
class World:
    """Ids, codes and tokens of one neighbourhood; ``tokens`` maps a caller label to a token."""

    nbh: str
    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def _token(server: Service, label: str, scopes: list[str] | None, nbh: list[str]) -> str:
    return server.token(f"{label}-{uuid.uuid4().hex[:10]}", scopes=scopes, nbh=nbh)


FORM = """mutation($input: FormCircleInput!) { formCircle(input: $input) { id } }"""
CIRCLE_INVITE = """mutation($id: ID!, $role: CircleRole!) {
  createCircleInvite(circleId: $id, role: $role) { code } }"""
JOIN_CIRCLE = """mutation($code: String!, $name: String!) {
  joinCircle(code: $code, displayName: $name) { id } }"""
LEAVE = "mutation($id: ID!) { leaveCircle(circleId: $id) }"
CLOSE_CIRCLE = "mutation($id: ID!) { closeCircle(circleId: $id) }"
ADD_SLOT = """mutation($id: ID!, $on: Date!) {
  addRotaSlot(circleId: $id, on: $on, task: "soup") { id } }"""
ASK = """mutation($n: ID!) { askForSupport(neighborhood: $n, note: "a hard month") { id } }"""
OPEN_HOLD = "mutation($n: ID!) { openCareHold(neighborhood: $n) { id } }"
TRANSFER = "mutation($id: ID!) { transferCareHold(id: $id) { code } }"
ACCEPT = "mutation($c: String!) { acceptCareHold(code: $c) { id } }"
CLOSE_HOLD = "mutation($id: ID!) { closeCareHold(id: $id) }"
OPEN_THREAD = """mutation($n: ID!, $r: RepairRole!) {
  openRepairThread(input: {neighborhood: $n, myRole: $r, displayName: "Ada"}) { id } }"""
REPAIR_INVITE = """mutation($t: ID!, $r: RepairRole!) {
  createRepairInvite(threadId: $t, role: $r) { code } }"""
JOIN_THREAD = """mutation($c: String!) { joinRepairThread(code: $c, displayName: "Ben") { id } }"""
CLOSE_THREAD = """mutation($t: ID!) {
  closeRepairThread(threadId: $t, closure: WITHDRAWN) { closure } }"""
ADD_RESOURCE = """mutation($n: ID) {
  addResource(input: {name: "Tenants' union", kind: HOUSING, contact: "by the library",
                      neighborhood: $n}) { id } }"""


def build(server: Service, nbh: str) -> World:
    """Everything through the API, as members and coordinators would make it."""
    w = World(nbh)
    t = w.tokens
    coord = [COORDINATOR]
    t["facilitator"] = _token(server, "fac", coord, [nbh])
    t["focus"] = _token(server, "focus", None, [])
    t["supporter"] = _token(server, "sup", None, [])
    t["former"] = _token(server, "former", None, [])
    t["member"] = _token(server, "member", None, [])
    t["coord_here"] = _token(server, "coord", coord, [nbh])
    t["coord_all"] = _token(server, "coord-all", coord, ["*"])
    t["coord_elsewhere"] = _token(server, "coord-else", coord, [f"{nbh}-x"])
    t["asker"] = _token(server, "asker", None, [])
    holder_sub = f"holder-{uuid.uuid4().hex[:10]}"
    t["holder"] = server.token(holder_sub, scopes=coord, nbh=[nbh])
    # The holder with a token acting for another neighbourhood: their own hold stays hidden.
    t["holder_elsewhere"] = server.token(holder_sub, scopes=coord, nbh=[f"{nbh}-x"])
    t["former_holder"] = _token(server, "old-holder", coord, [nbh])
    t["harmed"] = _token(server, "harmed", None, [])
    t["responsible"] = _token(server, "resp", None, [])
    t["anyone"] = _token(server, "anyone", None, [])  # a would-be joiner holding a dead code
    t["coord_joiner"] = _token(server, "coord-join", coord, [nbh])
    today = server.clock.today().isoformat()
    w.ids["today"] = today

    def call(query: str, token: str, **variables: Any) -> Any:
        return _ok(server.gql(query, variables, token=token))

    circle_input = {
        "neighborhood": nbh,
        "focus": "Sam",
        "displayName": "Alex",
        "role": "FACILITATOR",
    }
    cid = call(FORM, t["facilitator"], input=circle_input)["formCircle"]["id"]
    w.ids["circle"] = cid
    for who, role in (("focus", "FOCUS"), ("supporter", "SUPPORTER"), ("former", "SUPPORTER")):
        code = call(CIRCLE_INVITE, t["facilitator"], id=cid, role=role)["createCircleInvite"]
        call(JOIN_CIRCLE, t[who], code=code["code"], name=who)
    call(LEAVE, t["former"], id=cid)
    w.ids["slot"] = call(ADD_SLOT, t["focus"], id=cid, on=today)["addRotaSlot"]["id"]
    # A facilitation code: only a coordinator of the neighbourhood can use it.
    w.ids["circle_facilitator_code"] = call(
        CIRCLE_INVITE, t["facilitator"], id=cid, role="FACILITATOR"
    )["createCircleInvite"]["code"]
    spent = call(CIRCLE_INVITE, t["facilitator"], id=cid, role="SUPPORTER")["createCircleInvite"]
    call(JOIN_CIRCLE, _token(server, "joined", None, []), code=spent["code"], name="Jo")
    w.ids["circle_spent_code"] = spent["code"]
    gone = call(FORM, t["facilitator"], input=circle_input)["formCircle"]["id"]
    w.ids["circle_closed_code"] = call(CIRCLE_INVITE, t["facilitator"], id=gone, role="SUPPORTER")[
        "createCircleInvite"
    ]["code"]
    call(CLOSE_CIRCLE, t["facilitator"], id=gone)

    w.ids["ask"] = call(ASK, t["asker"], n=nbh)["askForSupport"]["id"]

    w.ids["hold"] = call(OPEN_HOLD, t["holder"], n=nbh)["openCareHold"]["id"]
    w.ids["transfer_code"] = call(TRANSFER, t["holder"], id=w.ids["hold"])["transferCareHold"][
        "code"
    ]
    moved = call(OPEN_HOLD, t["former_holder"], n=nbh)["openCareHold"]["id"]
    moved_code = call(TRANSFER, t["former_holder"], id=moved)["transferCareHold"]["code"]
    call(ACCEPT, t["coord_here"], c=moved_code)
    w.ids["moved_hold"] = moved  # now coord_here's; former_holder is an outsider to it
    w.ids["transfer_spent_code"] = moved_code
    dropped = call(OPEN_HOLD, t["holder"], n=nbh)["openCareHold"]["id"]
    w.ids["transfer_closed_code"] = call(TRANSFER, t["holder"], id=dropped)["transferCareHold"][
        "code"
    ]
    call(CLOSE_HOLD, t["holder"], id=dropped)

    tid = call(OPEN_THREAD, t["harmed"], n=nbh, r="HARMED_PARTY")["openRepairThread"]["id"]
    w.ids["thread"] = tid
    code = call(REPAIR_INVITE, t["harmed"], t=tid, r="RESPONSIBLE_PARTY")["createRepairInvite"]
    call(JOIN_THREAD, t["responsible"], c=code["code"])
    w.ids["repair_spent_code"] = code["code"]
    w.ids["repair_facilitator_code"] = call(REPAIR_INVITE, t["harmed"], t=tid, r="FACILITATOR")[
        "createRepairInvite"
    ]["code"]
    other = call(OPEN_THREAD, t["harmed"], n=nbh, r="HARMED_PARTY")["openRepairThread"]["id"]
    w.ids["repair_closed_code"] = call(REPAIR_INVITE, t["harmed"], t=other, r="RESPONSIBLE_PARTY")[
        "createRepairInvite"
    ]["code"]
    call(CLOSE_THREAD, t["harmed"], t=other)

    w.ids["resource"] = call(ADD_RESOURCE, t["coord_here"], n=nbh)["addResource"]["id"]
    # A global entry: only coordinators acting for every neighbourhood manage it.
    w.ids["global_resource"] = call(ADD_RESOURCE, t["coord_all"], n=None)["addResource"]["id"]
    return w


def snapshot(server: Service, w: World) -> dict[str, list[tuple[Any, ...]]]:
    """What the world's objects are now; any write by a refused call shows up as a change."""
    n = w.nbh
    circles = f"SELECT id FROM cip_circle WHERE neighborhood = '{n}'"
    holds = f"SELECT id FROM cip_care_hold WHERE neighborhood = '{n}'"
    threads = f"SELECT id FROM cip_repair_thread WHERE neighborhood = '{n}'"
    queries = {
        "circles": "SELECT id, status, member_count, rhythm_sealed IS NULL FROM cip_circle "
        f"WHERE neighborhood = '{n}' ORDER BY id",
        "members": f"SELECT id, role FROM cip_circle_member WHERE circle_id IN ({circles}) "
        "ORDER BY id",
        "updates": f"SELECT COUNT(*) FROM cip_circle_update WHERE circle_id IN ({circles})",
        "slots": f"SELECT id, holder_id FROM cip_rota_slot WHERE circle_id IN ({circles}) "
        "ORDER BY id",
        "circle_invites": "SELECT code_hash FROM cip_circle_invite "
        f"WHERE circle_id IN ({circles}) ORDER BY code_hash",
        "asks": f"SELECT id FROM cip_support_ask WHERE neighborhood = '{n}' ORDER BY id",
        "holds": "SELECT id, status, holder FROM cip_care_hold "
        f"WHERE neighborhood = '{n}' ORDER BY id",
        "transfers": "SELECT code_hash FROM cip_hold_transfer "
        f"WHERE hold_id IN ({holds}) ORDER BY code_hash",
        "threads": "SELECT id, stage, paused, advance_proposed FROM cip_repair_thread "
        f"WHERE neighborhood = '{n}' ORDER BY id",
        "parties": f"SELECT id, role FROM cip_repair_party WHERE thread_id IN ({threads}) "
        "ORDER BY id",
        "entries": f"SELECT COUNT(*) FROM cip_repair_entry WHERE thread_id IN ({threads})",
        "repair_invites": "SELECT code_hash FROM cip_repair_invite "
        f"WHERE thread_id IN ({threads}) ORDER BY code_hash",
        "resources": "SELECT id FROM cip_care_resource "
        f"WHERE id IN ('{w.ids['resource']}', '{w.ids['global_resource']}') ORDER BY id",
        "aggregates": "SELECT metric, SUM(value) FROM cip_aggregate_count "
        f"WHERE neighborhood = '{n}' GROUP BY metric ORDER BY metric",
        "actions": "SELECT COALESCE(SUM(actions), 0) FROM cip_coordinator_week "
        f"WHERE neighborhood = '{n}'",
    }
    return {name: server.sql(sql) for name, sql in queries.items()}
