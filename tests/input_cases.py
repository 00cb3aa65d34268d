"""The table of every argument a caller types: which input rule (resolvers/input_rules.py) it
takes, the values that break each rule, and what each answers.

tests/test_input_table.py walks the built schema: every String or ID argument (at any depth of
an input type) must have a row here, and every row must still name an argument, so a new
argument without a known rule fails. Limits come from the code's own constants; a display name
is input_rules.DISPLAY_NAME_MAX wherever it is taken.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from resolvers import input_rules, local_commons
from resolvers.asks_holds import asks
from resolvers.circles import rules as circle_rules
from resolvers.repair import threads
from resolvers.support import peers, resources
from tests.support import GraphQLResponse, LiveServer


@dataclass(frozen=True)
class Rule:
    kind: str  # text, neighborhood, id, code or sealed
    limit: int = 0
    blank_is_none: bool = False  # optional text where blank means not given


def TEXT(limit: int) -> Rule:
    return Rule("text", limit)


NAME = TEXT(input_rules.DISPLAY_NAME_MAX)
NBH = Rule("neighborhood", input_rules.NEIGHBORHOOD_MAX)
ID = Rule("id")
CODE = Rule("code", input_rules.CODE_MAX)
SEALED = Rule("sealed", input_rules.SEALED_NOTE_MAX)

RULES: dict[str, Rule] = {
    # aggregates
    "Query.careCoordinationView.neighborhood": NBH,
    "Query.careSignals.neighborhoods": NBH,
    "Query.careWeeks.neighborhood": NBH,
    # coordinator support
    "Mutation.postToPeerChannel.body": TEXT(peers.MAX_BODY),
    "Query.resources.neighborhood": NBH,
    "Mutation.addResource.input.name": TEXT(resources.NAME_MAX),
    "Mutation.addResource.input.contact": TEXT(resources.CONTACT_MAX),
    "Mutation.addResource.input.description": Rule("text", resources.DESCRIPTION_MAX, True),
    "Mutation.addResource.input.neighborhood": NBH,
    "Mutation.removeResource.id": ID,
    # asks and holds
    "Query.supportAsks.neighborhood": NBH,
    "Mutation.askForSupport.neighborhood": NBH,
    "Mutation.askForSupport.note": TEXT(asks.ASK_NOTE_MAX),
    "Mutation.withdrawSupportAsk.id": ID,
    "Mutation.takeSupportAsk.id": ID,
    "Mutation.takeSupportAsk.sealedNote": SEALED,
    "Mutation.openCareHold.neighborhood": NBH,
    "Mutation.openCareHold.sealedNote": SEALED,
    "Mutation.transferCareHold.id": ID,
    "Mutation.acceptCareHold.code": CODE,
    "Mutation.closeCareHold.id": ID,
    # repair threads
    "Query.repairThread.id": ID,
    "Mutation.openRepairThread.input.neighborhood": NBH,
    "Mutation.openRepairThread.input.displayName": NAME,
    "Mutation.createRepairInvite.threadId": ID,
    "Mutation.joinRepairThread.code": CODE,
    "Mutation.joinRepairThread.displayName": NAME,
    "Mutation.addRepairEntry.threadId": ID,
    "Mutation.addRepairEntry.body": TEXT(threads.ENTRY_BODY_MAX),
    "Mutation.proposeRepairAdvance.threadId": ID,
    "Mutation.confirmRepairAdvance.threadId": ID,
    "Mutation.pauseRepairThread.threadId": ID,
    "Mutation.resumeRepairThread.threadId": ID,
    "Mutation.closeRepairThread.threadId": ID,
    # Local Commons
    "Mutation.requestLocalCommonsHelp.circleId": ID,
    "Mutation.requestLocalCommonsHelp.input.title": TEXT(local_commons.TITLE_MAX),
    "Mutation.requestLocalCommonsHelp.input.details": TEXT(local_commons.DETAILS_MAX),
    "Mutation.raiseStewardAlert.neighborhood": NBH,
    # circles
    "Query.circle.id": ID,
    "Mutation.formCircle.input.neighborhood": NBH,
    "Mutation.formCircle.input.focus": TEXT(circle_rules.FOCUS_MAX),
    "Mutation.formCircle.input.displayName": NAME,
    "Mutation.formCircle.input.fromHold": ID,
    "Mutation.createCircleInvite.circleId": ID,
    "Mutation.joinCircle.code": CODE,
    "Mutation.joinCircle.displayName": NAME,
    "Mutation.leaveCircle.circleId": ID,
    "Mutation.postCircleUpdate.circleId": ID,
    "Mutation.postCircleUpdate.body": TEXT(circle_rules.UPDATE_MAX),
    "Mutation.setCircleRhythm.circleId": ID,
    "Mutation.setCircleRhythm.rhythm": TEXT(circle_rules.RHYTHM_MAX),
    "Mutation.addRotaSlot.circleId": ID,
    "Mutation.addRotaSlot.task": TEXT(circle_rules.TASK_MAX),
    "Mutation.takeRotaSlot.slotId": ID,
    "Mutation.pauseCircle.circleId": ID,
    "Mutation.resumeCircle.circleId": ID,
    "Mutation.closeCircle.circleId": ID,
}

# What each rule's refusals answer: text that breaks a rule is BAD_USER_INPUT; an id or code
# that cannot be one is answered exactly like a random one.
ANSWER = {
    "text": "BAD_USER_INPUT",
    "neighborhood": "BAD_USER_INPUT",
    "sealed": "BAD_USER_INPUT",
    "id": "NOT_FOUND",
    "code": "INVITE_INVALID",
}

CONTROL = ("\x00", "\x07", "\x1b", "\x7f", "\x85")
SURROGATE = "\ud800"


def refused(rule: Rule) -> list[str]:
    """Values that break the rule, one rule each."""
    if rule.kind == "text":
        over = "x" * (rule.limit + 1)
        blank = [] if rule.blank_is_none else ["", "   ", "\n\t"]
        return [*blank, over, *(f"a{c}b" for c in CONTROL), f"a{SURROGATE}b"]
    if rule.kind == "neighborhood":
        over = "x" * (rule.limit + 1)
        odd = ("elm street", " elm", "elm\n", "elm\u00a0", "elm\u200b", f"elm{SURROGATE}")
        return ["", over, *odd, *(f"elm{c}" for c in CONTROL)]
    if rule.kind == "id":
        some = uuid.uuid4()
        return [
            "",
            "not-an-id",
            some.hex,
            "{" + str(some) + "}",
            f" {some} ",
            "٠" * 8 + str(some)[8:],
            str(some)[:-1] + SURROGATE,
        ]
    if rule.kind == "code":
        over = "x" * (rule.limit + 1)
        return ["", "   ", over, "ab cd", "a\x00b", f"a{SURROGATE}"]
    assert rule.kind == "sealed"
    return ["x" * (rule.limit + 1), f"note{SURROGATE}"]


def passing(rule: Rule, nbh: str) -> str | None:
    """A value at the rule's edge that it lets through (None: nothing to show for the kind)."""
    if rule.kind == "text":
        return " \n" + "x" * rule.limit + "\t "  # trimmed before it is measured
    if rule.kind == "neighborhood":
        return (nbh + "-" + "x" * rule.limit)[: rule.limit]
    if rule.kind == "sealed":
        opaque = " {not json \x00 "  # never trimmed or read
        return opaque + "x" * (rule.limit - len(opaque))
    return None


def baseline(rule: Rule, nbh: str) -> str:
    """A good value for an argument while another one is under test."""
    return {
        "text": "ok",
        "neighborhood": nbh,
        "id": str(uuid.uuid4()),
        "code": "A" * 32,
        "sealed": "v1:sealed",
    }[rule.kind]


# Good values of the arguments no input rule covers (GraphQL types them), by name.
TYPED: dict[str, Any] = {"windowDays": 30, "weeks": 4, "first": 10, "hasSupport": True}
# Where the first enum value would stop the call before the argument under test is read.
OVERRIDES: dict[str, dict[str, Any]] = {
    # A circle formed from a hold is formed as its facilitator.
    "Mutation.formCircle": {"input.role": "FACILITATOR"},
    # A resource of the test's own neighbourhood, not a global one other tests would list.
    "Mutation.addResource": {"input.neighborhood": "{nbh}"},
}


def post(server: LiveServer, query: str, variables: dict[str, Any], token: str) -> GraphQLResponse:
    """POST with the JSON ASCII-escaped, so that a lone surrogate reaches the server as JSON
    allows (httpx's own encoder cannot send one)."""
    body = json.dumps({"query": query, "variables": variables})
    resp = server.client.post(
        "/graphql",
        content=body.encode("ascii"),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    return GraphQLResponse(resp.status_code, resp.json())
