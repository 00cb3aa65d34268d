"""The fuzzing oracle catches what it is there for (fast, no server)."""

from __future__ import annotations

import json

import pytest

from tests.fuzz.oracle import AGGREGATE_READ, COORDINATOR, Role, problems, root_rules

pytestmark = pytest.mark.unit

RULES = root_rules()
MEMBER = Role("member")
COORD = Role("coordinator", frozenset({COORDINATOR}), frozenset({"n1"}))
AI = Role("ai", frozenset({AGGREGATE_READ}), frozenset({"*"}))
VIEW = (
    '{ careCoordinationView(neighborhood: "n1") { neighborhood openHolds { value suppressed } } }'
)


def answer(data: object, errors: list[object] | None = None) -> str:
    return json.dumps({"data": data, "errors": errors} if errors else {"data": data})


def test_rules_come_from_the_sdl() -> None:
    assert RULES["Query.careScope"].public
    assert RULES["Query.careCoordinationView"].aggregate
    assert RULES["Query.careWeeks"].scope_sets == (
        frozenset({COORDINATOR}),
        frozenset({AGGREGATE_READ}),
    )
    assert RULES["Mutation.askForSupport"].authenticated
    assert not AI.may(RULES["Query.myCircles"]) and AI.may(RULES["Query.careWeeks"])
    assert not MEMBER.may(RULES["Query.careWeeks"]) and MEMBER.may(RULES["Query.myCircles"])


def test_server_errors_traces_and_unknown_codes() -> None:
    assert problems(MEMBER, "{ careScope { isNot } }", 500, "oops", RULES) == [
        "HTTP 500",
        "body is not JSON",
    ]
    echoed = answer({"openCareHold": {"sealedNote": "asyncpg://"}})
    assert problems(COORD, "mutation { openCareHold { id } }", 200, echoed, RULES) == []
    trace = answer(None, [{"message": 'Traceback: File "/x.py"', "extensions": {"code": "X"}}])
    found = problems(MEMBER, "{ myCircles { id } }", 200, trace, RULES)
    assert "error code 'X' is not in the contract" in found
    assert any("Traceback" in p for p in found)
    internal = answer(None, [{"message": "m", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}])
    assert problems(MEMBER, "{ myCircles { id } }", 200, internal, RULES) == [
        "INTERNAL_SERVER_ERROR"
    ]


def test_roles_never_get_what_they_may_not_see() -> None:
    view = {"careCoordinationView": {"neighborhood": "n1", "openHolds": {"value": 7}}}
    assert problems(MEMBER, VIEW, 200, answer(view), RULES) == [
        "member got a value for Query.careCoordinationView"
    ]
    assert problems(COORD, VIEW, 200, answer(view), RULES) == []
    mine = "{ myCircles { id } }"
    assert problems(AI, mine, 200, answer({"myCircles": []}), RULES) == [
        "ai got a value for Query.myCircles"
    ]
    assert problems(AI, mine, 200, answer({"myCircles": None}), RULES) == []


def test_aggregate_values_follow_the_caller_class() -> None:
    weeks = '{ careWeeks(neighborhood: "n2") { neighborhood openHolds { value suppressed } } }'
    elsewhere = {"careWeeks": [{"neighborhood": "n2", "openHolds": {"value": 10}}]}
    assert problems(COORD, weeks, 200, answer(elsewhere), RULES) == [
        "Query.careWeeks: coordinator got neighbourhood 'n2' its token does not act for"
    ]
    small = {"careWeeks": [{"neighborhood": "n2", "openHolds": {"value": 7}}]}
    assert problems(AI, weeks, 200, answer(small), RULES) == [
        "Query.careWeeks: ai got an unrounded count 7"
    ]
    leak = {"careWeeks": [{"neighborhood": "n2", "openHolds": {"value": 3, "suppressed": True}}]}
    assert "Query.careWeeks: a suppressed count carries a value" in problems(
        AI, weeks, 200, answer(leak), RULES
    )
