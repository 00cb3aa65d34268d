"""The Starlette app: /graphql (GraphQL over HTTP and GraphiQL), /healthz, /readyz; in dev
``GET /`` redirects to /graphql."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from auth.authenticate import Authenticator
from auth.rate_limits import Limits, make_limiter
from auth.tokens import TokenVerifier
from models import db
from models.clock import Clock
from models.errors import Unauthenticated
from models.sealing import Sealer
from resolvers.request import CareContext
from schema.build import build_schema
from subgraph.gate import Gate, refusal_response
from subgraph.graphiql import ASSETS_DIR, graphiql_page
from subgraph.headers import SecurityHeaders
from subgraph.limits import query_limits
from subgraph.metrics import Metrics
from subgraph.observe import OperationNames, RequestObserver, facts_of, result_outcome
from subgraph.persisted import PersistedOperations, Refused, load_manifest
from subgraph.policy import policy_from
from subgraph.runtime import database
from subgraph.settings import Settings
from subgraph.sqlcount import CountingMiddleware

ASSETS_PREFIX = "/graphiql-assets"


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


class CipGraphQL(GraphQL[CareContext, None]):
    def __init__(self, settings: Settings, clock: Clock) -> None:
        schema = build_schema(
            dev=settings.is_dev, extensions=http_extensions(settings), executor=settings.executor
        )
        # Arrays beyond CIP_MAX_BATCH are refused by the gate before they get here.
        schema.config.batching_config = {"max_operations": settings.max_batch}
        super().__init__(schema, graphql_ide=None)
        self._settings = settings
        self._clock = clock
        self._policy = policy_from(settings)

    async def get_context(self, request: Any, response: Any) -> CareContext:  # noqa: ARG002
        return CareContext(
            viewer=request.state.viewer,
            sealer=Sealer(self._settings.master_key, self._clock),
            clock=self._clock,
            policy=self._policy,
            request=request,
        )

    def encode_json(self, data: object) -> bytes:
        # orjson: about a tenth of json.dumps's instructions for an answer (docs/benchmarks.md).
        return orjson.dumps(data)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        facts = facts_of(request)
        if facts is not None:
            facts.note_outcome(result_outcome(result.errors))
        return await super().process_result(request, result)


def limits_from(settings: Settings) -> Limits:
    return Limits(
        mutations_per_minute=settings.rate_mutations_per_minute,
        address_mutations_per_minute=settings.rate_address_mutations_per_minute,
        codes_per_hour=settings.rate_codes_per_hour,
        address_codes_per_hour=settings.rate_address_codes_per_hour,
    )


def unauthenticated_response(error: Unauthenticated) -> JSONResponse:
    """A request whose token fails verification is refused whole, whatever it asks."""
    body = {
        "data": None,
        "errors": [{"message": error.message, "extensions": {"code": error.code}}],
    }
    return JSONResponse(body, status_code=200)


class GraphQLEndpoint:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self._graphql = CipGraphQL(settings, clock)
        self._auth = make_authenticator(settings)
        self._graphiql = settings.graphiql
        self._gate = gate_from(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if request.method == "GET" and _wants_html(request):
            page: Response
            if self._graphiql:
                page = HTMLResponse(graphiql_page("/graphql", ASSETS_PREFIX))
            else:
                page = PlainTextResponse("Not Found", status_code=404)
            await page(scope, receive, send)
            return
        try:
            receive = await self._gate.admit(scope, receive)
        except Refused as refusal:
            await refusal_response(refusal)(scope, receive, send)
            return
        try:
            viewer = await self._auth.viewer(request.headers.get("authorization"))
        except Unauthenticated as error:
            await unauthenticated_response(error)(scope, receive, send)
            return
        scope.setdefault("state", {})["viewer"] = viewer
        await self._graphql(scope, receive, send)


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

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with database(settings):
            yield

    endpoint = GraphQLEndpoint(settings, clock)
    metrics = Metrics()
    routes: list[BaseRoute] = [
        Route("/graphql", endpoint, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics.endpoint),
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
    # Rate limits: read by auth.rate_guard.RateGuard on every root mutation.
    app.state.rate_limiter = make_limiter(
        settings.rate_backend, settings.pseudonym_key, limits_from(settings)
    )
    app.state.rate_client_header = settings.rate_client_header
    return app


def http_extensions(settings: Settings) -> list[Any]:
    """The schema extensions of the HTTP hardening (docs/security.md: Query limits, Logs)."""
    limits = query_limits(
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        introspection=settings.introspection,
    )
    return [OperationNames, limits]


def gate_from(settings: Settings) -> Gate:
    persisted = None
    if settings.persisted_manifest is not None:
        manifest = load_manifest(settings.persisted_manifest)
        persisted = PersistedOperations(manifest=manifest, only=settings.persisted_only)
    return Gate(settings.max_body_bytes, settings.max_batch, persisted)
