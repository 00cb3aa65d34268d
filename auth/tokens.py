"""JWT verification with PyJWT: an explicit algorithm allowlist, required claims, JWKS keys.

Any failure raises ``TokenRefused`` (an ``Unauthenticated``) with one generic message: the
caller learns nothing about why its token failed. Its ``reason`` (one of REASONS) is for the
server's request log, so an operator can tell a wrong audience from an expired token; it never
holds the token, its claims or the subject.

Scopes are OAuth's: the ``scope`` claim split on ASCII spaces only (as gateways split it), each
token within RFC 6749's scope-token syntax (%x21 / %x23-5B / %x5D-7E); anything else (another
kind of space, a control character, a quote or backslash) makes the whole token unusable.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from models.errors import Unauthenticated

LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ["exp", "nbf", "iss", "aud", "sub"]
INVALID_TOKEN = "The token could not be verified."
NOT_BEARER = (
    'The Authorization header must be "Bearer " followed by the token; '
    "send no Authorization header to ask as nobody."
)
REASONS = (
    "expired",
    "not_yet_valid",
    "audience",
    "issuer",
    "signature",
    "unknown_kid",
    "malformed",
    "algorithm",
    "jwks_unreachable",
)
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5B\x5D-\x7E]+")


class TokenRefused(Unauthenticated):
    """A token that failed; ``reason`` says why, for the log only."""

    def __init__(self, reason: str, message: str = INVALID_TOKEN) -> None:
        assert reason in REASONS
        super().__init__(message)
        self.reason = reason


# Most specific first: PyJWKClientError is the base of PyJWKClientConnectionError.
_REASONS_BY_ERROR: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidAudienceError, "audience"),
    (jwt.InvalidIssuerError, "issuer"),
    (jwt.InvalidSignatureError, "signature"),
    (jwt.InvalidAlgorithmError, "algorithm"),
    (jwt.PyJWKClientConnectionError, "jwks_unreachable"),
    (jwt.PyJWKClientError, "unknown_kid"),
)


def refusal_reason(exc: Exception) -> str:
    """The REASONS entry for a PyJWT failure."""
    for error, reason in _REASONS_BY_ERROR:
        if isinstance(exc, error):
            return reason
    return "malformed"


@dataclass(frozen=True)
class Claims:
    issuer: str
    subject: str
    scopes: frozenset[str]
    neighborhoods: frozenset[str]
    expires_at: float | None = None


def _neighborhoods(raw: object) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(n, str) and n for n in raw):
        raise TokenRefused("malformed")
    return frozenset(raw)


def parse_scopes(raw: object) -> frozenset[str]:
    """The scope claim's tokens; raises TokenRefused("malformed") for any outside RFC 6749."""
    if raw is None:
        return frozenset()
    if not isinstance(raw, str):
        raise TokenRefused("malformed")
    scopes = [s for s in raw.split(" ") if s]
    if not all(SCOPE_TOKEN.fullmatch(s) for s in scopes):
        raise TokenRefused("malformed")
    return frozenset(scopes)


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
                raise TokenRefused("algorithm")
            return self._secret
        kid = jwt.get_unverified_header(token).get("kid")
        if self._jwks_file is not None:
            for key in self._jwks_file.keys:
                if key.key_id == kid:
                    return key.key
            raise TokenRefused("unknown_kid")
        if self._jwks_client is not None:
            # The client caches keys and refetches once on an unknown kid.
            signing = await asyncio.to_thread(self._jwks_client.get_signing_key_from_jwt, token)
            return signing.key
        raise TokenRefused("algorithm")

    async def verify(self, token: str) -> Claims:
        try:
            if self._secret_only:
                key: Any = self._secret
                allowed = list(self._algorithms)
            else:
                header = jwt.get_unverified_header(token)
                alg = header.get("alg")
                if not isinstance(alg, str) or alg not in self._algorithms:
                    raise TokenRefused("algorithm")
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
        except TokenRefused:
            raise
        except jwt.PyJWTError as exc:
            raise TokenRefused(refusal_reason(exc)) from exc
        except (ValueError, TypeError, KeyError) as exc:
            raise TokenRefused("malformed") from exc
        sub = payload.get("sub")
        if not isinstance(sub, str) or not sub:
            raise TokenRefused("malformed")
        return Claims(
            issuer=str(payload["iss"]),
            subject=sub,
            scopes=parse_scopes(payload.get("scope")),
            neighborhoods=_neighborhoods(payload.get("nbh")),
            expires_at=float(payload["exp"]),
        )


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header; None when no header was sent."""
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise TokenRefused("malformed", NOT_BEARER)
    if not token.strip():
        raise TokenRefused("malformed")
    return token.strip()
