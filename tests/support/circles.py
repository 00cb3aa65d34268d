"""Support circles made through the GraphQL API: the operations and the factories."""

from __future__ import annotations

from typing import Any

from tests.support.client import GraphQLResponse
from tests.support.people import Person, member, ok
from tests.support.servers import Service

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


def form(
    server: Service,
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


def invite(server: Service, who: Person, circle_id: str, role: str = "SUPPORTER") -> str:
    data = ok(server.gql(INVITE, {"id": circle_id, "role": role}, token=who.token))
    return str(data["createCircleInvite"]["code"])


def join(server: Service, who: Person, code: str, name: str = "Kim") -> GraphQLResponse:
    return server.gql(JOIN, {"code": code, "name": name}, token=who.token)


def add_member(
    server: Service, inviter: Person, circle_id: str, role: str = "SUPPORTER", name: str = "Kim"
) -> Person:
    person = member(server)
    ok(join(server, person, invite(server, inviter, circle_id, role), name))
    return person
