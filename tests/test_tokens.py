"""TokenVerifier against real keys: JWKS from a file and from a URL, every failure."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest

from auth.tokens import NOT_BEARER, TokenRefused, TokenVerifier, bearer_token, parse_scopes
from models.errors import Unauthenticated
from tests.jwks import AUDIENCE, ISSUER, jwks_for, make_keys, sign

KEYS = make_keys()
ASYM = ("RS256", "ES256", "EdDSA")


@pytest.fixture(scope="module")
def jwks_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("jwks") / "jwks.json"
    path.write_text(json.dumps(jwks_for(KEYS)))
    return path


def verifier(**kw: Any) -> TokenVerifier:
    return TokenVerifier(algorithms=ASYM, issuer=ISSUER, audience=AUDIENCE, **kw)


def verify(v: TokenVerifier, token: str) -> Any:
    return asyncio.run(v.verify(token))


@pytest.mark.parametrize("alg", ASYM)
def test_each_asymmetric_algorithm_verifies_from_a_jwks_file(jwks_file: Path, alg: str) -> None:
    claims = verify(
        verifier(jwks_file=jwks_file),
        sign(KEYS[alg], alg, scope="cip:coordinator other", nbh=["elm", "oak"]),
    )
    assert claims.subject == "alice"
    assert claims.scopes == {"cip:coordinator", "other"}
    assert claims.neighborhoods == {"elm", "oak"}


def _none_token() -> str:
    def b64(d: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "a", "nbf": now, "exp": now + 60}
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(body)}."


OTHER_KEY = make_keys()["RS256"]
FAILURES = {
    "malformed": lambda: "not-a-jwt",
    "expired": lambda: sign(KEYS["RS256"], "RS256", exp=int(time.time()) - 120),
    "not yet valid": lambda: sign(KEYS["RS256"], "RS256", nbf=int(time.time()) + 600),
    "wrongly signed": lambda: sign(OTHER_KEY, "RS256"),
    "wrong audience": lambda: sign(KEYS["RS256"], "RS256", aud="someone-else"),
    "wrong issuer": lambda: sign(KEYS["RS256"], "RS256", iss="https://evil.example/"),
    "alg none": _none_token,
    "unknown kid": lambda: sign(KEYS["RS256"], "RS256", kid="kid-unknown"),
    "missing exp": lambda: sign(KEYS["RS256"], "RS256", exp=None),
    "missing nbf": lambda: sign(KEYS["RS256"], "RS256", nbf=None),
    "hs256 with the public key": lambda: jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "nbf": 0, "exp": int(time.time()) + 60},
        b"any-secret-that-is-long-enough-for-hs256",
        algorithm="HS256",
        headers={"kid": "kid-RS256"},
    ),
    "nbh not a list of strings": lambda: sign(KEYS["RS256"], "RS256", nbh=[1, 2]),
}


REASON = {
    "malformed": "malformed",
    "expired": "expired",
    "not yet valid": "not_yet_valid",
    "wrongly signed": "signature",
    "wrong audience": "audience",
    "wrong issuer": "issuer",
    "alg none": "algorithm",
    "unknown kid": "unknown_kid",
    "missing exp": "malformed",
    "missing nbf": "malformed",
    "hs256 with the public key": "algorithm",
    "nbh not a list of strings": "malformed",
    "scope with an em space": "malformed",
}
FAILURES["scope with an em space"] = lambda: sign(
    KEYS["RS256"], "RS256", scope="cip:member\u2003cip:coordinator"
)


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_every_failure_is_unauthenticated_with_its_reason_for_the_log(
    jwks_file: Path, case: str
) -> None:
    with pytest.raises(TokenRefused) as info:
        verify(verifier(jwks_file=jwks_file), FAILURES[case]())
    assert info.value.code == "UNAUTHENTICATED"
    assert info.value.message == "The token could not be verified."
    assert info.value.reason == REASON[case]


def test_scopes_split_on_ascii_space_only_and_follow_rfc_6749() -> None:
    assert parse_scopes("cip:coordinator  other") == {"cip:coordinator", "other"}
    assert parse_scopes("") == frozenset()
    assert parse_scopes(None) == frozenset()
    assert parse_scopes("a!#[]~ b") == {"a!#[]~", "b"}
    for bad in (
        "cip:member\u2003cip:coordinator",  # EM SPACE: one token, outside the syntax
        "cip:member\tcip:coordinator",
        "cip:member\u00a0cip:coordinator",
        'say"hi',
        "back\\slash",
        "caf\u00e9",
        "nul\x00",
    ):
        with pytest.raises(TokenRefused) as info:
            parse_scopes(bad)
        assert info.value.reason == "malformed", bad
    with pytest.raises(TokenRefused):
        parse_scopes(["cip:coordinator"])


def test_leeway_is_small(jwks_file: Path) -> None:
    v = verifier(jwks_file=jwks_file)
    verify(v, sign(KEYS["RS256"], "RS256", exp=int(time.time()) - 10))  # within leeway
    with pytest.raises(Unauthenticated):
        verify(v, sign(KEYS["RS256"], "RS256", exp=int(time.time()) - 90))


def test_hs256_needs_the_shared_secret() -> None:
    v = TokenVerifier(
        algorithms=("HS256",),
        issuer=ISSUER,
        audience=AUDIENCE,
        shared_secret=b"dev-secret-that-is-long-enough-for-hs256",
    )
    good = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "bob", "nbf": 0, "exp": int(time.time()) + 60},
        b"dev-secret-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    assert verify(v, good).subject == "bob"
    with pytest.raises(Unauthenticated):  # an RS256 token when only HS256 is allowed
        verify(v, sign(KEYS["RS256"], "RS256"))


class _JwksHandler(BaseHTTPRequestHandler):
    document: dict[str, Any] = {}
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        body = json.dumps(type(self).document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, type[_JwksHandler]]]:
    handler = type("Handler", (_JwksHandler,), {"document": {"keys": []}, "hits": 0})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/jwks.json", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_jwks_url_is_cached_and_refetched_on_an_unknown_kid(
    jwks_server: tuple[str, type[_JwksHandler]],
) -> None:
    url, handler = jwks_server
    first = {k: v for k, v in KEYS.items() if k == "RS256"}
    handler.document = jwks_for(first)
    v = verifier(jwks_url=url, jwks_refresh_cooldown=0)
    verify(v, sign(KEYS["RS256"], "RS256"))
    verify(v, sign(KEYS["RS256"], "RS256"))
    assert handler.hits == 1  # cached

    handler.document = jwks_for(KEYS)  # the provider adds keys (rotation)
    assert verify(v, sign(KEYS["ES256"], "ES256")).subject == "alice"
    assert handler.hits == 2  # refreshed for the unknown kid

    with pytest.raises(Unauthenticated):
        verify(v, sign(KEYS["RS256"], "RS256", kid="kid-never"))


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer   ", "token"])
def test_a_malformed_authorization_header_is_refused(header: str) -> None:
    with pytest.raises(Unauthenticated):
        bearer_token(header)


@pytest.mark.parametrize("header", ["Basic abc", "token", "eyJhbGciOi.x.y", "Token abc"])
def test_a_header_without_bearer_says_so(header: str) -> None:
    with pytest.raises(Unauthenticated) as info:
        bearer_token(header)
    assert info.value.message == NOT_BEARER
    assert '"Bearer "' in NOT_BEARER


def test_no_header_means_no_token() -> None:
    assert bearer_token(None) is None


def test_unknown_kids_do_not_flood_the_identity_provider(
    jwks_server: tuple[str, type[_JwksHandler]],
) -> None:
    url, handler = jwks_server
    handler.document = jwks_for(KEYS)
    v = verifier(jwks_url=url)  # default cooldown
    verify(v, sign(KEYS["RS256"], "RS256"))
    for i in range(5):
        with pytest.raises(Unauthenticated):
            verify(v, sign(KEYS["RS256"], "RS256", kid=f"forged-{i}"))
    assert handler.hits == 1
