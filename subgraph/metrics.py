"""/metrics in Prometheus text format: requests, latency, database connections.

It is served on a listener of its own (CIP_METRICS_PORT, bound to CIP_METRICS_HOST, default
127.0.0.1), never on the GraphQL port: the gateway and clients cannot reach it, only a scraper
on the host (or the network the operator opens it to). No ``_created`` samples are exported:
a counter's creation time would date single operations (the first repair thread opened).

Counted are HTTP requests (by route, operation name and outcome code) and the database pools.
Nothing here counts care objects: circles, holds and asks are aggregates with their own rules
(models/aggregate_store.py, the release floors). Operation names are client-chosen, so at most
MAX_OPERATION_NAMES distinct ones get their own label; later ones are counted as "other".
Each process has its own registry: with several workers, each answers for itself.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from tortoise import connections

disable_created_metrics()  # type: ignore[no-untyped-call]
log = logging.getLogger("cip.metrics")
MAX_OPERATION_NAMES = 200
READ_TIMEOUT = 5.0
MAX_HEADER_LINES = 100
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class DatabasePools(Collector):
    """Connections per configured database, read at scrape time."""

    def collect(self) -> Iterable[Metric]:
        size = GaugeMetricFamily(
            "cip_db_pool_connections", "Open database connections.", labels=["database"]
        )
        idle = GaugeMetricFamily(
            "cip_db_pool_idle_connections", "Idle database connections.", labels=["database"]
        )
        limit = GaugeMetricFamily(
            "cip_db_pool_max_connections", "Most connections the pool opens.", labels=["database"]
        )
        try:
            names = list(connections.db_config)
        except Exception:  # Tortoise not initialised yet (or already closed)
            names = []
        for name in names:
            try:
                client = connections.get(name)
            except Exception:
                continue
            pool = getattr(client, "_pool", None)
            if pool is not None and hasattr(pool, "get_size"):  # asyncpg
                size.add_metric([name], pool.get_size())
                idle.add_metric([name], pool.get_idle_size())
                limit.add_metric([name], pool.get_max_size())
            else:  # SQLite: one connection, opened on first use
                open_ = 1 if getattr(client, "_connection", None) is not None else 0
                size.add_metric([name], open_)
                limit.add_metric([name], 1)
        yield size
        yield idle
        yield limit


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "cip_requests",
            "HTTP requests by route, GraphQL operation name and outcome code.",
            ["route", "operation", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "cip_request_duration_seconds",
            "Request duration by route, GraphQL operation name and outcome code.",
            ["route", "operation", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.open_streams = Gauge(
            "cip_open_streams",
            "Live subscription streams open in this process (both transports).",
            registry=self.registry,
        )
        self.registry.register(DatabasePools())
        self._names: set[str] = set()
        self._lock = threading.Lock()

    def _label(self, operation: str) -> str:
        with self._lock:
            if operation in self._names:
                return operation
            if len(self._names) < MAX_OPERATION_NAMES:
                self._names.add(operation)
                return operation
        return "other"

    def observe(self, *, route: str, operation: str, outcome: str, seconds: float) -> None:
        labels = (route, self._label(operation), outcome)
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _response(status: str, body: bytes, content_type: str) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\n"
        f"content-length: {len(body)}\r\ncache-control: no-store\r\n"
        "x-content-type-options: nosniff\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class MetricsListener:
    """A small HTTP/1.1 listener answering ``GET /metrics`` and nothing else, one request per
    connection. Each worker process binds it with SO_REUSEPORT, as each answers for itself."""

    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        self.metrics = metrics
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if hasattr(socket, "SO_REUSEPORT"):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((self.host, self.port))
            sock.listen(16)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self._server = await asyncio.start_server(self._handle, sock=sock)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), READ_TIMEOUT)
            for _ in range(MAX_HEADER_LINES):
                line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT)
                if line in (b"\r\n", b"\n", b""):
                    break
            method, target, *_ = request.decode("latin-1").split(" ") + ["", ""]
            if method in ("GET", "HEAD") and target.split("?")[0] == "/metrics":
                body = self.metrics.exposition()
                answer = _response("200 OK", body, CONTENT_TYPE_LATEST)
                if method == "HEAD":
                    answer = answer[: len(answer) - len(body)]
            else:
                answer = _response("404 Not Found", b"Not Found\n", "text/plain; charset=utf-8")
            writer.write(answer)
            await writer.drain()
        except (TimeoutError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()
