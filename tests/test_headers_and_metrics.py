"""Security headers on every response; /metrics in Prometheus format without care counts."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from subgraph.app import start_metrics_listener
from subgraph.headers import CONTENT_SECURITY_POLICY, SecurityHeaders
from subgraph.metrics import Metrics
from subgraph.settings import DEV_METRICS_PORT, ConfigError, load_settings
from tests.support import LiveServer, dev_env
from tests.test_http_config import prod_env


def secured(resp: httpx.Response, *, cacheable: bool = False) -> None:
    where = f"{resp.request.method} {resp.request.url.path} -> {resp.status_code}"
    assert resp.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, where
    assert resp.headers["x-content-type-options"] == "nosniff", where
    assert resp.headers["referrer-policy"] == "no-referrer", where
    if not cacheable:
        assert resp.headers["cache-control"] == "no-store", where


def test_every_response_carries_the_security_headers(server: LiveServer) -> None:
    client = server.client
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    secured(page)
    for asset in re.findall(r'(?:src|href)="(/graphiql-assets/[^"]+)"', page.text):
        resp = client.get(asset)
        assert resp.status_code == 200
        secured(resp, cacheable=True)
        assert "no-store" not in resp.headers.get("cache-control", "")
    answers = [
        client.post("/graphql", json={"query": "{ careScope { isNot } }"}),
        client.post("/graphql", json={"query": "{ nope }"}),
        client.post(
            "/graphql",
            json={"query": "{ careScope { isNot } }"},
            headers={"Authorization": "Bearer not-a-token"},
        ),
        client.post("/graphql", content=b"{not json", headers={"Content-Type": "application/json"}),
        client.post("/graphql", json={"query": "{ careScope { isNot } }", "pad": "x" * 70_000}),
        client.get("/graphql", params={"query": "{ careScope { isNot } }"}),
        client.put("/graphql"),
        client.get("/healthz"),
        client.get("/readyz"),
        client.get("/no-such-page"),
        client.get("/graphiql-assets/no-such-file.js"),
    ]
    assert {r.status_code for r in answers} >= {200, 400, 404, 405, 413}
    for resp in answers:
        secured(resp)
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY
    assert not re.search(r"https?:|\*|unsafe-", CONTENT_SECURITY_POLICY)


def test_the_graphiql_page_needs_nothing_the_policy_forbids(server: LiveServer) -> None:
    html = server.client.get("/graphql", headers={"Accept": "text/html"}).text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline script"
    assert "<style" not in html and " style=" not in html, "no inline style"
    assert not re.search(r"\son\w+=", html), "no inline handlers"


def scrape(server: LiveServer) -> httpx.Response:
    """/metrics from the server's metrics listener (CIP_METRICS_PORT), not its GraphQL port."""
    return httpx.get(f"http://127.0.0.1:{server.settings.metrics_port}/metrics", timeout=10)


def metric_value(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_count_requests_by_operation_and_outcome(server: LiveServer) -> None:
    before = scrape(server).text
    for _ in range(3):
        server.gql("query MetricsProbe { careScope { isNot } }")
    server.gql("query MetricsTypo { careScop { isNot } }")
    server.gql("query MetricsProbe { careScope { isNot } }", token="forged")
    resp = scrape(server)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    text = resp.text

    def grew(name: str, **labels: str) -> float:
        return metric_value(text, name, **labels) - metric_value(before, name, **labels)

    probe = {"route": "/graphql", "operation": "MetricsProbe"}
    assert grew("cip_requests_total", **probe, outcome="OK") == 3
    # A refused token stops the request before its document is read: no operation name.
    refused = {"route": "/graphql", "operation": "-", "outcome": "UNAUTHENTICATED"}
    assert grew("cip_requests_total", **refused) == 1
    typo = {"operation": "MetricsTypo", "outcome": "BAD_USER_INPUT"}
    assert grew("cip_requests_total", **typo) == 1
    assert grew("cip_request_duration_seconds_count", **probe, outcome="OK") == 3
    assert "cip_request_duration_seconds_bucket" in text
    assert metric_value(text, "cip_db_pool_connections", database="default") >= 1
    assert metric_value(text, "cip_db_pool_max_connections", database="default") >= 1
    # Only request, pool and open-stream families: nothing that counts circles, holds, asks
    # or people.
    families = set(re.findall(r"^# TYPE (\S+)", text, re.MULTILINE))
    assert families <= {
        "cip_requests",
        "cip_requests_total",
        "cip_request_duration_seconds",
        "cip_db_pool_connections",
        "cip_db_pool_idle_connections",
        "cip_db_pool_max_connections",
        "cip_open_streams",  # live subscriptions open, of any circle or thread
    }, families
    assert not re.search(r"circle|hold|ask|repair|member|neighbo", " ".join(families))


def test_operation_names_that_are_not_names_are_not_labels(server: LiveServer) -> None:
    server.client.post(
        "/graphql",
        json={"query": "{ careScope { isNot } }", "operationName": "alice@example.org sub-123"},
    )
    text = scrape(server).text
    assert "alice@example.org" not in text
    assert 'operation="invalid"' in text


def test_an_unexpected_failure_still_answers_with_the_headers() -> None:
    async def boom(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("a message that must not be shown")

    async def call() -> httpx.Response:
        app = SecurityHeaders(boom, cacheable_prefix="/assets")
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://cip") as client:
            return await client.post("/graphql", json={"query": "{ careScope { isNot } }"})

    resp = asyncio.run(call())
    assert resp.status_code == 500
    secured(resp)
    assert resp.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "must not be shown" not in resp.text


def test_metrics_are_not_on_the_graphql_port_and_have_no_created_samples(
    server: LiveServer,
) -> None:
    server.gql("query CreatedProbe { careScope { isNot } }")
    assert server.client.get("/metrics").status_code == 404
    resp = scrape(server)
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    assert "cip_requests_total" in resp.text
    assert "_created" not in resp.text
    other = httpx.get(f"http://127.0.0.1:{server.settings.metrics_port}/graphql", timeout=10)
    assert other.status_code == 404


def test_the_metrics_listener_binds_loopback_by_default_and_is_off_in_prod(
    tmp_path: Path,
) -> None:
    dev = load_settings(dev_env(tmp_path, f"sqlite://{tmp_path}/x.sqlite3"))
    assert (dev.metrics_host, dev.metrics_port) == ("127.0.0.1", DEV_METRICS_PORT)
    prod = load_settings(prod_env(tmp_path))
    assert prod.metrics_port is None
    assert load_settings(prod_env(tmp_path, CIP_METRICS_PORT="9100")).metrics_port == 9100
    with pytest.raises(ConfigError, match="CIP_METRICS_PORT"):
        load_settings(prod_env(tmp_path, CIP_METRICS_PORT="70000"))


def test_a_metrics_port_in_use_stops_a_prod_start_and_warns_in_dev(tmp_path: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = str(taken.getsockname()[1])
    try:
        prod = load_settings(prod_env(tmp_path, CIP_METRICS_PORT=port))
        with pytest.raises(OSError):
            asyncio.run(start_metrics_listener(prod, Metrics()))
        dev = load_settings(
            dev_env(tmp_path, f"sqlite://{tmp_path}/x.sqlite3", CIP_METRICS_PORT=port)
        )
        assert asyncio.run(start_metrics_listener(dev, Metrics())) is None
    finally:
        taken.close()
