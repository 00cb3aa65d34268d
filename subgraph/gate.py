"""The HTTP gate in front of GraphQL: media type, bytes, parameters, batch size, persisted
operations.

It runs before the body is parsed as GraphQL (and before the token is checked): a body over
CIP_MAX_BODY_BYTES is refused with HTTP 413 while it is being read (a declared Content-Length
over the limit is refused without reading at all); a POST that is not application/json
answers 415; a body that is empty, not UTF-8, not JSON, holds a lone surrogate anywhere, or
whose query, operationName, variables or extensions have the wrong type answers 400; a JSON
array with more than CIP_MAX_BATCH operations and a refused persisted operation answer
BAD_USER_INPUT. Every refusal is one BAD_USER_INPUT error and nothing executes. GET query
strings get the same checks and are handed on re-encoded, so the GraphQL layer reads exactly
what was checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope

from subgraph.persisted import PersistedOperations, Refused, resolve
from subgraph.protocol import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    check_parameters,
    check_request_content_type,
    content_type_header,
    error_body,
    has_lone_surrogate,
)


def refusal_response(refusal: Refused, media: str = JSON) -> JSONResponse:
    status = refusal.status
    if media == GRAPHQL_RESPONSE_JSON and status < 400:
        status = 400  # a request error: 4xx and no data entry
    return JSONResponse(
        error_body(refusal.message, "BAD_USER_INPUT", media),
        status_code=status,
        media_type=content_type_header(media),
    )


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return bytes(value).decode("latin-1")
    return None


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
        """The receive callable to go on with; raises Refused. Rewrites GET query strings."""
        if scope["method"] == "GET":
            self._admit_get(scope)
            return receive
        check_request_content_type(_header(scope, b"content-type"))
        body = await self._read_body(scope, receive)
        if not body.strip():
            raise Refused("The request body is empty; send a JSON object with a query.", 400)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Refused("The request body is not UTF-8.", 400) from exc
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise Refused("The request body is not JSON.", 400) from exc
        except RecursionError as exc:
            raise Refused("The request body is nested too deeply.", 400) from exc
        if isinstance(data, list):
            if len(data) > self.max_batch:
                raise Refused(
                    f"The request holds {len(data)} operations; at most {self.max_batch} "
                    "may be sent at once."
                )
            if not data:
                raise Refused("The request holds no operation.", 400)
            items: list[Any] = [self._operation(item) for item in data]
            return _replay(json.dumps(items).encode(), receive)
        operation = self._operation(data)
        # Unchanged by the checks (no persisted operation filled in): the body as it came.
        return _replay(body if operation == data else json.dumps(operation).encode(), receive)

    def _operation(self, item: Any) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise Refused("The request must be a JSON object with a query.", 400)
        if has_lone_surrogate(item):
            raise Refused(
                "The request holds a lone surrogate (an unpaired \\ud800-\\udfff escape) in its "
                "query, operationName, variables or extensions, which is not text.",
                400,
            )
        check_parameters(item)
        resolved = resolve(item, self.persisted)
        if not isinstance(resolved.get("query"), str):
            raise Refused("The request has no query; send one as the query parameter.", 400)
        return resolved

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
        try:
            raw = bytes(scope.get("query_string", b"")).decode("utf-8")
            pairs = parse_qsl(raw, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError as exc:
            raise Refused("The query string is not UTF-8.", 400) from exc
        params = dict(pairs)
        item: dict[str, Any] = {"query": params.get("query") or None}
        if params.get("operationName"):
            item["operationName"] = params["operationName"]
        for name in ("variables", "extensions"):
            if params.get(name):
                try:
                    item[name] = json.loads(params[name])
                except (ValueError, RecursionError) as exc:
                    raise Refused(f"The {name} parameter is not JSON.", 400) from exc
        resolved = self._operation(item)
        params["query"] = resolved["query"]
        scope["query_string"] = urlencode(params).encode("ascii")
