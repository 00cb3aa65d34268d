"""Real signing keys and JWKS documents for tests (RS256, ES256, EdDSA)."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

ISSUER = "https://id.example.org/"
AUDIENCE = "cip"


def make_keys() -> dict[str, Any]:
    return {
        "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES256": ec.generate_private_key(ec.SECP256R1()),
        "EdDSA": ed25519.Ed25519PrivateKey.generate(),
    }


def jwks_for(keys: dict[str, Any]) -> dict[str, Any]:
    docs = []
    for alg, key in keys.items():
        algo = {"RS256": RSAAlgorithm, "ES256": ECAlgorithm, "EdDSA": OKPAlgorithm}[alg]
        jwk = json.loads(algo.to_jwk(key.public_key()))
        jwk.update({"kid": f"kid-{alg}", "alg": alg, "use": "sig"})
        docs.append(jwk)
    return {"keys": docs}


def sign(key: Any, alg: str, kid: str | None = None, **claims: Any) -> str:
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "alice",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid or f"kid-{alg}"})
