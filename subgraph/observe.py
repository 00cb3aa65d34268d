"""What one request did, for the request log and the metrics: operation names and outcome.

Operation names are GraphQL names (letters, digits, underscore) and nothing else: a name a
client sent that is not one (or is long) is recorded as "invalid", an unnamed one as
"anonymous". The outcome is the first error's code, or OK.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from graphql import OperationDefinitionNode
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.types.execution import ExecutionContext

from schema.pipeline import OperationStep
from subgraph.logs import log_request
from subgraph.metrics import Metrics

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
STATE_KEY = "cip_request_facts"


@dataclass
class RequestFacts:
    operations: list[str] = field(default_factory=list)
    outcome: str | None = None
    # Why a token was refused (auth.tokens.REASONS); never the token, a claim or the subject.
    refusal: str | None = None

    def note_outcome(self, code: str) -> None:
        if self.outcome in (None, "OK"):
            self.outcome = code

    @property
    def operation(self) -> str:
        return ",".join(self.operations) if self.operations else "-"


def facts_of(scope_or_state: Any) -> RequestFacts | None:
    """The facts object the request middleware put in the request's scope state."""
    state = scope_or_state.get("state") if isinstance(scope_or_state, dict) else None
    if state is None:
        state = getattr(getattr(scope_or_state, "state", None), "_state", None)
    found = state.get(STATE_KEY) if isinstance(state, dict) else None
    return found if isinstance(found, RequestFacts) else None


def start_facts(scope: Scope) -> RequestFacts:
    facts = RequestFacts()
    scope.setdefault("state", {})[STATE_KEY] = facts
    return facts


def safe_name(name: Any) -> str:
    if name is None:
        return "anonymous"
    if isinstance(name, str) and _NAME.fullmatch(name):
        return name
    return "invalid"


def result_outcome(errors: Any) -> str:
    for error in errors or ():
        extensions = getattr(error, "extensions", None) or {}
        code = extensions.get("code") if isinstance(extensions, dict) else None
        return code if isinstance(code, str) and _NAME.fullmatch(code) else "UNKNOWN"
    return "OK"


class OperationNames(OperationStep):
    """Notes the executed operation's name on the request (CareContext.request), also when
    strawberry refuses the operation with an HTTP 400 (``finish`` always runs)."""

    def finish(self, context: ExecutionContext) -> None:
        request = getattr(context.context, "request", None)
        facts = facts_of(request) if request is not None else None
        if facts is None:
            return
        name: Any = None
        document = context.graphql_document
        if document is not None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            # The operationName the client sent (strawberry keeps it on a private attribute).
            wanted = getattr(context, "_provided_operation_name", None)
            for op in operations:
                op_name = op.name.value if op.name else None
                if (wanted is None and len(operations) == 1) or op_name == wanted:
                    name = op_name
                    break
            else:
                name = "invalid" if wanted is not None else None
        else:
            name = "unparsed"
        facts.operations.append(safe_name(name))


ROUTES = ("/graphql", "/healthz", "/readyz")
_SNIFF_LIMIT = 64 * 1024


def route_of(path: str, assets_prefix: str) -> str:
    """A fixed label for the path: the paths themselves are the client's text."""
    if path in ROUTES:
        return path
    if path.startswith(assets_prefix + "/"):
        return assets_prefix
    return "other"


def _outcome_from_body(body: bytes) -> str | None:
    """The first error code of a GraphQL JSON answer not made by strawberry's result path
    (refused bodies, failed tokens, answers added by other layers)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return None
    if not errors:
        return "OK"
    first = errors[0]
    extensions = first.get("extensions") if isinstance(first, dict) else None
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return code if isinstance(code, str) and _NAME.fullmatch(code) else "UNKNOWN"


class RequestObserver:
    """ASGI middleware: one log line and one metrics sample per HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics, assets_prefix: str) -> None:
        self.app = app
        self.metrics = metrics
        self.assets_prefix = assets_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        facts = start_facts(scope)
        route = route_of(str(scope.get("path", "")), self.assets_prefix)
        status = 500
        sniff: list[bytes] | None = None

        async def observing_send(message: Message) -> None:
            nonlocal status, sniff
            if message["type"] == "http.response.start":
                status = int(message["status"])
                content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
                if route == "/graphql" and facts.outcome is None and "json" in content_type:
                    sniff = []
            elif message["type"] == "http.response.body" and sniff is not None:
                if sum(map(len, sniff)) < _SNIFF_LIMIT:
                    sniff.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            if facts.outcome is None and sniff is not None:
                found = _outcome_from_body(b"".join(sniff))
                if found is not None:
                    facts.note_outcome(found)
            if facts.outcome is None:
                facts.outcome = "OK" if status < 400 else f"HTTP_{status}"
            seconds = time.perf_counter() - started
            operation = facts.operation
            self.metrics.observe(
                route=route, operation=operation, outcome=facts.outcome, seconds=seconds
            )
            log_request(
                route=route,
                method=str(scope.get("method", "")),
                status=status,
                operation=operation,
                outcome=facts.outcome,
                seconds=seconds,
                reason=facts.refusal,
            )
