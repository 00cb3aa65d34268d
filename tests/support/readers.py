"""Reading what the service wrote, over a connection of the test's own: metric counts,
coordinator action counts, row counts."""

from __future__ import annotations

from models.pseudonym import COUNTS
from tests.support.people import Person, subject_of
from tests.support.servers import Service


def metric_sum(server: Service, nbh: str, metric: str) -> int:
    """The sum of a metric's counts in a neighbourhood."""
    rows = server.sql(
        "SELECT COALESCE(SUM(value), 0) FROM cip_aggregate_count "
        f"WHERE neighborhood = '{nbh}' AND metric = '{metric}'"
    )
    return int(rows[0][0])


def metrics(server: Service, nbh: str) -> dict[str, int]:
    """Every metric of a neighbourhood with the sum of its counts."""
    rows = server.sql(
        "SELECT metric, SUM(value) FROM cip_aggregate_count "
        f"WHERE neighborhood = '{nbh}' GROUP BY metric"
    )
    return {str(m): int(v) for m, v in rows}


def metric_weeks(server: Service, nbh: str, metric: str) -> list[tuple[str, int]]:
    """The metric's weekly cells: (Monday, value)."""
    rows = server.sql(
        "SELECT week_start, value FROM cip_aggregate_count "
        f"WHERE neighborhood = '{nbh}' AND metric = '{metric}' ORDER BY week_start"
    )
    return [(str(d), int(v)) for d, v in rows]


def action_count(server: Service, nbh: str, who: Person | None = None) -> int:
    """Coordinator actions counted in a neighbourhood: ``who``'s, or everyone's."""
    where = f"neighborhood = '{nbh}'"
    if who is not None:
        where += f" AND coordinator = '{subject_of(server, who.sub, COUNTS)}'"
    rows = server.sql(f"SELECT COALESCE(SUM(actions), 0) FROM cip_coordinator_week WHERE {where}")
    return int(rows[0][0])


def count_rows(server: Service, table: str, where: str) -> int:
    return int(server.sql(f"SELECT COUNT(*) FROM {table} WHERE {where}")[0][0])


def has_key(server: Service, owner: str) -> bool:
    """Whether a data key of ``owner`` (e.g. ``circle:<id>``) is kept."""
    return count_rows(server, "cip_data_key", f"owner = '{owner}'") == 1
