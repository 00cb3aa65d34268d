"""GraphQL over HTTP, the rules as pure functions: media types, request parameters, statuses.

The spec (graphql.github.io/graphql-over-http) has two response media types.
``application/graphql-response+json`` is answered when the client's Accept header takes it
(and prefers it at least as much as ``application/json``); a request error (a body or
parameter that is not a GraphQL request, a document that does not parse or validate,
variables that do not coerce, a refused token) then answers a 4xx status and no ``data``
entry. ``application/json`` is answered otherwise, as before: 200 for every GraphQL result,
4xx only for what never became one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from subgraph.persisted import Refused

SURROGATE = re.compile("[\ud800-\udfff]")

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
PARAMETER_TYPES: dict[str, tuple[type, ...]] = {
    "query": (str,),
    "operationName": (str,),
    "variables": (dict,),
    "extensions": (dict,),
}


def _media_ranges(accept: str) -> Iterator[tuple[str, float]]:
    for part in accept.split(","):
        kind, *params = (p.strip() for p in part.split(";"))
        if not kind:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        yield kind.lower(), q


def _quality(ranges: list[tuple[str, float]], media: str) -> float:
    """The q the client gives ``media``: the most specific range that matches it."""
    kind = media.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for candidate, q in ranges:
        if candidate == media:
            specificity = 2
        elif candidate == f"{kind}/*":
            specificity = 1
        elif candidate == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best[0]:
            best = (specificity, q)
    return best[1]


def response_media_type(accept: str | None) -> str:
    """The media type to answer with: graphql-response+json only when the client names it
    and takes it at least as gladly as application/json; application/json otherwise (also
    for an Accept header that takes neither: a JSON answer is better than a 406)."""
    if not accept:
        return JSON
    ranges = list(_media_ranges(accept))
    wanted = _quality(
        [(k, q) for k, q in ranges if k == GRAPHQL_RESPONSE_JSON], GRAPHQL_RESPONSE_JSON
    )
    if wanted > 0 and wanted >= _quality(ranges, JSON):
        return GRAPHQL_RESPONSE_JSON
    return JSON


def content_type_header(media: str) -> str:
    return f"{media}; charset=utf-8" if media == GRAPHQL_RESPONSE_JSON else media


def check_request_content_type(content_type: str | None) -> None:
    """A POST body must be JSON in UTF-8 (charset absent or utf-8); else HTTP 415."""
    kind, *params = (p.strip() for p in (content_type or "").split(";"))
    if kind.lower() != JSON:
        raise Refused(
            "Send the request body as application/json (Content-Type: application/json).",
            status=415,
        )
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise Refused("The request body must be UTF-8 (charset=utf-8).", status=415)


def has_lone_surrogate(value: object) -> bool:
    """Whether any string in a decoded JSON value (keys included) holds a lone surrogate,
    which JSON's \\ud800 escapes can carry and UTF-8 cannot."""
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def check_parameters(item: Mapping[str, Any]) -> None:
    """Each of query, operationName, variables and extensions absent, null or of its type."""
    for name, types in PARAMETER_TYPES.items():
        value = item.get(name)
        if value is not None and not isinstance(value, types):
            kind = "a string" if types == (str,) else "an object"
            raise Refused(f"The {name} parameter must be {kind} or null.", status=400)


def is_request_error(body: Mapping[str, Any]) -> bool:
    """A GraphQL response that never reached execution: no data, and only errors without a
    path (parse, validation, variable coercion, limits checked before execution)."""
    errors = body.get("errors")
    if body.get("data") is not None or not isinstance(errors, list) or not errors:
        return False
    return all(isinstance(e, dict) and "path" not in e for e in errors)


def error_body(message: str, code: str, media: str) -> dict[str, Any]:
    """One error; graphql-response+json carries no data entry for a request error."""
    errors = [{"message": message, "extensions": {"code": code}}]
    if media == GRAPHQL_RESPONSE_JSON:
        return {"errors": errors}
    return {"data": None, "errors": errors}
