"""JWT verification with PyJWT: an explicit algorithm allowlist, required claims, JWKS keys.

Any failure raises ``Unauthenticated`` with one generic message: the caller learns nothing
about why its token failed (expired, wrong issuer, unknown key...).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from models.errors import Unauthenticated

LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ["exp", "nbf", "iss", "aud", "sub"]
INVALID_TOKEN = "The token could not be verified."


@dataclass(frozen=True)
class Claims:
    issuer: str
    subject: str
    scopes: frozenset[str]
    neighborhoods: frozenset[str]


def _neighborhoods(raw: object) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(n, str) and n for n in raw):
        raise Unauthenticated(INVALID_TOKEN)
    return frozenset(raw)


def _scopes(raw: object) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, str):
        raise Unauthenticated(INVALID_TOKEN)
    return frozenset(raw.split())


class TokenVerifier:
    def __init__(
        self,
        *,
        algorithms: tuple[str, ...],
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        jwks_file: Path | None = None,
        shared_secret: bytes | None = None,
        jwks_refresh_cooldown: float = 30.0,
    ) -> None:
        self._algorithms = algorithms
        # Every allowed algorithm takes the shared secret (dev's HS256): the key does not
        # depend on the header, so PyJWT's decode (which refuses any other alg) reads it once.
        self._secret_only = shared_secret is not None and all(
            a.startswith("HS") for a in algorithms
        )
        self._issuer = issuer
        self._audience = audience
        self._secret = shared_secret
        self._jwks_client = (
            # Unknown kids refetch the set at most once per cooldown: a flood of forged
            # kids cannot turn into a flood of requests to the identity provider.
            jwt.PyJWKClient(
                jwks_url,
                cache_keys=True,
                lifespan=300,
                timeout=5,
                cooldown_duration=jwks_refresh_cooldown,
            )
            if jwks_url
            else None
        )
        self._jwks_file = (
            jwt.PyJWKSet.from_dict(json.loads(jwks_file.read_text())) if jwks_file else None
        )

    async def _key_for(self, token: str, alg: str) -> Any:
        if alg.startswith("HS"):
            if self._secret is None:
                raise Unauthenticated(INVALID_TOKEN)
            return self._secret
        kid = jwt.get_unverified_header(token).get("kid")
        if self._jwks_file is not None:
            for key in self._jwks_file.keys:
                if key.key_id == kid:
                    return key.key
            raise Unauthenticated(INVALID_TOKEN)
        if self._jwks_client is not None:
            # The client caches keys and refetches once on an unknown kid.
            signing = await asyncio.to_thread(self._jwks_client.get_signing_key_from_jwt, token)
            return signing.key
        raise Unauthenticated(INVALID_TOKEN)

    async def verify(self, token: str) -> Claims:
        try:
            if self._secret_only:
                key: Any = self._secret
                allowed = list(self._algorithms)
            else:
                header = jwt.get_unverified_header(token)
                alg = header.get("alg")
                if not isinstance(alg, str) or alg not in self._algorithms:
                    raise Unauthenticated(INVALID_TOKEN)
                key = await self._key_for(token, alg)
                allowed = [alg]
            payload = jwt.decode(
                token,
                key,
                algorithms=allowed,
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except Unauthenticated:
            raise
        except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
            raise Unauthenticated(INVALID_TOKEN) from exc
        sub = payload.get("sub")
        if not isinstance(sub, str) or not sub:
            raise Unauthenticated(INVALID_TOKEN)
        return Claims(
            issuer=str(payload["iss"]),
            subject=sub,
            scopes=_scopes(payload.get("scope")),
            neighborhoods=_neighborhoods(payload.get("nbh")),
        )


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header; None when no header was sent."""
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(INVALID_TOKEN)
    return token.strip()
