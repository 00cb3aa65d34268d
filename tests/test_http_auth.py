"""A token that fails verification refuses the whole request, over real HTTP."""

from __future__ import annotations

import base64
import json
import logging
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


REASON = {
    "malformed": "malformed",
    "expired": "expired",
    "not yet valid": "not_yet_valid",
    "wrongly signed": "signature",
    "wrong audience": "audience",
    "wrong issuer": "issuer",
    "alg none": "algorithm",
    "no subject": "malformed",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_log_line_of_a_refused_token_names_the_reason_and_nothing_of_the_token(
    server: LiveServer, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cip.request")
    token = BAD[case](server)
    time.sleep(0.3)  # the previous request's line is written after its answer: let it land
    caplog.clear()
    server.gql(QUERY, token=token)
    deadline = time.monotonic() + 5  # the line is written once the answer has been sent
    while not any(r.name == "cip.request" for r in caplog.records):
        assert time.monotonic() < deadline, "no request line was logged"
        time.sleep(0.01)
    [line] = [r for r in caplog.records if r.name == "cip.request"]
    fields = line.cip  # type: ignore[attr-defined]
    assert fields["outcome"] == "UNAUTHENTICATED"
    assert fields["reason"] == REASON[case]
    logged = json.dumps(fields) + caplog.text
    for part in (token, *token.split(".")[:2], "alice", "elsewhere", "evil.example"):
        assert part not in logged, part


def test_a_good_token_reads(server: LiveServer) -> None:
    resp = server.gql(QUERY, token=_token(server))
    assert resp.errors == [] and resp.data["careScope"]["isNot"]


def test_a_non_bearer_header_is_refused_and_told_what_to_send(server: LiveServer) -> None:
    resp = server.gql(QUERY, headers={"Authorization": "Basic YWxpY2U6cHc="})
    assert resp.codes == ["UNAUTHENTICATED"]
    assert '"Bearer "' in resp.errors[0]["message"]
    bare = server.gql(QUERY, headers={"Authorization": _token(server)})
    assert bare.codes == ["UNAUTHENTICATED"] and '"Bearer "' in bare.errors[0]["message"]


def test_get_requests_work_too(server: LiveServer) -> None:
    resp = server.client.get("/graphql", params={"query": QUERY})
    assert resp.status_code == 200
    assert resp.json()["data"]["careScope"]["isNot"]
    refused = server.client.get(
        "/graphql", params={"query": QUERY}, headers={"Authorization": "Bearer nope"}
    )
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
