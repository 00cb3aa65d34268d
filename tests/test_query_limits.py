"""Query limits against the live server (dev defaults): refused with BAD_USER_INPUT, nothing run."""

from __future__ import annotations

from typing import Any

from graphql import get_introspection_query

from tests.support import FORM, LiveServer, coordinator, form, member, ok


def circles_of(server: LiveServer, nbh: str) -> int:
    return int(server.sql(f"SELECT COUNT(*) FROM cip_circle WHERE neighborhood = '{nbh}'")[0][0])


def refused(resp: Any, words: str) -> None:
    assert resp.status == 200, resp.body
    assert resp.data is None, resp.body
    assert resp.codes == ["BAD_USER_INPUT"], resp.body
    assert words in resp.errors[0]["message"], resp.errors[0]["message"]


def form_input(nbh: str) -> dict[str, Any]:
    return {
        "neighborhood": nbh,
        "focus": "A winter of help",
        "displayName": "Alex",
        "role": "FOCUS",
    }


def test_too_many_aliases_run_nothing(server: LiveServer, nbh: str) -> None:
    who = member(server)
    fields = "\n".join(f"a{i}: formCircle(input: $input) {{ id }}" for i in range(31))
    resp = server.gql(
        f"mutation($input: FormCircleInput!) {{ {fields} }}",
        {"input": form_input(nbh)},
        token=who.token,
    )
    refused(resp, "31 aliases; at most 30")
    assert circles_of(server, nbh) == 0
    few = "\n".join(f"a{i}: formCircle(input: $input) {{ id }}" for i in range(2))
    ok(
        server.gql(
            f"mutation($input: FormCircleInput!) {{ {few} }}",
            {"input": form_input(nbh)},
            token=who.token,
        )
    )
    assert circles_of(server, nbh) == 2


def test_too_many_tokens_run_nothing(server: LiveServer, nbh: str) -> None:
    who = member(server)
    padding = " ".join("__typename" for _ in range(2100))
    resp = server.gql(
        FORM.replace("{ id", "{ " + padding + " id", 1),
        {"input": form_input(nbh)},
        token=who.token,
    )
    refused(resp, "more than 2000 tokens")
    assert circles_of(server, nbh) == 0


def test_first_outside_range_runs_nothing(server: LiveServer, nbh: str) -> None:
    who = member(server)
    circle = form(server, who, nbh, role="FOCUS")
    for first in (0, 101, -5):
        resp = server.gql(
            "query($id: ID!, $first: Int!) { circle(id: $id) { updates(first: $first) { id } } }",
            {"id": circle["id"], "first": first},
            token=who.token,
        )
        refused(resp, "first must be between 1 and 100")
        literal = server.gql(
            f'query {{ circle(id: "{circle["id"]}") {{ updates(first: {first}) {{ id }} }} }}',
            token=who.token,
        )
        refused(literal, "first must be between 1 and 100")
        peers = server.gql(f"{{ peerChannel(first: {first}) {{ id }} }}", token=who.token)
        refused(peers, "first must be between 1 and 100")
    coord = coordinator(server, nbh)
    assert ok(server.gql("{ peerChannel(first: 100) { id } }", token=coord.token)) is not None


def test_batches_beyond_the_limit_run_nothing(server: LiveServer, nbh: str) -> None:
    who = member(server)
    one = {"query": FORM, "variables": {"input": form_input(nbh)}}
    resp = server.client.post(
        "/graphql", json=[one, one], headers={"Authorization": f"Bearer {who.token}"}
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "2 operations; at most 1" in body["errors"][0]["message"]
    assert circles_of(server, nbh) == 0
    single = server.client.post(
        "/graphql", json=[one], headers={"Authorization": f"Bearer {who.token}"}
    )
    assert single.status_code == 200 and single.json()[0]["data"]["formCircle"]["id"]
    assert circles_of(server, nbh) == 1


def test_oversized_bodies_are_refused_before_parsing(server: LiveServer, nbh: str) -> None:
    who = member(server)
    big = form_input(nbh) | {"focus": "x" * (64 * 1024)}
    resp = server.client.post(
        "/graphql",
        json={"query": FORM, "variables": {"input": big}},
        headers={"Authorization": f"Bearer {who.token}"},
    )
    assert resp.status_code == 413
    assert resp.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert circles_of(server, nbh) == 0

    def chunks() -> Any:  # no Content-Length: refused while reading
        yield b'{"query": "{ careScope { isNot } }", "pad": "'
        for _ in range(100):
            yield b"y" * 1024
        yield b'"}'

    streamed = server.client.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


def test_deeply_nested_json_is_refused_not_a_crash(server: LiveServer) -> None:
    body = b'{"query": "{ careScope { isNot } }", "variables": {"a": ' + b"[" * 20000 + b"]" * 20000
    resp = server.client.post(
        "/graphql", content=body + b"}}", headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 400
    assert [e["extensions"]["code"] for e in resp.json()["errors"]] == ["BAD_USER_INPUT"]


def test_suggestions_are_kept_in_dev(server: LiveServer) -> None:
    resp = server.gql("{ careScop { isNot } }")
    assert resp.codes == ["BAD_USER_INPUT"]
    assert "Did you mean" in resp.errors[0]["message"]


def test_introspection_and_graphiql_are_on_in_dev(server: LiveServer) -> None:
    data = ok(server.gql("{ __schema { queryType { name } } }"))
    assert data["__schema"]["queryType"]["name"] == "Query"
    # GraphiQL's full introspection query fits the default depth and token limits.
    full = get_introspection_query(descriptions=True, directive_is_repeatable=True)
    assert ok(server.gql(full))["__schema"]["types"]
    page = server.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
