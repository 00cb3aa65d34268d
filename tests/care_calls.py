"""Shared calls for the ask, hold and repair API tests."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from tests.support import GraphQLResponse, LiveServer

COORDINATOR = "cip:coordinator"
RANDOM_ID = "3b9d6c62-8e0f-4d0a-9a51-3f1f4b0c7d21"


def fresh(prefix: str = "member") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def coordinator(server: LiveServer, sub: str, *nbh: str) -> str:
    return server.token(sub, scopes=[COORDINATOR], nbh=list(nbh))


def ok(resp: GraphQLResponse) -> Any:
    assert resp.status == 200, resp.body
    assert resp.errors == [], resp.errors
    return resp.data


def metrics(server: LiveServer, nbh: str) -> dict[str, int]:
    rows = server.sql(
        "SELECT metric, SUM(value) FROM cip_aggregate_count "
        f"WHERE neighborhood = '{nbh}' GROUP BY metric"
    )
    return {str(m): int(v) for m, v in rows}


def metric_weeks(server: LiveServer, nbh: str, metric: str) -> list[tuple[str, int]]:
    """The metric's weekly cells: (Monday, value)."""
    rows = server.sql(
        "SELECT week_start, value FROM cip_aggregate_count "
        f"WHERE neighborhood = '{nbh}' AND metric = '{metric}' ORDER BY week_start"
    )
    return [(str(d), int(v)) for d, v in rows]


def actions(server: LiveServer, nbh: str) -> int:
    rows = server.sql(
        f"SELECT COALESCE(SUM(actions), 0) FROM cip_coordinator_week WHERE neighborhood = '{nbh}'"
    )
    return int(rows[0][0])


def count(server: LiveServer, table: str, where: str) -> int:
    return int(server.sql(f"SELECT COUNT(*) FROM {table} WHERE {where}")[0][0])


def has_key(server: LiveServer, owner: str) -> bool:
    return count(server, "cip_data_key", f"owner = '{owner}'") == 1


def today(server: LiveServer) -> dt.date:
    return server.clock.today()


def same_refusal(a: GraphQLResponse, b: GraphQLResponse) -> None:
    """Two answers a caller cannot tell apart: same status, same body."""
    assert a.status == b.status
    assert a.body == b.body
