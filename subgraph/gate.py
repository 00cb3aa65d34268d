"""The HTTP gate in front of GraphQL: body size, batch size, persisted operations.

It runs before the body is parsed as GraphQL (and before the token is checked): a body over
CIP_MAX_BODY_BYTES is refused with HTTP 413 while it is being read (a declared Content-Length
over the limit is refused without reading at all); a JSON array with more than CIP_MAX_BATCH
operations and a refused persisted operation answer BAD_USER_INPUT. Bodies that are not JSON
are passed on unchanged: strawberry answers those with HTTP 400.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope

from subgraph.persisted import PersistedOperations, Refused, resolve


def refusal_response(refusal: Refused) -> JSONResponse:
    body = {
        "data": None,
        "errors": [{"message": refusal.message, "extensions": {"code": "BAD_USER_INPUT"}}],
    }
    return JSONResponse(body, status_code=refusal.status)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive callable that hands out ``body`` once, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


@dataclass(frozen=True)
class Gate:
    max_body_bytes: int
    max_batch: int
    persisted: PersistedOperations | None = None

    async def admit(self, scope: Scope, receive: Receive) -> Receive:
        """The receive callable to go on with; raises Refused. May rewrite GET query strings."""
        if scope["method"] == "GET":
            self._admit_get(scope)
            return receive
        body = await self._read_body(scope, receive)
        try:
            data = json.loads(body) if body else None
        except ValueError:
            return _replay(body, receive)
        except RecursionError as exc:
            raise Refused("The request body is nested too deeply.") from exc
        if isinstance(data, list):
            if len(data) > self.max_batch:
                raise Refused(
                    f"The request holds {len(data)} operations; at most {self.max_batch} "
                    "may be sent at once."
                )
            items = [self._operation(item) for item in data]
            return _replay(body if items == data else json.dumps(items).encode(), receive)
        if isinstance(data, dict):
            item = self._operation(data)
            return _replay(body if item == data else json.dumps(item).encode(), receive)
        return _replay(body, receive)

    def _operation(self, item: Any) -> Any:
        if not isinstance(item, dict):
            return item  # strawberry reports the malformed request
        return resolve(item, self.persisted)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        too_large = Refused(
            f"The request body is larger than {self.max_body_bytes} bytes.", status=413
        )
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_body_bytes:
                    raise too_large
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _admit_get(self, scope: Scope) -> None:
        raw = scope.get("query_string", b"").decode("latin-1")
        params = dict(parse_qsl(raw, keep_blank_values=True))
        if "query" not in params and "extensions" not in params:
            return  # no operation: GraphiQL or strawberry's own answer
        item: dict[str, Any] = {"query": params.get("query")}
        if "extensions" in params:
            try:
                item["extensions"] = json.loads(params["extensions"])
            except ValueError as exc:
                raise Refused("The extensions parameter is not JSON.") from exc
        resolved = resolve(item, self.persisted)
        if resolved.get("query") != params.get("query"):
            params["query"] = resolved["query"]
            scope["query_string"] = urlencode(params).encode("latin-1")
