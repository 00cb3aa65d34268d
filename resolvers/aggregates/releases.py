"""Weekly releases: the raw counts of one (neighbourhood, ISO week, window), computed once.

Built only from the anonymous aggregate rows (``models/metrics.py``), counted by the database
(SUM ... GROUP BY); never from care tables. The stored payload holds raw counts; suppression
and rounding are applied when a release is served, by caller class (``auth/privacy.py``).

``asOf`` is the Sunday of the release's week. Gauges are summed over ``day <= asOf``; flows
over the window ``asOf - windowDays + 1 .. asOf`` (or over the week). Coordinator actions over
the ISO weeks that lie wholly inside the window.

Only one worker computes a release: on PostgreSQL a transaction-scoped advisory lock on the
release's key, then a re-read; on SQLite the computing transaction begins IMMEDIATE (it holds
the database's write lock, so another process waits, then re-reads). The unique row
(neighbourhood, week, window) is the backstop either way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from models import metrics
from models.aggregates import AggregateRow, CoordinatorWeek, Release
from models.clock import week_start
from models.db import dialect
from resolvers.aggregates import care_load
from resolvers.asks_holds import asks

WINDOWS = (14, 30, 90)
PAYLOAD_VERSION = 1
DIGITS = 4  # floats are stored rounded, so every backend gives them back the same

GAUGES = {
    "activeCircles": metrics.GAUGE_CIRCLES_ACTIVE,
    "formingCircles": metrics.GAUGE_CIRCLES_FORMING,
    "openHolds": metrics.GAUGE_HOLDS_OPEN,
    "holdsWaitingOver7Days": metrics.GAUGE_HOLDS_WAITING,
    "openSupportAsks": metrics.GAUGE_ASKS_OPEN,
    "activeRepairThreads": metrics.GAUGE_REPAIR_ACTIVE,
}
WINDOW_FLOWS = {
    "needOpened": metrics.NEED_OPENED,
    "needCircleWithin14Days": metrics.NEED_CIRCLE_WITHIN_14D,
    "holdOpened": metrics.HOLD_OPENED,
    "holdPickedUpWithin7Days": metrics.HOLD_PICKED_UP_WITHIN_7D,
    "repairOpened": metrics.REPAIR_OPENED,
    "repairClosed": metrics.REPAIR_CLOSED,
    "circlesFormed": metrics.CIRCLE_FORMED,
}
WEEK_FLOWS = {
    "circlesFormed": metrics.CIRCLE_FORMED,
    "repairThreadsClosed": metrics.REPAIR_CLOSED,
}


def last_complete_week_end(today: dt.date) -> dt.date:
    """The Sunday closing the last ISO week that ended before ``today``."""
    return week_start(today) - dt.timedelta(days=1)


def week_end(text: str) -> dt.date:
    """The Sunday of a week given as ``YYYY-Www`` or as any day in it (``YYYY-MM-DD``)."""
    text = text.strip()
    try:
        if "W" in text.upper():
            year, _, week = text.upper().partition("-W")
            return dt.date.fromisocalendar(int(year), int(week), 7)
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not a week: {text!r} (use YYYY-Www or YYYY-MM-DD)") from exc
    return week_start(day) + dt.timedelta(days=6)


def iso_week(as_of: dt.date) -> str:
    year, week, _ = as_of.isocalendar()
    return f"{year}-W{week:02d}"


def window_weeks(as_of: dt.date, window_days: int) -> tuple[dt.date, dt.date]:
    """First and last Monday of the ISO weeks wholly inside the window ending ``as_of``."""
    first_day = as_of - dt.timedelta(days=window_days - 1)
    first_monday = week_start(first_day)
    if first_monday < first_day:
        first_monday += dt.timedelta(days=7)
    return first_monday, week_start(as_of)


async def _sums(
    neighborhood: str, names: dict[str, str], first: dt.date | None, last: dt.date
) -> dict[str, int]:
    query = AggregateRow.filter(
        neighborhood=neighborhood, day__lte=last, metric__in=list(names.values())
    )
    if first is not None:
        query = query.filter(day__gte=first)
    rows = await query.annotate(total=Sum("value")).group_by("metric").values("metric", "total")
    totals = {str(r["metric"]): int(r["total"] or 0) for r in rows}
    return {key: totals.get(metric, 0) for key, metric in names.items()}


async def coordinator_totals(neighborhood: str, first: dt.date, last: dt.date) -> list[int]:
    """Actions per coordinator over the weeks first..last (Mondays), without who is who."""
    totals = (
        await CoordinatorWeek.filter(
            neighborhood=neighborhood, week_start__gte=first, week_start__lte=last, actions__gt=0
        )
        .annotate(total=Sum("actions"))
        .group_by("coordinator")
        .values("total")
    )
    return sorted(int(r["total"]) for r in totals if r["total"])


async def own_actions(neighborhood: str, coordinator: str, first: dt.date, last: dt.date) -> int:
    totals = (
        await CoordinatorWeek.filter(
            neighborhood=neighborhood,
            coordinator=coordinator,
            week_start__gte=first,
            week_start__lte=last,
        )
        .annotate(total=Sum("actions"))
        .group_by("coordinator")
        .values("total")
    )
    return sum(int(r["total"] or 0) for r in totals)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, DIGITS)


def _load(counts: list[int]) -> dict[str, Any]:
    enough = len(counts) >= care_load.MIN_LOAD_COORDINATORS
    return {
        "coordinators": len(counts),
        "actions": sum(counts),
        "gini": _round(care_load.gini(counts)) if enough else None,
        "topTwoShare": _round(care_load.top_two_share(counts)) if enough else None,
    }


async def compute_release(neighborhood: str, as_of: dt.date, window_days: int) -> dict[str, Any]:
    """The raw counts of one release (nothing suppressed yet)."""
    window_first = as_of - dt.timedelta(days=window_days - 1)
    monday = week_start(as_of)
    weekly_load: list[list[Any]] = []
    for back in range(care_load.TREND_WEEKS - 1, -1, -1):
        end = as_of - dt.timedelta(days=7 * back)
        first, last = window_weeks(end, window_days)
        counts = await coordinator_totals(neighborhood, first, last)
        share = (
            care_load.top_two_share(counts)
            if len(counts) >= care_load.MIN_LOAD_COORDINATORS
            else None
        )
        weekly_load.append([_round(share), len(counts)])
    first, last = window_weeks(as_of, window_days)
    week_counts = await coordinator_totals(neighborhood, monday, monday)
    return {
        "version": PAYLOAD_VERSION,
        "asOf": as_of.isoformat(),
        "windowDays": window_days,
        "gauges": await _sums(neighborhood, GAUGES, None, as_of),
        "window": await _sums(neighborhood, WINDOW_FLOWS, window_first, as_of),
        "week": {
            **await _sums(neighborhood, WEEK_FLOWS, monday, as_of),
            "coordinators": len(week_counts),
            "topTwoShare": _round(care_load.top_two_share(week_counts)),
        },
        "load": _load(await coordinator_totals(neighborhood, first, last)),
        "weeklyLoad": weekly_load,
    }


def _lock_key(neighborhood: str, monday: dt.date, window_days: int) -> int:
    digest = hashlib.sha256(f"cip-release|{neighborhood}|{monday}|{window_days}".encode())
    return int.from_bytes(digest.digest()[:8], "big", signed=True)


async def _stored(neighborhood: str, monday: dt.date, window_days: int) -> dict[str, Any] | None:
    found = await Release.filter(
        neighborhood=neighborhood, week_start=monday, window_days=window_days
    ).values_list("payload", flat=True)
    return dict(found[0]) if found else None


async def stored_many(
    neighborhood: str, mondays: list[dt.date], window_days: int
) -> dict[dt.date, dict[str, Any]]:
    """The stored releases of many weeks in one statement (careWeeks), by Monday."""
    rows = await Release.filter(
        neighborhood=neighborhood, week_start__in=mondays, window_days=window_days
    ).values("week_start", "payload")
    return {r["week_start"]: dict(r["payload"]) for r in rows}


async def release(
    neighborhood: str, as_of: dt.date, window_days: int, today: dt.date
) -> tuple[dict[str, Any], bool]:
    """The stored release, computing and storing it first if needed; True when computed here."""
    monday = week_start(as_of)
    payload = await _stored(neighborhood, monday, window_days)
    if payload is not None:
        return payload, False
    computed = False
    # Asks that expired but were never read since still count as open until purged; their
    # purge dates the gauge's -1 on the expiry day, so it must run before the counts do.
    await asks.purge_expired(today)
    try:
        async with in_transaction("default") as conn:
            if dialect() == "postgres":
                # Workers asking for the same release queue here; the first computes it.
                await conn.execute_query(
                    "SELECT pg_advisory_xact_lock($1)",
                    [_lock_key(neighborhood, monday, window_days)],
                )
            if await _stored(neighborhood, monday, window_days) is None:
                await Release.create(
                    neighborhood=neighborhood,
                    week_start=monday,
                    window_days=window_days,
                    payload=await compute_release(neighborhood, as_of, window_days),
                    computed_on=today,
                )
                computed = True
    except IntegrityError:
        computed = False  # another worker stored it first; read theirs
    payload = await _stored(neighborhood, monday, window_days)
    if payload is None:
        raise RuntimeError("a release could not be stored")
    return payload, computed


async def neighborhoods_with_rows() -> list[str]:
    """Every neighbourhood that has aggregate rows or coordinator counts."""
    rows = await AggregateRow.all().distinct().values_list("neighborhood", flat=True)
    coords = await CoordinatorWeek.all().distinct().values_list("neighborhood", flat=True)
    return sorted({str(n) for n in rows} | {str(n) for n in coords})
