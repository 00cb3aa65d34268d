"""A token that fails verification refuses the whole request, over real HTTP."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from tests.support import LiveServer

QUERY = "{ careScope { isNot } }"


def _token(server: LiveServer, **changes: object) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": server.settings.jwt_issuer,
        "aud": server.settings.jwt_audience,
        "sub": "alice",
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    assert server.settings.dev_jwt_secret is not None
    return jwt.encode(claims, server.settings.dev_jwt_secret, algorithm="HS256")


def _alg_none(server: LiveServer) -> str:
    def b64(d: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    now = int(time.time())
    body = {
        "iss": server.settings.jwt_issuer,
        "aud": server.settings.jwt_audience,
        "sub": "alice",
        "nbf": now,
        "exp": now + 600,
    }
    return f"{b64({'alg': 'none'})}.{b64(body)}."


BAD = {
    "malformed": lambda s: "abc.def",
    "expired": lambda s: _token(s, exp=int(time.time()) - 300),
    "not yet valid": lambda s: _token(s, nbf=int(time.time()) + 600),
    "wrongly signed": lambda s: jwt.encode(
        {
            "iss": s.settings.jwt_issuer,
            "aud": s.settings.jwt_audience,
            "sub": "a",
            "nbf": 0,
            "exp": int(time.time()) + 60,
        },
        b"x" * 40,
        algorithm="HS256",
    ),
    "wrong audience": lambda s: _token(s, aud="elsewhere"),
    "wrong issuer": lambda s: _token(s, iss="https://evil.example/"),
    "alg none": _alg_none,
    "no subject": lambda s: _token(s, sub=None),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_failing_token_is_refused_whole(server: LiveServer, case: str) -> None:
    resp = server.gql(QUERY, token=BAD[case](server))
    assert resp.status == 200
    assert resp.data is None
    assert resp.codes == ["UNAUTHENTICATED"]
    text = json.dumps(resp.body)
    assert "Traceback" not in text and "jwt" not in text.lower()


def test_a_good_token_reads(server: LiveServer) -> None:
    resp = server.gql(QUERY, token=_token(server))
    assert resp.errors == [] and resp.data["careScope"]["isNot"]


def test_a_non_bearer_header_is_refused(server: LiveServer) -> None:
    resp = server.gql(QUERY, headers={"Authorization": "Basic YWxpY2U6cHc="})
    assert resp.codes == ["UNAUTHENTICATED"]


def test_get_requests_work_too(server: LiveServer) -> None:
    resp = server.client.get("/graphql", params={"query": QUERY})
    assert resp.status_code == 200
    assert resp.json()["data"]["careScope"]["isNot"]
    refused = server.client.get(
        "/graphql", params={"query": QUERY}, headers={"Authorization": "Bearer nope"}
    )
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
