"""Test factories for support circles, driven through the GraphQL API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from auth.viewer import COORDINATOR
from models.pseudonym import pseudonym
from tests.support import GraphQLResponse, LiveServer

CIRCLE_FIELDS = """
  id neighborhood focus status myRole rhythm formedOn
  members { id displayName role isMe }
"""

FORM = f"""
mutation($input: FormCircleInput!) {{ formCircle(input: $input) {{ {CIRCLE_FIELDS} }} }}
"""
INVITE = """
mutation($id: ID!, $role: CircleRole!) {
  createCircleInvite(circleId: $id, role: $role) { code role expiresOn }
}
"""
JOIN = f"""
mutation($code: String!, $name: String!) {{
  joinCircle(code: $code, displayName: $name) {{ {CIRCLE_FIELDS} }}
}}
"""
CIRCLE = f"query($id: ID!) {{ circle(id: $id) {{ {CIRCLE_FIELDS} }} }}"
LEAVE = "mutation($id: ID!) { leaveCircle(circleId: $id) }"
CLOSE = "mutation($id: ID!) { closeCircle(circleId: $id) }"
PAUSE = "mutation($id: ID!) { pauseCircle(circleId: $id) { id status } }"
RESUME = "mutation($id: ID!) { resumeCircle(circleId: $id) { id status } }"
POST = """
mutation($id: ID!, $body: String!) {
  postCircleUpdate(circleId: $id, body: $body) {
    id body postedOn expiresOn author { id displayName isMe }
  }
}
"""
RHYTHM = "mutation($id: ID!, $r: String) { setCircleRhythm(circleId: $id, rhythm: $r) { rhythm } }"
ADD_SLOT = """
mutation($id: ID!, $on: Date!, $task: String!) {
  addRotaSlot(circleId: $id, on: $on, task: $task) { id on task holder { id } }
}
"""
TAKE_SLOT = """
mutation($id: ID!) { takeRotaSlot(slotId: $id) { id on task holder { displayName isMe } } }
"""
UPDATES = """
query($id: ID!, $first: Int! = 20) {
  circle(id: $id) { updates(first: $first) { id body postedOn expiresOn author { displayName } } }
}
"""
ROTA = """
query($id: ID!, $from: Date, $to: Date) {
  circle(id: $id) { rota(from: $from, to: $to) { id on task holder { displayName isMe } } }
}
"""


def fresh(prefix: str = "m") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Person:
    sub: str
    token: str


def member(server: LiveServer) -> Person:
    sub = fresh("member")
    return Person(sub, server.token(sub))


def coordinator(server: LiveServer, nbh: str) -> Person:
    sub = fresh("coord")
    return Person(sub, server.token(sub, scopes=[COORDINATOR], nbh=[nbh]))


def subject_of(server: LiveServer, sub: str) -> str:
    return pseudonym(server.settings.pseudonym_key, server.settings.jwt_issuer, sub)


def ok(resp: GraphQLResponse) -> Any:
    assert resp.status == 200, resp.body
    assert resp.errors == [], resp.errors
    return resp.data


def form(
    server: LiveServer,
    who: Person,
    nbh: str,
    role: str = "FACILITATOR",
    focus: str = "Holding Sam through a hard winter",
    name: str = "Alex",
    from_hold: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "neighborhood": nbh,
        "focus": focus,
        "displayName": name,
        "role": role,
    }
    if from_hold is not None:
        payload["fromHold"] = from_hold
    return dict(ok(server.gql(FORM, {"input": payload}, token=who.token))["formCircle"])


def invite(server: LiveServer, who: Person, circle_id: str, role: str = "SUPPORTER") -> str:
    data = ok(server.gql(INVITE, {"id": circle_id, "role": role}, token=who.token))
    return str(data["createCircleInvite"]["code"])


def join(server: LiveServer, who: Person, code: str, name: str = "Kim") -> GraphQLResponse:
    return server.gql(JOIN, {"code": code, "name": name}, token=who.token)


def add_member(
    server: LiveServer, inviter: Person, circle_id: str, role: str = "SUPPORTER", name: str = "Kim"
) -> Person:
    person = member(server)
    ok(join(server, person, invite(server, inviter, circle_id, role), name))
    return person


def metric_sum(server: LiveServer, nbh: str, metric: str) -> int:
    rows = server.sql(
        "SELECT COALESCE(SUM(value), 0) FROM cip_aggregate_count "
        f"WHERE neighborhood = '{nbh}' AND metric = '{metric}'"
    )
    return int(rows[0][0])


def actions(server: LiveServer, nbh: str, who: Person) -> int:
    rows = server.sql(
        "SELECT COALESCE(SUM(actions), 0) FROM cip_coordinator_week "
        f"WHERE neighborhood = '{nbh}' AND coordinator = '{subject_of(server, who.sub)}'"
    )
    return int(rows[0][0])
