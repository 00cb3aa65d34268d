"""Only the gateway may ask: CIP_GATEWAY_SECRET, checked on every /graphql request.

When the setting is on, each request (GET and POST, the gateway's own ``_service`` query
included) must carry one of the configured secrets in GATEWAY_SECRET_HEADER, a header the
gateway adds on its calls to CIP and to no other subgraph (federation/). Several secrets are
accepted at once so that one can be rotated: add the new one to CIP, move the gateway to
it, then drop the old one. Each comparison takes the same time whatever the bytes, and every
configured secret is compared, so the answer's timing says nothing about them.
"""

from __future__ import annotations

import hmac

GATEWAY_SECRET_HEADER = "x-cip-gateway-secret"
NOT_FROM_THE_GATEWAY = "This subgraph answers its gateway only; send the request through it."


def secret_matches(sent: str | None, secrets: tuple[str, ...]) -> bool:
    """Whether ``sent`` is one of ``secrets``, in constant time per secret."""
    if sent is None:
        return False
    given = sent.encode("utf-8", "surrogateescape")
    found = False
    for secret in secrets:
        found |= hmac.compare_digest(given, secret.encode())
    return found
