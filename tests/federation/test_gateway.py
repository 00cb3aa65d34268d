"""End to end through real gateways: the live CIP subgraph and the fake Local Commons composed
into one supergraph, and every case run through each gateway (`every_gateway`): Hive Gateway
verifying JWTs and enforcing @authenticated/@requiresScopes itself (`gateway`), Hive Gateway
enforcing nothing (`open_gateway`), and @apollo/gateway with @apollo/server on the supergraph
`cip check-partition --for apollo-gateway` writes (`apollo_gateway`, enforcing nothing). Where
the gateway does not enforce, CIP refuses by itself: the forbidden requests prove it. The
caller's Authorization header is propagated to both subgraphs.

Adding a case is one function taking the fixtures it needs (`every_gateway`, `server`,
`local_commons`, `nbh`, `sub`); `server.token(...)` mints tokens the gateways accept.
"""

from __future__ import annotations

import json
import logging
import queue
import time
from pathlib import Path
from typing import Any

import pytest
from graphql import DocumentNode, EnumTypeDefinitionNode, parse

from tests import live
from tests.federation.fake_local_commons import FakeLocalCommons
from tests.support import LiveServer, member
from tests.support.circles import POST, add_member, form
from tests.support.gateway import Gateway, HiveGateway

RANDOM_ID = "00000000-0000-4000-8000-000000000000"

CARE_SCOPE = "{ careScope { isNot canHold cannotHold } }"
ALERT = "mutation($n: ID!, $u: Urgency!) { raiseStewardAlert(neighborhood: $n, urgency: $u) }"
MEMBER = 'query { member(id: "m-1") { id displayName } }'
BUILTIN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}
INTROSPECT_TYPES = """{ __schema {
  queryType { name } mutationType { name }
  types { name kind
    fields { name args { type { ...T } } type { ...T } }
    inputFields { type { ...T } }
    interfaces { name } possibleTypes { name } } } }
fragment T on __Type { name ofType { name ofType { name ofType { name ofType { name } } } } }"""


# ---------------------------------------------------------------- helpers
def owners(supergraph: Path) -> dict[str, set[str]]:
    """Type name -> the subgraphs (by join__Graph value) that define it, from the supergraph."""
    doc: DocumentNode = parse(supergraph.read_text())
    result: dict[str, set[str]] = {}
    for node in doc.definitions:
        if isinstance(node, EnumTypeDefinitionNode) and node.name.value == "join__Graph":
            continue
        for directive in getattr(node, "directives", None) or ():
            if directive.name.value == "join__type":
                graph = next(a.value for a in directive.arguments if a.name.value == "graph")
                result.setdefault(node.name.value, set()).add(getattr(graph, "value", ""))
    return result


def root_field_graphs(supergraph: Path) -> dict[tuple[str, str], str]:
    """(root type, field) -> the graph that resolves it."""
    doc = parse(supergraph.read_text())
    result: dict[tuple[str, str], str] = {}
    for node in doc.definitions:
        name = getattr(getattr(node, "name", None), "value", "")
        if name not in ("Query", "Mutation", "Subscription"):
            continue
        # A root type only one subgraph defines (Subscription: CIP's) has no join__field on
        # its fields: they belong to the graph of its one join__type.
        owners_of = [
            getattr(next(a.value for a in d.arguments if a.name.value == "graph"), "value", "")
            for d in getattr(node, "directives", None) or ()
            if d.name.value == "join__type"
        ]
        for field in getattr(node, "fields", None) or ():
            if len(owners_of) == 1:
                result[(name, field.name.value)] = owners_of[0]
            for directive in field.directives or ():
                if directive.name.value == "join__field":
                    graph = next(a.value for a in directive.arguments if a.name.value == "graph")
                    result[(name, field.name.value)] = getattr(graph, "value", "")
    return result


def _named(ref: dict[str, Any]) -> str:
    while ref.get("ofType"):
        ref = ref["ofType"]
    return str(ref["name"])


def reachable(types: dict[str, dict[str, Any]], start: str) -> set[str]:
    """Every type a query can reach from ``start``: fields, arguments, inputs, abstract types."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        t = types[name]
        refs = [f["type"] for f in t.get("fields") or ()]
        refs += [a["type"] for f in t.get("fields") or () for a in f["args"]]
        refs += [f["type"] for f in t.get("inputFields") or ()]
        todo += [_named(r) for r in refs]
        todo += [i["name"] for i in (t.get("interfaces") or ()) + (t.get("possibleTypes") or ())]
    return seen


def introspected_types(gateway: Gateway) -> dict[str, dict[str, Any]]:
    resp = gateway.gql(INTROSPECT_TYPES)
    assert resp.errors == [], resp.errors
    return {t["name"]: t for t in resp.data["__schema"]["types"]}


# ---------------------------------------------------------------- careScope
def test_care_scope_through_the_gateway_is_the_subgraphs_answer(
    every_gateway: Gateway, server: LiveServer, sub: str
) -> None:
    direct = server.gql(CARE_SCOPE)
    anonymous = every_gateway.gql(CARE_SCOPE)
    member = every_gateway.gql(CARE_SCOPE, token=server.token(sub))
    assert anonymous.status == 200 and anonymous.errors == []
    assert anonymous.data == direct.data == member.data


# ---------------------------------------------------------------- the partition
def test_member_cannot_reach_any_cip_field(
    every_gateway: Gateway, supergraph: Path, local_commons: FakeLocalCommons, sub: str
) -> None:
    local_commons.reset()
    resp = every_gateway.gql('{ member(id: "m-1") { id careScope { isNot } } }')
    assert resp.data is None
    assert [e["extensions"]["code"] for e in resp.errors] == ["GRAPHQL_VALIDATION_FAILED"]
    assert 'Cannot query field "careScope" on type "Member"' in resp.errors[0]["message"]
    cip_types = [t for t, g in owners(supergraph).items() if g == {"CIP"}]
    assert cip_types, "the supergraph names no CIP type"
    for cip_type in cip_types:
        query = f'{{ member(id: "m-1") {{ ... on {cip_type} {{ __typename }} }} }}'
        spread = every_gateway.gql(query)
        assert spread.data is None, cip_type
        assert spread.errors and all(
            e["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" for e in spread.errors
        )
    assert local_commons.received == [], "a refused query must not reach Local Commons"


def test_cip_and_local_commons_reach_disjoint_types_through_the_gateway(
    every_gateway: Gateway, supergraph: Path
) -> None:
    types = introspected_types(every_gateway)
    graphs = root_field_graphs(supergraph)
    reach: dict[str, set[str]] = {"CIP": set(), "LOCAL_COMMONS": set()}
    for (root, field_name), graph in graphs.items():
        field = next(f for f in types[root]["fields"] if f["name"] == field_name)
        refs = [field["type"], *(a["type"] for a in field["args"])]
        for ref in refs:
            reach[graph] |= reachable(types, _named(ref))
    assert reach["CIP"] and reach["LOCAL_COMMONS"]
    assert reach["CIP"] & reach["LOCAL_COMMONS"] <= BUILTIN_SCALARS
    cip_types = {t for t, g in owners(supergraph).items() if g == {"CIP"}}
    # Subscription is CIP's alone (live activity): a root type, reached by no field.
    assert cip_types <= reach["CIP"] | {"_Service", "_Any", "Subscription"}


def test_each_root_field_is_resolved_by_one_subgraph(
    supergraph: Path, apollo_supergraph: Path
) -> None:
    for composed in (supergraph, apollo_supergraph):
        graphs = root_field_graphs(composed)
        assert graphs[("Query", "careScope")] == "CIP"
        assert graphs[("Query", "member")] == "LOCAL_COMMONS"
        assert graphs[("Mutation", "raiseStewardAlert")] == "CIP"
        assert graphs[("Mutation", "createStewardAlert")] == "LOCAL_COMMONS"
    assert root_field_graphs(supergraph) == root_field_graphs(apollo_supergraph)


# ---------------------------------------------------------------- tokens and enforcement
def test_the_callers_token_reaches_local_commons_and_nothing_else_of_theirs(
    every_gateway: Gateway, server: LiveServer, local_commons: FakeLocalCommons, sub: str
) -> None:
    local_commons.reset()
    token = server.token(sub)
    resp = every_gateway.gql(MEMBER, token=token)
    assert resp.errors == []
    assert resp.data == {"member": {"id": "m-1", "displayName": "A neighbour"}}
    [received] = local_commons.received
    assert received.headers["authorization"] == f"Bearer {token}"
    assert sub.encode() not in received.body, "the gateway must not copy claims into the body"


def test_a_coordinator_alert_goes_gateway_to_cip_to_local_commons(
    every_gateway: Gateway,
    server: LiveServer,
    local_commons: FakeLocalCommons,
    nbh: str,
    sub: str,
) -> None:
    local_commons.reset()
    token = server.token(sub, scopes=["cip:coordinator"], nbh=[nbh])
    resp = every_gateway.gql(ALERT, {"n": nbh, "u": "NOW"}, token=token)
    assert resp.errors == [] and resp.data == {"raiseStewardAlert": True}
    [received] = local_commons.received  # CIP's call, with the token the gateway passed on
    assert received.headers["authorization"] == f"Bearer {token}"
    assert json.loads(received.body)["variables"] == {
        "input": {"neighborhood": nbh, "urgency": "NOW"}
    }


def codes(resp: Any) -> list[str]:
    return [e["extensions"]["code"] for e in resp.errors]


def test_authenticated_is_enforced_by_the_gateway_or_else_by_cip(
    every_gateway: Gateway, local_commons: FakeLocalCommons, nbh: str
) -> None:
    local_commons.reset()
    resp = every_gateway.gql(ALERT, {"n": nbh, "u": "NOW"})
    if every_gateway.enforces:
        assert resp.data == {"raiseStewardAlert": None}
        assert codes(resp) == ["UNAUTHORIZED_FIELD_OR_TYPE"]
    else:  # the gateway let it through: CIP refused it
        assert resp.data is None
        assert codes(resp) == ["UNAUTHENTICATED"]
        assert resp.errors[0]["extensions"].get("serviceName", "cip") == "cip"
    assert local_commons.received == []


def test_a_member_may_not_alert_through_any_gateway(
    every_gateway: Gateway,
    server: LiveServer,
    local_commons: FakeLocalCommons,
    nbh: str,
    sub: str,
) -> None:
    local_commons.reset()
    token = server.token(sub, nbh=[nbh])
    resp = every_gateway.gql(ALERT, {"n": nbh, "u": "NOW"}, token=token)
    assert resp.data is None
    assert codes(resp) == ["FORBIDDEN"]
    assert local_commons.received == []


def test_a_forged_token_is_refused_by_the_gateway_or_by_the_subgraph(
    every_gateway: Gateway, server: LiveServer, sub: str
) -> None:
    good = server.token(sub)
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    resp = every_gateway.gql(CARE_SCOPE, token=forged)
    assert resp.data is None and resp.errors
    if every_gateway.enforces:
        assert resp.status in (400, 401)
    else:
        assert codes(resp) == ["UNAUTHENTICATED"]


VIEW_AND_SCOPE = """query($n: ID!) { careScope { isNot }
  careCoordinationView(neighborhood: $n) { neighborhood activeCircles { value suppressed } } }"""


def test_aggregates_are_denied_to_a_member_by_the_gateway_or_by_cip(
    every_gateway: Gateway, server: LiveServer, nbh: str, sub: str
) -> None:
    resp = every_gateway.gql(VIEW_AND_SCOPE, {"n": nbh}, token=server.token(sub, nbh=[nbh]))
    assert resp.data["careCoordinationView"] is None
    assert resp.data["careScope"]["isNot"]  # the rest of the response intact
    expected = "UNAUTHORIZED_FIELD_OR_TYPE" if every_gateway.enforces else "FORBIDDEN"
    assert codes(resp) == [expected]
    if not every_gateway.enforces:
        assert "cip:coordinator" in resp.errors[0]["message"]  # CIP's words reach the caller


def test_a_coordinator_of_another_neighbourhood_is_refused_by_cip(
    every_gateway: Gateway, server: LiveServer, nbh: str, sub: str
) -> None:
    token = server.token(sub, scopes=["cip:coordinator"], nbh=[f"{nbh}-other"])
    resp = every_gateway.gql(VIEW_AND_SCOPE, {"n": nbh}, token=token)
    assert resp.data["careCoordinationView"] is None
    assert codes(resp) == ["FORBIDDEN"]  # @aggregateOnly's neighbourhood rule: no gateway has it


def test_a_coordinator_reads_the_view_through_the_gateway(
    every_gateway: Gateway, server: LiveServer, nbh: str, sub: str
) -> None:
    token = server.token(sub, scopes=["cip:coordinator"], nbh=[nbh])
    resp = every_gateway.gql(VIEW_AND_SCOPE, {"n": nbh}, token=token)
    assert resp.errors == []
    assert resp.data["careCoordinationView"] == {
        "neighborhood": nbh,
        "activeCircles": {"value": 0, "suppressed": False},
    }


CIRCLE = """query($id: ID!) { circle(id: $id) { id focus myRole members { displayName isMe } } }"""


def test_a_members_circle_query_works_through_the_gateway(
    every_gateway: Gateway, server: LiveServer, nbh: str
) -> None:
    from tests import support

    facilitator = support.coordinator(server, nbh)
    circle = support.form(server, facilitator, nbh, focus="Holding Ines this spring")
    member = support.add_member(server, facilitator, circle["id"], name="Noor")
    resp = every_gateway.gql(CIRCLE, {"id": circle["id"]}, token=member.token)
    assert resp.errors == []
    got = resp.data["circle"]
    assert got["focus"] == "Holding Ines this spring" and got["myRole"] == "SUPPORTER"
    assert {"displayName": "Noor", "isMe": True} in got["members"]
    mine = every_gateway.gql("{ myCircles { id } }", token=member.token)
    assert {"id": circle["id"]} in mine.data["myCircles"]


def test_an_outsider_gets_the_random_id_answer_through_the_gateway(
    every_gateway: Gateway, server: LiveServer, nbh: str
) -> None:
    from tests import support

    facilitator = support.coordinator(server, nbh)
    circle = support.form(server, facilitator, nbh)
    outsider = support.member(server)
    theirs = every_gateway.gql(CIRCLE, {"id": circle["id"]}, token=outsider.token)
    random = every_gateway.gql(
        CIRCLE, {"id": "0b9e7c1a-2222-4333-8444-555566667777"}, token=outsider.token
    )
    assert [e["extensions"]["code"] for e in theirs.errors] == ["NOT_FOUND"]
    assert (theirs.status, theirs.body) == (random.status, random.body)


HELP = """mutation($c: ID!, $i: HelpRequestInput!) {
  requestLocalCommonsHelp(circleId: $c, input: $i) { forwarded localCommonsReference } }"""


def test_a_help_request_goes_gateway_to_cip_to_local_commons(
    every_gateway: Gateway, server: LiveServer, local_commons: FakeLocalCommons, nbh: str
) -> None:
    from tests import support

    facilitator = support.coordinator(server, nbh)
    circle = support.form(server, facilitator, nbh, focus="Holding Oren after the fire")
    member = support.add_member(server, facilitator, circle["id"], name="Tamsin")
    local_commons.reset()
    typed = {"title": "Spare bedding", "details": "Two single duvets", "neededOn": "2026-12-01"}
    resp = every_gateway.gql(HELP, {"c": circle["id"], "i": typed}, token=member.token)
    assert resp.errors == []
    assert resp.data["requestLocalCommonsHelp"]["forwarded"] is True
    (received,) = local_commons.received
    body = received.body.decode()
    assert "Spare bedding" in body and "2026-12-01" in body
    for secret in (circle["id"], "Oren", "Tamsin", nbh, member.sub):
        assert secret not in body
    assert received.headers["authorization"] == f"Bearer {member.token}"


# ---------------------------------------------------------------- live activity
@pytest.mark.parametrize("transport", ["sse", "ws"])
def test_a_subscription_through_the_gateway_hears_another_members_change(
    request: pytest.FixtureRequest,
    server: LiveServer,
    nbh: str,
    transport: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Through the gateway: the client speaks SSE to the gateway; the gateway subscribes to
    CIP over SSE (`gateway`) or graphql-transport-ws (`ws_gateway`); the change is another
    member's mutation, also sent through the gateway."""
    gw: HiveGateway = request.getfixturevalue("gateway" if transport == "sse" else "ws_gateway")
    a = member(server)
    circle_id = str(form(server, a, nbh, role="FOCUS")["id"])
    b = add_member(server, a, circle_id)
    caplog.set_level(logging.INFO, logger="cip.stream")  # the live server runs in this process
    sub = live.sse(gw.url, b.token, live.CIRCLE_ACTIVITY, {"id": circle_id})
    deadline = time.monotonic() + 20
    got = None
    # The gateway opens its subgraph subscription lazily: post until the first event arrives.
    while got is None:
        assert time.monotonic() < deadline, "no event through the gateway"
        posted = gw.gql(POST, {"id": circle_id, "body": "Soup"}, token=a.token)
        assert posted.errors == [], posted.errors
        try:
            got = sub.next(timeout=1)
        except queue.Empty:
            continue
    assert got["data"]["circleActivity"] | {"on": None} == {
        "circleId": circle_id,
        "kind": "UPDATE_POSTED",
        "on": None,
    }
    opened = [r for r in caplog.records if r.getMessage() == "stream opened"]
    assert [r.cip["transport"] for r in opened] == [transport]  # type: ignore[attr-defined]
    sub.close()


@pytest.mark.parametrize("transport", ["sse", "ws"])
def test_an_outsider_subscribing_through_the_gateway_gets_not_found(
    request: pytest.FixtureRequest, server: LiveServer, nbh: str, transport: str
) -> None:
    gw: HiveGateway = request.getfixturevalue("gateway" if transport == "sse" else "ws_gateway")
    a = member(server)
    circle_id = str(form(server, a, nbh, role="FOCUS")["id"])
    outsider = member(server)
    theirs = live.sse(gw.url, outsider.token, live.CIRCLE_ACTIVITY, {"id": circle_id}).wait_end()
    random = live.sse(gw.url, outsider.token, live.CIRCLE_ACTIVITY, {"id": RANDOM_ID}).wait_end()
    assert theirs[0] == "error" and theirs == random
    assert [e["extensions"]["code"] for e in theirs[1]] == ["NOT_FOUND"]
