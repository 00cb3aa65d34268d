"""Dev-only tokens signed with the shared HS256 secret (`cip token`)."""

from __future__ import annotations

import time

import jwt


def mint_dev_token(
    *,
    secret: bytes,
    issuer: str,
    audience: str,
    sub: str,
    scopes: list[str] | None = None,
    neighborhoods: list[str] | None = None,
    ttl_seconds: int = 3600,
    now: int | None = None,
) -> str:
    issued = int(time.time()) if now is None else now
    claims: dict[str, object] = {
        "iss": issuer,
        "aud": audience,
        "sub": sub,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_seconds,
    }
    if scopes:
        claims["scope"] = " ".join(scopes)
    if neighborhoods:
        claims["nbh"] = neighborhoods
    return jwt.encode(claims, secret, algorithm="HS256")
