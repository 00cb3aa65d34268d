"""/metrics in Prometheus text format: requests, latency, database connections.

Counted are HTTP requests (by route, operation name and outcome code) and the database pools.
Nothing here counts care objects: circles, holds and asks are aggregates with their own rules
(models/aggregate_store.py, the release floors). Operation names are client-chosen, so at most
MAX_OPERATION_NAMES distinct ones get their own label; later ones are counted as "other".
Each process has its own registry: with several workers, each answers for itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from tortoise import connections

MAX_OPERATION_NAMES = 200
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

    async def endpoint(self, _: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
