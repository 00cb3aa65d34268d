"""GraphQL over HTTP as clients expect it: graphql-http's server audit against `cip serve`,
the two response media types and their statuses, and bytes that never make a 5xx.

The audit is graphql-http's own suite (npm, pinned in federation/package-lock.json), run by
federation/http-audit.mjs against a real `cip serve` in dev and in prod.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subgraph.composition import FEDERATION_DIR, ensure_node_modules, node_binary
from subgraph.protocol import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    has_lone_surrogate,
    is_request_error,
    response_media_type,
)
from tests.jwks import jwks_for, make_keys
from tests.support import FORM, LiveServer, dev_env, member, serving

AUDIT = FEDERATION_DIR / "http-audit.mjs"
# The audits whose documents ask `__type(...)`: with introspection off (prod) they are
# validation errors, as they must be. docs/federation.md lists them.
INTROSPECTION_AUDITS = {"28B9": "error", "2EA1": "warn", "D6D5": "notice", "6A70": "notice"}
SCOPE = "{ careScope { isNot } }"


def audit(url: str, *headers: str) -> list[dict[str, Any]]:
    ensure_node_modules()
    done = subprocess.run(
        [node_binary(), str(AUDIT), url, *headers],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["version"] == "1.23.1"
    return list(answer["results"])


def prod_serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(jwks_for(make_keys())))
    env = dev_env(tmp_path, f"sqlite://{tmp_path}/cip.sqlite3")
    del env["CIP_DEV_JWT_SECRET"]
    return env | {
        "CIP_ENV": "prod",
        "CIP_ALLOW_SQLITE": "1",
        "CIP_JWT_ISSUER": "https://id.example.org/",
        "CIP_JWT_AUDIENCE": "cip",
        "CIP_JWKS_FILE": str(jwks),
        **extra,
    }


# ---------------------------------------------------------------- graphql-http's audit
def test_graphql_http_audit_passes_whole_in_dev(tmp_path: Path) -> None:
    with serving(dev_env(tmp_path, f"sqlite://{tmp_path}/cip.sqlite3")) as base:
        results = audit(f"{base}/graphql")
    assert len(results) == 61
    assert {r["id"]: r["reason"] for r in results if r["status"] != "ok"} == {}


def test_in_prod_only_the_audits_that_need_introspection_fail(tmp_path: Path) -> None:
    with serving(prod_serve_env(tmp_path)) as base:
        results = audit(f"{base}/graphql")
    failed = {r["id"]: r for r in results if r["status"] != "ok"}
    assert {i: r["status"] for i, r in failed.items()} == INTROSPECTION_AUDITS, failed
    assert len(results) - len(failed) == 57
    # The same prod server with introspection on passes them all: introspection is the cause.
    with serving(prod_serve_env(tmp_path / "on", CIP_INTROSPECTION="on")) as base:
        again = audit(f"{base}/graphql")
    assert {r["id"]: r["reason"] for r in again if r["status"] != "ok"} == {}


# ---------------------------------------------------------------- media types, pure
def test_the_media_type_follows_the_accept_header() -> None:
    assert response_media_type(None) == JSON
    assert response_media_type("") == JSON
    assert response_media_type("*/*") == JSON
    assert response_media_type("application/json") == JSON
    assert response_media_type(GRAPHQL_RESPONSE_JSON) == GRAPHQL_RESPONSE_JSON
    both = f"{GRAPHQL_RESPONSE_JSON}, application/json;q=0.9"
    assert response_media_type(both) == GRAPHQL_RESPONSE_JSON
    assert response_media_type(f"application/json, {GRAPHQL_RESPONSE_JSON}") == (
        GRAPHQL_RESPONSE_JSON
    )
    assert response_media_type(f"{GRAPHQL_RESPONSE_JSON};q=0.5, application/json") == JSON
    assert response_media_type(f"{GRAPHQL_RESPONSE_JSON};q=0") == JSON
    assert response_media_type("text/html") == JSON  # takes neither: JSON, not a 406


def test_a_request_error_is_one_that_never_executed() -> None:
    assert is_request_error({"data": None, "errors": [{"message": "Syntax Error"}]})
    assert not is_request_error({"data": None, "errors": [{"message": "x", "path": ["a"]}]})
    assert not is_request_error({"data": {"a": None}, "errors": [{"message": "x"}]})
    assert not is_request_error({"data": {"a": 1}})


def test_lone_surrogates_are_found_in_keys_and_nested_values() -> None:
    assert not has_lone_surrogate({"query": "{ a }", "variables": {"x": ["😀", 1, None]}})
    assert has_lone_surrogate({"variables": {"x": [{"y": "a\ud800"}]}})
    assert has_lone_surrogate({"variables": {"\udfff": 1}})
    assert has_lone_surrogate("\udc00")


# ---------------------------------------------------------------- statuses, live
def post(server: LiveServer, body: bytes, accept: str | None = None, **headers: str) -> Any:
    hdrs = {"content-type": "application/json", **headers}
    if accept is not None:
        hdrs["accept"] = accept
    return server.client.post("/graphql", content=body, headers=hdrs)


def test_graphql_response_json_answers_with_the_specs_statuses(server: LiveServer) -> None:
    good = post(server, json.dumps({"query": SCOPE}).encode(), GRAPHQL_RESPONSE_JSON)
    assert good.status_code == 200
    assert good.headers["content-type"] == f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
    assert good.json()["data"]["careScope"]["isNot"]
    for query in ("{", "{ careScop { isNot } }", "query($n: ID!) { careScope { isNot } }"):
        bad = post(server, json.dumps({"query": query}).encode(), GRAPHQL_RESPONSE_JSON)
        assert bad.status_code == 400, query
        assert "data" not in bad.json()
        assert [e["extensions"]["code"] for e in bad.json()["errors"]] == ["BAD_USER_INPUT"]
    refused = post(
        server, json.dumps({"query": SCOPE}).encode(), GRAPHQL_RESPONSE_JSON,
        authorization="Bearer not-a-token",
    )  # fmt: skip
    assert refused.status_code == 401 and "data" not in refused.json()
    assert [e["extensions"]["code"] for e in refused.json()["errors"]] == ["UNAUTHENTICATED"]


def test_application_json_answers_200_for_every_graphql_result(server: LiveServer) -> None:
    for accept in (None, "application/json", "*/*"):
        bad = post(server, json.dumps({"query": "{"}).encode(), accept)
        assert bad.status_code == 200
        assert bad.headers["content-type"] == "application/json"
        assert bad.json()["data"] is None and len(bad.json()["errors"]) == 1


def test_a_field_error_keeps_its_data_and_200_in_both_media_types(
    server: LiveServer, nbh: str
) -> None:
    view = f'careCoordinationView(neighborhood: "{nbh}") {{ neighborhood }}'
    query = f"{{ careScope {{ isNot }} {view} }}"
    for accept in (GRAPHQL_RESPONSE_JSON, "application/json"):
        resp = post(server, json.dumps({"query": query}).encode(), accept)
        assert resp.status_code == 200
        body = resp.json()
        assert body["data"]["careScope"]["isNot"] and body["data"]["careCoordinationView"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


def test_a_mutation_over_get_is_refused_with_a_json_error(server: LiveServer) -> None:
    for accept in (GRAPHQL_RESPONSE_JSON, "application/json"):
        resp = server.client.get(
            "/graphql",
            params={"query": 'mutation { raiseStewardAlert(neighborhood: "n", urgency: NOW) }'},
            headers={"accept": accept},
        )
        assert 400 <= resp.status_code < 500
        assert [e["extensions"]["code"] for e in resp.json()["errors"]] == ["BAD_USER_INPUT"]


# ---------------------------------------------------------------- bytes never make a 5xx
def one_refusal(resp: httpx.Response, status: int = 400) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert body.get("data") is None
    return str(body["errors"][0]["message"])


LONE = "\\ud800"  # the JSON escape of a lone high surrogate, as a client can send it


def test_bodies_that_are_not_requests_answer_4xx_with_one_error(server: LiveServer) -> None:
    assert "UTF-8" in one_refusal(post(server, b'{"query": "{ careScope { isNot } \xff }"}'))
    assert "UTF-8" in one_refusal(post(server, b'{"query": "\xed\xa0\x80"}'))  # CESU surrogate
    assert "not JSON" in one_refusal(post(server, b'{"query": '))
    assert "empty" in one_refusal(post(server, b""))
    assert "JSON object" in one_refusal(post(server, b'"{ careScope { isNot } }"'))
    assert "query parameter" in one_refusal(post(server, b'{"variables": {}}'))
    assert "variables" in one_refusal(post(server, b'{"query": "{ a }", "variables": [1]}'))
    assert "operationName" in one_refusal(post(server, b'{"query": "{ a }", "operationName": 1}'))
    for where in (
        f'{{"query": "{{ careScope {{ isNot }} }} #{LONE}"}}',
        f'{{"query": "{{ careScope {{ isNot }} }}", "variables": {{"a": ["{LONE}"]}}}}',
        f'{{"query": "query A {{ careScope {{ isNot }} }}", "operationName": "A{LONE}"}}',
        f'{{"query": "{{ careScope {{ isNot }} }}", "extensions": {{"{LONE}": 1}}}}',
    ):
        assert "lone surrogate" in one_refusal(post(server, where.encode())), where


def test_a_media_type_the_server_does_not_take_answers_415(server: LiveServer) -> None:
    body = json.dumps({"query": SCOPE}).encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        one_refusal(post(server, body, **{"content-type": content_type}), status=415)
    one_refusal(post(server, body, **{"content-type": "application/json; charset=latin-1"}), 415)
    bare = server.client.post("/graphql", content=body, headers={"content-type": ""})
    one_refusal(bare, status=415)
    ok = post(server, body, **{"content-type": "application/json; charset=UTF-8"})
    assert ok.status_code == 200 and ok.json()["data"]["careScope"]["isNot"]


def test_get_query_strings_are_checked_as_bodies_are(server: LiveServer) -> None:
    def get(query_string: str) -> httpx.Response:
        return server.client.get(f"/graphql?{query_string}", headers={"accept": "application/json"})

    assert "UTF-8" in one_refusal(get("query=%ED%A0%80"))
    assert "UTF-8" in one_refusal(get("query=%FF"))
    variables = "%7B%22a%22%3A%22%5Cud800%22%7D"  # {"a":"\ud800"}
    assert "lone surrogate" in one_refusal(get(f"query=%7B__typename%7D&variables={variables}"))
    assert "not JSON" in one_refusal(get("query=%7B__typename%7D&variables=%7B"))
    assert "query parameter" in one_refusal(get("operationName=A"))
    ok = get("query=%7B__typename%7D")
    assert ok.status_code == 200 and ok.json() == {"data": {"__typename": "Query"}}


def test_a_mutation_with_a_lone_surrogate_writes_nothing(server: LiveServer, nbh: str) -> None:
    who = member(server)
    payload = {"neighborhood": nbh, "focus": "Holding Sam", "displayName": "Alex\ud800"}
    body = json.dumps({"query": FORM, "variables": {"input": {**payload, "role": "FOCUS"}}})
    resp = post(server, body.encode(), authorization=f"Bearer {who.token}")
    assert "lone surrogate" in one_refusal(resp)
    assert server.sql(f"SELECT count(*) FROM cip_circle WHERE neighborhood = '{nbh}'") == [(0,)]


CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/graphql",
        "text/plain",
        "",
        "application/json; charset=utf-16",
    ]
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
REQUESTS = st.fixed_dictionaries(
    {},
    optional={
        "query": st.one_of(st.text(max_size=40), st.just(SCOPE), JSONISH),
        "variables": JSONISH,
        "operationName": st.one_of(st.text(max_size=10), JSONISH),
        "extensions": JSONISH,
    },
)
BODIES = st.one_of(
    st.binary(max_size=200),
    REQUESTS.map(lambda r: json.dumps(r).encode()),
    REQUESTS.map(lambda r: json.dumps(r).encode("utf-16")),
    st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=60).map(lambda b: b'{"query": "' + b + b'"}'),
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=BODIES,
    content_type=CONTENT_TYPES,
    accept=st.sampled_from([None, JSON, GRAPHQL_RESPONSE_JSON]),
)
def test_generated_bodies_never_make_a_5xx_or_a_trace(
    server: LiveServer, body: bytes, content_type: str, accept: str | None
) -> None:
    resp = post(server, body, accept, **{"content-type": content_type})
    assert resp.status_code < 500, (body, resp.text)
    assert "Traceback" not in resp.text and 'File "' not in resp.text
    answer = resp.json()
    if resp.status_code >= 400:
        assert [e["extensions"]["code"] for e in answer["errors"]] == ["BAD_USER_INPUT"]
    assert "INTERNAL_SERVER_ERROR" not in resp.text
