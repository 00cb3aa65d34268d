"""The resource directory through the API, on both databases."""

from __future__ import annotations

from tests.support import LiveServer, coordinator_token

LIST = """query($n: ID) { resources(neighborhood: $n) {
  id name kind contact description neighborhood } }"""
ADD = """mutation($i: ResourceInput!) { addResource(input: $i) {
  id name kind contact description neighborhood } }"""
REMOVE = "mutation($id: ID!) { removeResource(id: $id) }"


def entry(name: str, nbh: str | None, kind: str = "HOUSING") -> dict[str, object]:
    return {"name": name, "kind": kind, "contact": "+1 555 0100", "neighborhood": nbh}


def test_members_read_local_then_global(server: LiveServer, nbh: str, sub: str) -> None:
    added = server.gql(
        ADD, {"i": entry(f"Tenants {nbh}", nbh)}, token=coordinator_token(server, sub, nbh)
    )
    assert added.errors == []
    everywhere = coordinator_token(server, sub + "-all", "*")
    glob = server.gql(ADD, {"i": entry(f"Legal aid {nbh}", None, "LEGAL")}, token=everywhere)
    assert glob.errors == [] and glob.data["addResource"]["neighborhood"] is None

    listing = server.gql(LIST, {"n": nbh}, token=server.token(sub + "-m")).data["resources"]
    names = [r["name"] for r in listing]
    assert names.index(f"Tenants {nbh}") < names.index(f"Legal aid {nbh}")
    assert all(r["neighborhood"] in (nbh, None) for r in listing)
    only_global = server.gql(LIST, {"n": None}, token=server.token(sub + "-m")).data["resources"]
    assert f"Tenants {nbh}" not in {r["name"] for r in only_global}
    assert f"Legal aid {nbh}" in {r["name"] for r in only_global}


def test_who_may_add(server: LiveServer, nbh: str, sub: str) -> None:
    member = server.token(sub)
    elsewhere = coordinator_token(server, sub, "somewhere-else")
    assert server.gql(ADD, {"i": entry("X", nbh)}, token=member).codes == ["FORBIDDEN"]
    assert server.gql(ADD, {"i": entry("X", nbh)}, token=elsewhere).codes == ["FORBIDDEN"]
    local = coordinator_token(server, sub, nbh)
    assert server.gql(ADD, {"i": entry("X", None)}, token=local).codes == ["FORBIDDEN"]
    ai = server.token(sub, scopes=["cip:aggregate:read"], nbh=["*"])
    assert server.gql(LIST, {"n": nbh}, token=ai).codes == ["FORBIDDEN"]
    assert server.gql(LIST, {"n": nbh}).codes == ["UNAUTHENTICATED"]
    assert server.sql(f"SELECT * FROM cip_care_resource WHERE neighborhood = '{nbh}'") == []


def test_bad_input_writes_nothing(server: LiveServer, nbh: str, sub: str) -> None:
    token = coordinator_token(server, sub, nbh)
    for bad in (
        {**entry("", nbh)},
        {**entry("x" * 201, nbh)},
        {**entry("ok", nbh), "contact": "  "},
        {**entry("ok", nbh), "description": "d" * 2001},
    ):
        assert server.gql(ADD, {"i": bad}, token=token).codes == ["BAD_USER_INPUT"]
    assert server.gql(ADD, {"i": {**entry("ok", nbh), "kind": "SPA"}}, token=token).codes == [
        "BAD_USER_INPUT"
    ]
    assert server.sql(f"SELECT * FROM cip_care_resource WHERE neighborhood = '{nbh}'") == []


def test_removal_by_its_keepers_only(server: LiveServer, nbh: str, sub: str) -> None:
    keeper = coordinator_token(server, sub, nbh)
    rid = server.gql(ADD, {"i": entry("Food bank", nbh)}, token=keeper).data["addResource"]["id"]
    other = coordinator_token(server, sub + "-o", "other-" + nbh)
    outsider = server.gql(REMOVE, {"id": rid}, token=other)
    random = server.gql(REMOVE, {"id": "3f1c4a8e-0000-4000-8000-000000000000"}, token=other)
    assert outsider.codes == ["NOT_FOUND"]
    assert (outsider.status, outsider.body) == (random.status, random.body)
    assert server.gql(REMOVE, {"id": rid}, token=server.token(sub)).codes == ["FORBIDDEN"]
    assert server.gql(REMOVE, {"id": rid}, token=keeper).data == {"removeResource": True}
    assert server.gql(REMOVE, {"id": rid}, token=keeper).codes == ["NOT_FOUND"]


OPEN = """mutation($i: OpenRepairInput!) { openRepairThread(input: $i) { id } }"""
CLOSE = """mutation($t: ID!, $r: EscalationRoute) {
  closeRepairThread(threadId: $t, closure: ESCALATED, route: $r) {
    closure route resources { name kind neighborhood } } }"""


def test_escalation_returns_the_routes_resources(server: LiveServer, nbh: str, sub: str) -> None:
    token = coordinator_token(server, sub, nbh)
    for name, kind in [
        ("Crisis line", "CRISIS_LINE"),
        ("Shelter", "DOMESTIC_VIOLENCE"),
        ("Tenants", "HOUSING"),
        ("Stewards", "OTHER"),
    ]:
        assert server.gql(ADD, {"i": entry(f"{name} {nbh}", nbh, kind)}, token=token).errors == []
    expected = {
        "STEWARD_EMERGENCY": {"CRISIS_LINE", "DOMESTIC_VIOLENCE"},
        "EXTERNAL_SERVICES": {"DOMESTIC_VIOLENCE", "HOUSING"},
        "GOVERNANCE": {"OTHER"},
    }
    for route, kinds in expected.items():
        opened = server.gql(
            OPEN,
            {"i": {"neighborhood": nbh, "myRole": "FACILITATOR", "displayName": "F"}},
            token=token,
        )
        thread = opened.data["openRepairThread"]["id"]
        closed = server.gql(CLOSE, {"t": thread, "r": route}, token=token)
        assert closed.errors == [], closed.errors
        local = [r for r in closed.data["closeRepairThread"]["resources"] if r["neighborhood"]]
        assert {r["kind"] for r in local} == kinds
        assert all(r["kind"] in kinds or r["neighborhood"] is None for r in local)
