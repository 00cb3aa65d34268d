"""Security headers on every response: pages, JSON, errors, static assets, 404s.

The GraphiQL page loads only files served from here (no inline script or style, no data: URIs:
see subgraph/graphiql.py), so one policy of "self" fits every response. Responses other than
the GraphiQL assets are never stored by caches: they can carry care data.
"""

from __future__ import annotations

import json

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; font-src 'self'; "
    "img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


_JSON = [(b"content-type", b"application/json")]
_INTERNAL = json.dumps(
    {
        "data": None,
        "errors": [
            {"message": "Internal server error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        ],
    }
).encode()


class SecurityHeaders:
    """ASGI middleware; ``cacheable_prefix``: the static assets, which caches may keep."""

    def __init__(self, app: ASGIApp, cacheable_prefix: str) -> None:
        self.app = app
        self.cacheable_prefix = cacheable_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asset = str(scope.get("path", "")).startswith(self.cacheable_prefix + "/")

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if not (asset and int(message["status"]) < 400):
                    headers["cache-control"] = "no-store"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette's own 500 page is made outside the middleware stack, without these
            # headers: answer here, then let the error go on to be logged (by type only).
            if not started:
                await send_with_headers(
                    {"type": "http.response.start", "status": 500, "headers": _JSON}
                )
                await send_with_headers({"type": "http.response.body", "body": _INTERNAL})
            raise
