"""A small fake Local Commons subgraph: the fixture SDL executed by graphql-core under uvicorn
on loopback, in a thread of its own. It records every request it receives (raw body and
headers) and can be told to fail, so tests see exactly what CIP or the gateway sent."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import GraphQLSchema, build_ast_schema, graphql, parse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support import free_port
from tests.support.threaded import ThreadedServer

SDL_PATH = Path(__file__).resolve().parent / "local_commons.graphql"
MODES = ("ok", "graphql-error", "http-500", "not-json", "slow")


@dataclass(frozen=True)
class Received:
    body: bytes
    headers: dict[str, str]

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def local_commons_schema() -> GraphQLSchema:
    # Federation's directives are not graphql-core's; the fixture is valid for composition.
    return build_ast_schema(parse(SDL_PATH.read_text()), assume_valid_sdl=True)


def _root() -> dict[str, Any]:
    def member(_info: Any, id: str) -> dict[str, Any]:
        return {"id": id, "displayName": "A neighbour", "neighborhood": "n-1"}

    def create_exchange_request(_info: Any, input: dict[str, Any]) -> dict[str, Any]:
        return {"id": f"ex-{uuid.uuid4().hex[:8]}", "status": "OPEN", **input}

    def create_steward_alert(_info: Any, input: dict[str, Any]) -> dict[str, Any]:
        return {"id": f"al-{uuid.uuid4().hex[:8]}", **input}

    return {
        "member": member,
        "exchangeRequest": lambda _info, id: None,
        "createExchangeRequest": create_exchange_request,
        "createStewardAlert": create_steward_alert,
    }


class FakeLocalCommons:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        self.received: list[Received] = []
        self.mode = "ok"
        self.slow_seconds = 3.0
        self._schema = local_commons_schema()
        self._threaded = ThreadedServer("fake-local-commons", self.port)

    def reset(self, mode: str = "ok") -> None:
        assert mode in MODES
        self.received.clear()
        self.mode = mode

    async def _endpoint(self, request: Request) -> Response:
        body = await request.body()
        self.received.append(Received(body, {k.lower(): v for k, v in request.headers.items()}))
        if self.mode == "http-500":
            return Response("down", status_code=500)
        if self.mode == "not-json":
            return Response("<html>maintenance</html>", media_type="text/html")
        if self.mode == "slow":
            await asyncio.sleep(self.slow_seconds)
        payload = json.loads(body)
        if self.mode == "graphql-error":
            return JSONResponse({"data": None, "errors": [{"message": "not allowed"}]})
        result = await graphql(
            self._schema,
            payload["query"],
            root_value=_root(),
            variable_values=payload.get("variables"),
            operation_name=payload.get("operationName"),
        )
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [e.formatted for e in result.errors]
        return JSONResponse(answer)

    def start(self) -> FakeLocalCommons:
        self._threaded.start(
            Starlette(routes=[Route("/graphql", self._endpoint, methods=["POST"])])
        )
        return self

    def stop(self) -> None:
        self._threaded.stop()
