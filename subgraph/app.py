"""The Starlette app: /graphql (GraphQL over HTTP and GraphiQL), /healthz, /readyz; in dev
``GET /`` redirects to /graphql."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.streaming import SSETransport
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.types import ExecutionResult

from auth.authenticate import Authenticator
from auth.rate_limits import Limits, make_limiter
from auth.tokens import TokenRefused, TokenVerifier
from auth.viewer import ANONYMOUS
from models import db
from models.clock import Clock
from models.errors import BadUserInput, Unauthenticated
from models.sealing import Sealer
from resolvers.live.activity import StreamRules
from resolvers.live.hub import Hub
from resolvers.request import CareContext
from schema.build import build_schema
from schema.pipeline import OperationStep
from subgraph import maintenance
from subgraph.gate import Gate, refusal_response
from subgraph.gateway_secret import GATEWAY_SECRET_HEADER, NOT_FROM_THE_GATEWAY, secret_matches
from subgraph.graphiql import ASSETS_DIR, graphiql_page
from subgraph.headers import SecurityHeaders
from subgraph.limits import query_limits
from subgraph.metrics import Metrics, MetricsListener
from subgraph.observe import OperationNames, RequestObserver, facts_of, result_outcome
from subgraph.persisted import PersistedOperations, Refused, load_manifest
from subgraph.policy import policy_from
from subgraph.protocol import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    content_type_header,
    error_body,
    is_request_error,
    response_media_type,
)
from subgraph.runtime import database
from subgraph.settings import Settings
from subgraph.sqlcount import CountingMiddleware

ASSETS_PREFIX = "/graphiql-assets"
metrics_log = logging.getLogger("cip.metrics")
MEDIA_KEY = "cip_media_type"


def media_of(scope: Scope) -> str:
    """The response media type the endpoint negotiated for this request."""
    media = scope.get("state", {}).get(MEDIA_KEY)
    return media if isinstance(media, str) else JSON


def make_authenticator(settings: Settings) -> Authenticator:
    verifier = TokenVerifier(
        algorithms=settings.jwt_algorithms,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        jwks_url=settings.jwks_url,
        jwks_file=settings.jwks_file,
        shared_secret=settings.dev_jwt_secret if settings.is_dev else None,
    )
    return Authenticator(verifier, settings.pseudonym_key)


class LineFeedSSE(SSETransport):
    """GraphQL over SSE with LF line ends. Strawberry ends lines with CRLF, which the SSE
    format allows but Hive Gateway's SSE reader (it splits events on a blank LF line) does
    not read: it would never see an event."""

    def encode_event(self, event: str, data: str | None = None) -> str:
        return super().encode_event(event, data).replace("\r\n", "\n")

    def encode_comment(self, comment: str) -> str:
        return super().encode_comment(comment).replace("\r\n", "\n")


class AnsweringTransportWS(BaseGraphQLTransportWSHandler[CareContext, None]):
    """graphql-transport-ws, with a refused subscription answered as a result (``next`` with
    the errors, then ``complete``) rather than an ``error`` message: a gateway passes a
    result's NOT_FOUND or RATE_LIMITED on, as SSE does, where it masks an ``error`` message
    as INTERNAL_SERVER_ERROR. Malformed and invalid operations keep the ``error`` message."""

    async def _handle_pre_execution_error(self, operation: Any, result: Any) -> None:
        errors = result.errors or []
        answered = errors and all(
            (e.extensions or {}).get("code") not in (None, BadUserInput.code) for e in errors
        )
        if not answered or self._get_pre_execution_close_reason(errors[0]):
            await super()._handle_pre_execution_error(operation, result)
            return
        await operation.send_next(result)


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """graphql-transport-ws messages as text frames. ``encode_json`` gives orjson's bytes,
    which strawberry sends as binary frames; graphql-ws clients (Hive Gateway's) read text
    frames only ("Message is missing the 'type' property")."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(self.view.encode_json_string(message))
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class CipGraphQL(GraphQL[CareContext, None]):
    """GraphQL over HTTP, and subscriptions over graphql-transport-ws (WebSocket) and GraphQL
    over SSE (distinct connections: POST with ``Accept: text/event-stream``)."""

    graphql_transport_ws_handler_class = AnsweringTransportWS
    websocket_adapter_class = TextWebSocketAdapter

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        hub: Hub | None = None,
        auth: Authenticator | None = None,
    ) -> None:
        schema = build_schema(
            dev=settings.is_dev, steps=operation_steps(settings), executor=settings.executor
        )
        # Arrays beyond CIP_MAX_BATCH are refused by the gate before they get here.
        schema.config.batching_config = {"max_operations": settings.max_batch}
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL),
            # Counted per connection by the streams themselves (resolvers/live/streams.py),
            # so the refusal carries RATE_LIMITED like every other limit.
            max_subscriptions_per_connection=None,
            connection_init_wait_timeout=dt.timedelta(seconds=10),
        )
        keep_alive = float(settings.subscription_keepalive_seconds)
        self._stream_transport_map = {"sse": LineFeedSSE(heartbeat_interval=keep_alive)}
        self._settings = settings
        self._clock = clock
        self._policy = policy_from(settings)
        self._hub = hub or Hub()  # the app's (create_app); a bare view gets one of its own
        self._auth = auth or make_authenticator(settings)

    async def get_context(self, request: Any, response: Any) -> CareContext:  # noqa: ARG002
        state = getattr(request, "state", None)
        return CareContext(
            viewer=getattr(state, "viewer", ANONYMOUS),
            sealer=Sealer(self._settings.master_key, self._clock),
            clock=self._clock,
            policy=self._policy,
            request=request,
            live=self._hub,
        )

    def encode_json(self, data: object) -> bytes:
        # orjson: about a tenth of json.dumps's instructions for an answer (docs/benchmarks.md).
        return orjson.dumps(data)

    async def on_ws_connect(self, context: CareContext) -> None:
        """The token of a WebSocket: connection_init's ``Authorization`` (as the header
        would carry it), else the handshake's header, checked by the same rules."""
        params = getattr(context, "connection_params", None) or {}
        given = next(
            (v for k, v in params.items() if isinstance(k, str) and k.lower() == "authorization"),
            None,
        )
        if not given:  # none, or an empty one (a gateway with no token to pass on)
            return None
        try:
            context.viewer = await self._auth.viewer(str(given))
        except Unauthenticated as error:
            raise ConnectionRejectionError({"code": error.code}) from error
        return None

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        facts = facts_of(request)
        if facts is not None:
            facts.note_outcome(result_outcome(result.errors))
        return await super().process_result(request, result)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's own refusals (a mutation over GET, an unknown operationName) answer
        one BAD_USER_INPUT error in the negotiated media type instead of plain text."""
        if scope["type"] == "websocket":  # graphql-transport-ws: strawberry's own handling
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope, receive))
        except HTTPException as refusal:
            media = media_of(scope)
            facts = facts_of(scope)
            if facts is not None:
                facts.note_outcome("BAD_USER_INPUT")
            response = JSONResponse(
                error_body(refusal.reason, "BAD_USER_INPUT", media),
                status_code=refusal.status_code,
                media_type=content_type_header(media),
            )
        await response(scope, receive, send)

    async def get_sub_response(self, request: Request) -> Response:  # type: ignore[override]
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = media_of(request.scope)
        return sub_response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media = sub_response.media_type or JSON
        status = 200
        if media == GRAPHQL_RESPONSE_JSON:
            # Request errors carry no data entry; a single one answers 400.
            items = response_data if isinstance(response_data, list) else [response_data]
            for item in items:
                if is_request_error(item):
                    item.pop("data", None)
            if not isinstance(response_data, list) and "data" not in response_data:
                status = 400
        response = super().create_response(response_data, sub_response)
        response.status_code = status
        response.headers["content-type"] = content_type_header(media)
        return response


def limits_from(settings: Settings) -> Limits:
    return Limits(
        mutations_per_minute=settings.rate_mutations_per_minute,
        address_mutations_per_minute=settings.rate_address_mutations_per_minute,
        codes_per_hour=settings.rate_codes_per_hour,
        address_codes_per_hour=settings.rate_address_codes_per_hour,
    )


def unauthenticated_response(error: Unauthenticated, media: str = JSON) -> JSONResponse:
    """A request whose token fails verification is refused whole, whatever it asks: 200 with
    data null as application/json, 401 without data as graphql-response+json."""
    if media == GRAPHQL_RESPONSE_JSON:
        return JSONResponse(
            error_body(error.message, error.code, media),
            status_code=401,
            media_type=content_type_header(media),
            headers={"www-authenticate": "Bearer"},
        )
    return JSONResponse(error_body(error.message, error.code, media), status_code=200)


def not_from_the_gateway(scope: Scope) -> JSONResponse:
    """401 and one error: the request did not carry CIP_GATEWAY_SECRET."""
    facts = facts_of(scope)
    if facts is not None:
        facts.refusal = "gateway_secret"
    media = response_media_type(Headers(scope=scope).get("accept"))
    errors = error_body(NOT_FROM_THE_GATEWAY, Unauthenticated.code, GRAPHQL_RESPONSE_JSON)
    return JSONResponse(errors, status_code=401, media_type=content_type_header(media))


class GraphQLEndpoint:
    def __init__(self, settings: Settings, clock: Clock, hub: Hub) -> None:
        self._auth = make_authenticator(settings)
        self._graphql = CipGraphQL(settings, clock, hub, self._auth)
        self._graphiql = settings.graphiql
        self._gate = gate_from(settings)
        self._gateway_secrets = settings.gateway_secrets

    async def websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """graphql-transport-ws: a handshake without CIP_GATEWAY_SECRET (when it is set) or
        with a bad token in its header is refused before the connection is accepted."""
        socket = WebSocket(scope, receive, send)
        if self._gateway_secrets is not None:
            if not secret_matches(socket.headers.get(GATEWAY_SECRET_HEADER), self._gateway_secrets):
                await socket.close(code=4401, reason="Unauthorized")
                return
        try:
            viewer = await self._auth.viewer(socket.headers.get("authorization"))
        except Unauthenticated:
            await socket.close(code=4403, reason="Forbidden")
            return
        scope.setdefault("state", {})["viewer"] = viewer
        await self._graphql(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if self._gateway_secrets is not None:
            sent = request.headers.get(GATEWAY_SECRET_HEADER)
            if not secret_matches(sent, self._gateway_secrets):
                await not_from_the_gateway(scope)(scope, receive, send)
                return
        if request.method == "GET" and _wants_html(request):
            page: Response
            if self._graphiql:
                page = HTMLResponse(graphiql_page("/graphql", ASSETS_PREFIX))
            else:
                page = PlainTextResponse("Not Found", status_code=404)
            await page(scope, receive, send)
            return
        media = response_media_type(request.headers.get("accept"))
        scope.setdefault("state", {})[MEDIA_KEY] = media
        try:
            receive = await self._gate.admit(scope, receive)
        except Refused as refusal:
            await refusal_response(refusal, media)(scope, receive, send)
            return
        try:
            viewer = await self._auth.viewer(request.headers.get("authorization"))
        except Unauthenticated as error:
            facts = facts_of(scope)
            if facts is not None and isinstance(error, TokenRefused):
                facts.refusal = error.reason
            await unauthenticated_response(error, media)(scope, receive, send)
            return
        scope.setdefault("state", {})["viewer"] = viewer
        await self._graphql(scope, receive, send)


class _WebSocketApp:
    """An ASGI app for starlette's WebSocketRoute (a bound method would be wrapped)."""

    def __init__(self, endpoint: GraphQLEndpoint) -> None:
        self._endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._endpoint.websocket(scope, receive, send)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") and "query" not in request.query_params


async def to_graphql(_: Request) -> Response:
    return RedirectResponse("/graphql", status_code=307)


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(_: Request) -> Response:
    if await db.ping():
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "not ready"}, status_code=503)


def create_app(settings: Settings, clock: Clock | None = None) -> Starlette:
    """The ASGI app. Migrations are applied by the caller (``cip serve``) before it starts."""
    clock = clock or Clock(settings.today)

    metrics = Metrics()
    hub = Hub(
        queue_size=settings.subscription_queue,
        max_per_subject=settings.max_subscriptions_per_subject,
        rules=StreamRules(
            max_per_connection=settings.max_subscriptions_per_connection,
            idle_seconds=float(settings.subscription_idle_seconds),
        ),
        on_count=metrics.open_streams.set,
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with (
            database(settings),
            maintenance.running(
                maintenance.scrub_forever,
                lambda: maintenance.purge_forever(clock, settings.update_ttl_days),
            ),
        ):
            listener = await start_metrics_listener(settings, metrics)
            await hub.start(settings.database_url)
            try:
                yield
            finally:
                await hub.stop()
                if listener is not None:
                    await listener.stop()

    endpoint = GraphQLEndpoint(settings, clock, hub)
    routes: list[BaseRoute] = [
        Route("/graphql", endpoint, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", _WebSocketApp(endpoint)),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    if settings.is_dev:
        # A newcomer opening http://127.0.0.1:4001/ lands on GraphiQL, not on a bare 404.
        routes.append(Route("/", to_graphql, methods=["GET"]))
    if settings.graphiql:
        assets = StaticFiles(directory=ASSETS_DIR)
        routes.append(Mount(ASSETS_PREFIX, assets, name="graphiql-assets"))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            # Outermost first: every response (errors and assets too) gets the headers.
            Middleware(SecurityHeaders, cacheable_prefix=ASSETS_PREFIX),
            Middleware(RequestObserver, metrics=metrics, assets_prefix=ASSETS_PREFIX),
            *([Middleware(CountingMiddleware)] if settings.count_sql else []),
        ],
    )
    app.state.clock = clock
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.live = hub
    # Rate limits: read by auth.rate_guard.RateGuard on every root mutation.
    app.state.rate_limiter = make_limiter(
        settings.rate_backend, settings.pseudonym_key, limits_from(settings)
    )
    app.state.rate_client_header = settings.rate_client_header
    return app


async def start_metrics_listener(settings: Settings, metrics: Metrics) -> MetricsListener | None:
    """/metrics on its own listener (CIP_METRICS_PORT); None when it is off. In dev a port
    already taken by something else is a warning; in prod it stops the start."""
    if settings.metrics_port is None:
        return None
    listener = MetricsListener(metrics, settings.metrics_host, settings.metrics_port)
    try:
        await listener.start()
    except OSError as error:
        if not settings.is_dev:
            raise
        metrics_log.warning(
            "metrics listener not started: %s:%s is taken (%s); set CIP_METRICS_PORT",
            settings.metrics_host,
            settings.metrics_port,
            error.strerror,
        )
        return None
    return listener


def operation_steps(settings: Settings) -> list[OperationStep]:
    """The steps of the HTTP hardening in every operation (docs/security.md: Query limits,
    Logs), run by schema/pipeline.py."""
    limits = query_limits(
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        introspection=settings.introspection,
    )
    return [OperationNames(), limits]


def gate_from(settings: Settings) -> Gate:
    persisted = None
    if settings.persisted_manifest is not None:
        manifest = load_manifest(settings.persisted_manifest)
        persisted = PersistedOperations(manifest=manifest, only=settings.persisted_only)
    return Gate(settings.max_body_bytes, settings.max_batch, persisted)
