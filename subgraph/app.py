"""The Starlette app: /graphql (GraphQL over HTTP and GraphiQL), /healthz, /readyz."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from auth.authenticate import Authenticator
from auth.tokens import TokenVerifier
from models import db
from models.clock import Clock
from models.errors import Unauthenticated
from models.sealing import Sealer
from resolvers.context import CareContext
from schema.build import build_schema
from subgraph.graphiql import ASSETS_DIR, graphiql_page
from subgraph.policy import policy_from
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
        super().__init__(build_schema(dev=settings.is_dev), graphql_ide=None)
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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if request.method == "GET" and _wants_html(request):
            await HTMLResponse(graphiql_page("/graphql", ASSETS_PREFIX))(scope, receive, send)
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


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(_: Request) -> Response:
    if await db.ping():
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "not ready"}, status_code=503)


def create_app(settings: Settings, clock: Clock | None = None) -> Starlette:
    """The ASGI app. Migrations are applied by the caller (``cip serve``) before it starts."""
    clock = clock or Clock(settings.today)
    config = db.tortoise_config(settings.database_url, settings.keystore_url)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await db.open_db(config)
        try:
            yield
        finally:
            await db.close_db()

    endpoint = GraphQLEndpoint(settings, clock)
    app = Starlette(
        routes=[
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Mount(ASSETS_PREFIX, StaticFiles(directory=ASSETS_DIR), name="graphiql-assets"),
        ],
        lifespan=lifespan,
        middleware=[Middleware(CountingMiddleware)] if settings.count_sql else [],
    )
    app.state.clock = clock
    app.state.settings = settings
    return app
