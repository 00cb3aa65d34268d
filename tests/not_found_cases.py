"""The table of every operation that takes an object's id or code, with the callers who must not
be able to tell that object from a random id or code.

A case names the object kind, the root field, the operation, how to fill its variables from an
id or code, and the outsiders: (caller label, key of the real id or code in the world, the one
code both answers must carry). The random twin of each call is the same operation by the same
caller with a fresh random id or code. Peer posts have no operation that takes their id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.not_found_world import World, random_code, random_id

Vars = Callable[[str, World], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    kind: str
    field: str  # the root field, "Query.x" or "Mutation.x"
    query: str
    vars: Vars
    outsiders: tuple[tuple[str, str, str], ...]  # (caller, world id key, expected code)
    takes: str = "id"  # "id" or "code": what the random twin replaces

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.field}"

    def random(self) -> str:
        return random_code() if self.takes == "code" else random_id()


def by_id(name: str = "id") -> Vars:
    return lambda value, _w: {name: value}


def NF(*callers: str, key: str) -> tuple[tuple[str, str, str], ...]:
    return tuple((c, key, "NOT_FOUND") for c in callers)


CIRCLE_OUTSIDERS = NF("member", "coord_here", "coord_all", "former", key="circle")
THREAD_OUTSIDERS = NF("member", "coord_here", "coord_all", "coord_elsewhere", key="thread")
HOLD_OUTSIDERS = (
    *NF("coord_here", "coord_all", "coord_elsewhere", "holder_elsewhere", key="hold"),
    ("former_holder", "moved_hold", "NOT_FOUND"),
    ("member", "hold", "FORBIDDEN"),  # the role check comes before any lookup
)
# For codes the outsiders are callers the code cannot serve and codes that are dead: spent,
# or belonging to a closed object. Each answers exactly like a code nobody ever made.
CIRCLE_CODE_OUTSIDERS = (
    ("member", "circle_facilitator_code", "INVITE_INVALID"),
    ("coord_elsewhere", "circle_facilitator_code", "INVITE_INVALID"),
    ("anyone", "circle_spent_code", "INVITE_INVALID"),
    ("anyone", "circle_closed_code", "INVITE_INVALID"),
)
TRANSFER_CODE_OUTSIDERS = (
    ("holder", "transfer_code", "INVITE_INVALID"),
    ("coord_elsewhere", "transfer_code", "INVITE_INVALID"),
    ("member", "transfer_code", "FORBIDDEN"),
    ("coord_joiner", "transfer_spent_code", "INVITE_INVALID"),
    ("coord_joiner", "transfer_closed_code", "INVITE_INVALID"),
)
REPAIR_CODE_OUTSIDERS = (
    ("member", "repair_facilitator_code", "INVITE_INVALID"),
    ("coord_elsewhere", "repair_facilitator_code", "INVITE_INVALID"),
    ("anyone", "repair_spent_code", "INVITE_INVALID"),
    ("anyone", "repair_closed_code", "INVITE_INVALID"),
)

CIRCLE_FIELDS = "id neighborhood focus status myRole rhythm formedOn members { displayName }"
THREAD_FIELDS = "id stage myRole paused parties { role displayName }"
HOLD_FIELDS = "id neighborhood status openedOn daysOpen sealedNote"


def _form_from(hold: str, w: World) -> dict[str, Any]:
    return {
        "input": {
            "neighborhood": w.nbh,
            "focus": "Sam",
            "displayName": "Alex",
            "role": "FACILITATOR",
            "fromHold": hold,
        }
    }


CASES: tuple[Case, ...] = (
    # ------------------------------------------------------------------ circles
    Case(
        "circle",
        "Query.circle",
        f"query($id: ID!) {{ circle(id: $id) {{ {CIRCLE_FIELDS} }} }}",
        by_id(),
        CIRCLE_OUTSIDERS,
    ),
    Case(
        "circle",
        "Mutation.createCircleInvite",
        "mutation($id: ID!) { createCircleInvite(circleId: $id) { code role expiresOn } }",
        by_id(),
        CIRCLE_OUTSIDERS,
    ),
    Case(
        "circle",
        "Mutation.createCircleInvite(FACILITATOR)",
        """mutation($id: ID!) {
          createCircleInvite(circleId: $id, role: FACILITATOR) { code } }""",
        by_id(),
        CIRCLE_OUTSIDERS,
    ),
    Case(
        "circle",
        "Mutation.leaveCircle",
        "mutation($id: ID!) { leaveCircle(circleId: $id) }",
        by_id(),
        CIRCLE_OUTSIDERS,
    ),
    Case(
        "circle",
        "Mutation.postCircleUpdate",
        """mutation($id: ID!) {
          postCircleUpdate(circleId: $id, body: "hello") { id body postedOn } }""",
        by_id(),
        CIRCLE_OUTSIDERS,
    ),
    Case(
        "circle",
        "Mutation.setCircleRhythm",
        """mutation($id: ID!) { setCircleRhythm(circleId: $id, rhythm: "weekly") { id } }""",
        by_id(),
        CIRCLE_OUTSIDERS,
    ),
    Case(
        "circle",
        "Mutation.addRotaSlot",
        """mutation($id: ID!, $on: Date!) {
          addRotaSlot(circleId: $id, on: $on, task: "meal") { id task } }""",
        lambda v, w: {"id": v, "on": w.ids["today"]},
        CIRCLE_OUTSIDERS,
    ),
    Case(
        "circle",
        "Mutation.pauseCircle",
        "mutation($id: ID!) { pauseCircle(circleId: $id) { id status } }",
        by_id(),
        CIRCLE_OUTSIDERS,
    ),
    Case(
        "circle",
        "Mutation.resumeCircle",
        "mutation($id: ID!) { resumeCircle(circleId: $id) { id status } }",
        by_id(),
        CIRCLE_OUTSIDERS,
    ),
    Case(
        "circle",
        "Mutation.closeCircle",
        "mutation($id: ID!) { closeCircle(circleId: $id) }",
        by_id(),
        CIRCLE_OUTSIDERS,
    ),
    Case(
        "circle",
        "Mutation.requestLocalCommonsHelp",
        """mutation($id: ID!) {
          requestLocalCommonsHelp(circleId: $id, input: {title: "Boxes", details: "Saturday"}) {
            forwarded localCommonsReference } }""",
        by_id(),
        CIRCLE_OUTSIDERS,
    ),
    Case(
        "circle",
        "Mutation.takeRotaSlot",
        "mutation($id: ID!) { takeRotaSlot(slotId: $id) { id on task } }",
        by_id(),
        NF("member", "coord_here", "coord_all", "former", key="slot"),
    ),
    Case(
        "circle invite code",
        "Mutation.joinCircle",
        """mutation($code: String!) {
          joinCircle(code: $code, displayName: "Robin") { id myRole } }""",
        by_id("code"),
        CIRCLE_CODE_OUTSIDERS,
        takes="code",
    ),
    # ------------------------------------------------------------------ asks
    Case(
        "ask",
        "Mutation.withdrawSupportAsk",
        "mutation($id: ID!) { withdrawSupportAsk(id: $id) }",
        by_id(),
        NF("member", "coord_here", "coord_all", key="ask"),
    ),
    Case(
        "ask",
        "Mutation.takeSupportAsk",
        f"mutation($id: ID!) {{ takeSupportAsk(id: $id) {{ {HOLD_FIELDS} }} }}",
        by_id(),
        (
            ("coord_elsewhere", "ask", "NOT_FOUND"),
            ("member", "ask", "FORBIDDEN"),
            ("asker", "ask", "FORBIDDEN"),
        ),
    ),
    # ------------------------------------------------------------------ holds
    Case(
        "hold",
        "Mutation.transferCareHold",
        "mutation($id: ID!) { transferCareHold(id: $id) { code expiresOn } }",
        by_id(),
        HOLD_OUTSIDERS,
    ),
    Case(
        "hold",
        "Mutation.closeCareHold",
        "mutation($id: ID!) { closeCareHold(id: $id) }",
        by_id(),
        HOLD_OUTSIDERS,
    ),
    Case(
        "hold",
        "Mutation.formCircle(fromHold)",
        f"""mutation($input: FormCircleInput!) {{
          formCircle(input: $input) {{ {CIRCLE_FIELDS} }} }}""",
        _form_from,
        (
            *NF("coord_here", "coord_all", key="hold"),
            ("former_holder", "moved_hold", "NOT_FOUND"),
            # Forming names the neighbourhood, which this token does not coordinate.
            ("holder_elsewhere", "hold", "FORBIDDEN"),
        ),
    ),
    Case(
        "hold transfer code",
        "Mutation.acceptCareHold",
        f"mutation($c: String!) {{ acceptCareHold(code: $c) {{ {HOLD_FIELDS} }} }}",
        by_id("c"),
        TRANSFER_CODE_OUTSIDERS,
        takes="code",
    ),
    # ------------------------------------------------------------------ repair threads
    Case(
        "repair thread",
        "Query.repairThread",
        f"query($t: ID!) {{ repairThread(id: $t) {{ {THREAD_FIELDS} entries {{ body }} }} }}",
        by_id("t"),
        THREAD_OUTSIDERS,
    ),
    Case(
        "repair thread",
        "Mutation.createRepairInvite",
        """mutation($t: ID!) {
          createRepairInvite(threadId: $t, role: FACILITATOR) { code role expiresOn } }""",
        by_id("t"),
        THREAD_OUTSIDERS,
    ),
    Case(
        "repair thread",
        "Mutation.addRepairEntry",
        """mutation($t: ID!) { addRepairEntry(threadId: $t, body: "it hurt") { id body } }""",
        by_id("t"),
        THREAD_OUTSIDERS,
    ),
    Case(
        "repair thread",
        "Mutation.proposeRepairAdvance",
        f"mutation($t: ID!) {{ proposeRepairAdvance(threadId: $t) {{ {THREAD_FIELDS} }} }}",
        by_id("t"),
        THREAD_OUTSIDERS,
    ),
    Case(
        "repair thread",
        "Mutation.confirmRepairAdvance",
        f"mutation($t: ID!) {{ confirmRepairAdvance(threadId: $t) {{ {THREAD_FIELDS} }} }}",
        by_id("t"),
        THREAD_OUTSIDERS,
    ),
    Case(
        "repair thread",
        "Mutation.pauseRepairThread",
        f"mutation($t: ID!) {{ pauseRepairThread(threadId: $t) {{ {THREAD_FIELDS} }} }}",
        by_id("t"),
        THREAD_OUTSIDERS,
    ),
    Case(
        "repair thread",
        "Mutation.resumeRepairThread",
        f"mutation($t: ID!) {{ resumeRepairThread(threadId: $t) {{ {THREAD_FIELDS} }} }}",
        by_id("t"),
        THREAD_OUTSIDERS,
    ),
    Case(
        "repair thread",
        "Mutation.closeRepairThread",
        """mutation($t: ID!) {
          closeRepairThread(threadId: $t, closure: ESCALATED, route: GOVERNANCE) {
            closure route resources { id } } }""",
        by_id("t"),
        THREAD_OUTSIDERS,
    ),
    Case(
        "repair invite code",
        "Mutation.joinRepairThread",
        f"""mutation($c: String!) {{
          joinRepairThread(code: $c, displayName: "Fay") {{ {THREAD_FIELDS} }} }}""",
        by_id("c"),
        REPAIR_CODE_OUTSIDERS,
        takes="code",
    ),
    # ------------------------------------------------------------------ resources
    Case(
        "resource",
        "Mutation.removeResource",
        "mutation($id: ID!) { removeResource(id: $id) }",
        by_id(),
        (
            ("coord_elsewhere", "resource", "NOT_FOUND"),
            ("coord_here", "global_resource", "NOT_FOUND"),
            ("member", "resource", "FORBIDDEN"),
        ),
    ),
)

KINDS: tuple[str, ...] = tuple(dict.fromkeys(c.kind for c in CASES))

# Root fields (and input paths) of the schema that take an object's id or code, as the schema
# test finds them; every one must have a case above. Neighbourhood ids are not object ids.
ID_ARGUMENT_NAMES_IGNORED = frozenset({"neighborhood", "neighborhoods"})
