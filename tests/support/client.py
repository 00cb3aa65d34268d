"""One GraphQL client over HTTP, for the in-process live server, a served `cip serve`
process and the gateway alike, and one way to send many calls at once."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.types import ASGIApp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class GraphQLResponse:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.body.get("errors") or [])

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]


def payload_of(query: str, variables: Mapping[str, Any] | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = dict(variables)
    return payload


def headers_of(token: str | None, headers: Mapping[str, str] | None) -> dict[str, str]:
    found = dict(headers or {})
    if token is not None:
        found["Authorization"] = f"Bearer {token}"
    return found


@dataclass(frozen=True)
class Call:
    """One GraphQL request, to be sent with others by ``concurrently``."""

    url: str
    query: str
    variables: Mapping[str, Any] | None = None
    token: str | None = None


class InProcess:
    """httpx's request, get and post, straight into an ASGI app in this process (no lifespan,
    so no database is opened)."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        self.app = app
        self.base_url = base_url

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url=self.base_url) as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(go())

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def close(self) -> None:
        pass


class GraphQLClient:
    """GraphQL over HTTP at ``base_url + path``: to a server (the live one, a served process,
    the gateway), or with ``app`` straight into an ASGI app in this process. ``client`` serves
    other requests to the same base (health, metrics, assets)."""

    def __init__(
        self,
        base_url: str,
        path: str = "/graphql",
        headers: Mapping[str, str] | None = None,
        app: ASGIApp | None = None,
    ) -> None:
        self.base_url = base_url
        self.url = f"{base_url}{path}"
        self.headers = dict(headers or {})
        self.client: httpx.Client | InProcess = (
            httpx.Client(base_url=base_url, timeout=30) if app is None else InProcess(app, base_url)
        )

    def post(
        self,
        payload: Any,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Any JSON body (a batch, a persisted-query request) to the GraphQL endpoint."""
        sent = {**self.headers, **headers_of(token, headers)}
        return self.client.post(self.url, json=payload, headers=sent)

    def gql(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> GraphQLResponse:
        resp = self.post(payload_of(query, variables), token, headers)
        return GraphQLResponse(resp.status_code, resp.json())

    def call(
        self, query: str, variables: Mapping[str, Any] | None = None, token: str | None = None
    ) -> Call:
        return Call(self.url, query, variables, token)

    def close(self) -> None:
        self.client.close()


async def send_all(calls: Sequence[Call]) -> list[GraphQLResponse]:
    """Every call at once (one task each, over one connection pool), answers in call order."""
    async with httpx.AsyncClient(timeout=60) as client:

        async def one(call: Call) -> GraphQLResponse:
            resp = await client.post(
                call.url,
                json=payload_of(call.query, call.variables),
                headers=headers_of(call.token, None),
            )
            return GraphQLResponse(resp.status_code, resp.json())

        return list(await asyncio.gather(*(one(c) for c in calls)))


def concurrently(calls: Sequence[Call]) -> list[GraphQLResponse]:
    """``send_all`` from a test: the calls race each other, to one server or several."""
    return asyncio.run(send_all(calls))


def outcome(resp: GraphQLResponse) -> str:
    """ "ok", or the first error's code."""
    return "ok" if not resp.errors else resp.codes[0]
