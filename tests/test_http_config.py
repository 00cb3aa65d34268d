"""Limits and switches that depend on settings, checked on apps of their own.

Every request here is answered before any database work (validation, the gate, careScope), so
the apps run without their lifespan: no second Tortoise context beside the session's server.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema, parse, validate

from subgraph.app import create_app
from subgraph.limits import alias_rule, depth_rule
from subgraph.settings import ConfigError, Settings, load_settings
from tests.jwks import jwks_for, make_keys
from tests.support import GraphQLClient, dev_env

SCOPE = "query Scope { careScope { isNot } }"


def in_process(settings: Settings) -> GraphQLClient:
    return GraphQLClient("http://127.0.0.1", app=create_app(settings))


def app_client(tmp_path: Path, **env: str) -> GraphQLClient:
    return in_process(
        load_settings(dev_env(tmp_path, f"sqlite://{tmp_path}/unused.sqlite3", **env))
    )


def prod_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(jwks_for(make_keys())))
    env = dev_env(tmp_path, f"sqlite://{tmp_path}/unused.sqlite3", **extra)
    del env["CIP_DEV_JWT_SECRET"]
    env |= {
        "CIP_ENV": "prod",
        "CIP_JWT_ISSUER": "https://id.example.org/",
        "CIP_JWT_AUDIENCE": "cip",
        "CIP_JWKS_FILE": str(jwks),
        "CIP_ALLOW_SQLITE": "1",
    }
    return env | extra


@pytest.fixture
def prod(tmp_path: Path) -> Iterator[GraphQLClient]:
    yield in_process(load_settings(prod_env(tmp_path)))


def post(client: GraphQLClient, payload: Any) -> dict[str, Any]:
    resp = client.post(payload)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


# ------------------------------------------------------------------ prod defaults
def test_prod_has_no_introspection_graphiql_or_suggestions(prod: GraphQLClient) -> None:
    body = post(prod, {"query": "{ __schema { queryType { name } } }"})
    assert set(codes(body)) == {"BAD_USER_INPUT"} and body["data"] is None
    assert "introspection has been disabled" in body["errors"][0]["message"]
    body = post(prod, {"query": '{ __type(name: "Query") { name } }'})
    assert codes(body) == ["BAD_USER_INPUT"]
    page = prod.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "graphiql" not in page.text.lower()
    assert prod.client.get("/graphiql-assets/init.js").status_code == 404
    typo = post(prod, {"query": "{ careScop { isNot } }"})
    assert codes(typo) == ["BAD_USER_INPUT"]
    assert "Did you mean" not in json.dumps(typo) and "careScope" not in json.dumps(typo)
    enum = post(
        prod,
        {
            "query": 'mutation($r: CircleRole!) { createCircleInvite(circleId: "x", role: $r) '
            "{ code } }",
            "variables": {"r": "SUPPORTR"},
        },
    )
    assert codes(enum) == ["BAD_USER_INPUT"] and "Did you mean" not in json.dumps(enum)
    # The gateway's composition query is not introspection and keeps working.
    assert "sdl" in post(prod, {"query": "{ _service { sdl } }"})["data"]["_service"]


def test_the_switches_can_turn_tools_on_in_prod_and_off_in_dev(tmp_path: Path) -> None:
    on = in_process(load_settings(prod_env(tmp_path, CIP_INTROSPECTION="on", CIP_GRAPHIQL="true")))
    assert post(on, {"query": "{ __schema { queryType { name } } }"})["data"]
    assert on.client.get("/graphql", headers={"Accept": "text/html"}).status_code == 200
    off = app_client(tmp_path, CIP_INTROSPECTION="0", CIP_GRAPHIQL="off")
    assert set(codes(post(off, {"query": "{ __schema { queryType { name } } }"}))) == {
        "BAD_USER_INPUT"
    }
    assert off.client.get("/graphql", headers={"Accept": "text/html"}).status_code == 404


def test_dev_root_redirects_to_graphql_and_prod_root_is_not_found(tmp_path: Path) -> None:
    dev = app_client(tmp_path)
    root = dev.client.get("/", headers={"Accept": "text/html"})
    assert root.status_code == 307 and root.headers["location"] == "/graphql"
    assert dev.client.get("/", follow_redirects=True).url.path == "/graphql"
    prod = in_process(load_settings(prod_env(tmp_path)))
    assert prod.client.get("/").status_code == 404


def test_settings_are_validated(tmp_path: Path) -> None:
    base = dev_env(tmp_path, f"sqlite://{tmp_path}/x.sqlite3")
    for bad in (
        {"CIP_MAX_DEPTH": "0"},
        {"CIP_MAX_TOKENS": "lots"},
        {"CIP_INTROSPECTION": "maybe"},
        {"CIP_PERSISTED_ONLY": "on"},
        {"CIP_PERSISTED_MANIFEST": str(tmp_path / "missing.json")},
        {"CIP_LOG_LEVEL": "chatty"},
    ):
        with pytest.raises(ConfigError):
            load_settings(base | bad)
    settings = load_settings(base)
    assert (settings.max_depth, settings.max_aliases, settings.max_tokens) == (10, 30, 2000)
    assert (settings.max_batch, settings.max_body_bytes) == (1, 65536)
    assert settings.introspection and settings.graphiql and not settings.persisted_only


# ------------------------------------------------------------------ depth and batches
def test_depth_limit_is_configurable_and_counts_fragments(tmp_path: Path) -> None:
    client = app_client(tmp_path, CIP_MAX_DEPTH="2")
    assert post(client, {"query": SCOPE})["data"]["careScope"]["isNot"]
    for query in (
        '{ circle(id: "x") { members { id } } }',
        'fragment M on SupportCircle { members { id } } { circle(id: "x") { ...M } }',
        '{ ... on Query { circle(id: "x") { ... on SupportCircle { members { id } } } } }',
    ):
        body = post(client, {"query": query})
        assert codes(body) == ["BAD_USER_INPUT"] and body["data"] is None
        assert "more than 2 levels deep" in body["errors"][0]["message"]


RECURSIVE = build_schema("type Node { child: Node, value: Int } type Query { node: Node }")


def nested(levels: int) -> str:
    return "{ node " + "{ child " * (levels - 2) + "{ value }" + " }" * (levels - 1)


def test_depth_rule_counts_levels_and_survives_cycles() -> None:
    assert validate(RECURSIVE, parse(nested(10)), [depth_rule(10)]) == []
    assert len(validate(RECURSIVE, parse(nested(11)), [depth_rule(10)])) == 1
    cyclic = parse("fragment A on Node { child { ...A } } { node { ...A } }")
    # graphql-core's own rules report the cycle; the depth rule must simply terminate.
    assert validate(RECURSIVE, cyclic, [depth_rule(10)]) == []
    aliases = parse("{ " + " ".join(f"a{i}: node {{ value }}" for i in range(4)) + " }")
    assert validate(RECURSIVE, aliases, [alias_rule(4)]) == []
    assert len(validate(RECURSIVE, aliases, [alias_rule(3)])) == 1


def test_batches_up_to_the_configured_size(tmp_path: Path) -> None:
    client = app_client(tmp_path, CIP_MAX_BATCH="3")
    answers = client.post([{"query": SCOPE}] * 3).json()
    assert [a["data"]["careScope"]["isNot"] != [] for a in answers] == [True] * 3
    body = post(client, [{"query": SCOPE}] * 4)
    assert codes(body) == ["BAD_USER_INPUT"] and "at most 3" in body["errors"][0]["message"]


def test_body_limit_is_configurable(tmp_path: Path) -> None:
    client = app_client(tmp_path, CIP_MAX_BODY_BYTES="2048")
    assert post(client, {"query": SCOPE, "variables": {"pad": "z" * 1500}})["data"]
    resp = client.post({"query": SCOPE, "variables": {"pad": "z" * 2100}})
    assert resp.status_code == 413
    assert resp.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# ------------------------------------------------------------------ persisted operations
def manifest(tmp_path: Path, *bodies: str) -> Path:
    path = tmp_path / "operations.json"
    operations = [
        {"id": hashlib.sha256(b.encode()).hexdigest(), "name": "op", "type": "query", "body": b}
        for b in bodies
    ]
    path.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
        )
    )
    return path


def by_hash(query: str) -> dict[str, Any]:
    digest = hashlib.sha256(query.encode()).hexdigest()
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}


def test_persisted_only_accepts_the_manifest_and_nothing_else(tmp_path: Path) -> None:
    path = manifest(tmp_path, SCOPE)
    client = app_client(tmp_path, CIP_PERSISTED_ONLY="on", CIP_PERSISTED_MANIFEST=str(path))
    assert post(client, by_hash(SCOPE))["data"]["careScope"]["isNot"]
    assert post(client, {"query": SCOPE, **by_hash(SCOPE)})["data"]["careScope"]
    assert post(client, {"query": SCOPE})["data"]["careScope"]  # its hash is listed
    other = "{ careScope { isNot } }"
    for payload in ({"query": other}, by_hash(other), {"query": other, **by_hash(SCOPE)}):
        body = post(client, payload)
        assert codes(body) == ["BAD_USER_INPUT"] and body["data"] is None, body
    get = client.client.get(
        "/graphql", params={"extensions": json.dumps(by_hash(SCOPE)["extensions"])}
    )
    assert get.json()["data"]["careScope"]["isNot"]
    assert codes(client.client.get("/graphql", params={"query": other}).json()) == [
        "BAD_USER_INPUT"
    ]


def test_persisted_hashes_without_only_mode(tmp_path: Path) -> None:
    path = manifest(tmp_path, SCOPE)
    client = app_client(tmp_path, CIP_PERSISTED_MANIFEST=str(path))
    assert post(client, by_hash(SCOPE))["data"]["careScope"]
    assert post(client, {"query": "{ careScope { isNot } }"})["data"]["careScope"]
    assert codes(post(client, by_hash("{ unknown }"))) == ["BAD_USER_INPUT"]
    plain = app_client(tmp_path)
    body = post(plain, by_hash(SCOPE))
    assert codes(body) == ["BAD_USER_INPUT"] and "not enabled" in body["errors"][0]["message"]
    mismatch = post(plain, {"query": "{ careScope { isNot } }", **by_hash(SCOPE)})
    assert codes(mismatch) == ["BAD_USER_INPUT"]


def test_a_manifest_with_a_wrong_hash_refuses_to_start(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{"id": "0" * 64, "body": SCOPE}],
            }
        )
    )
    with pytest.raises(ConfigError):
        app_client(tmp_path, CIP_PERSISTED_MANIFEST=str(path))
