"""Weekly releases: the raw counts of one (neighbourhood, ISO week, window), computed once.

Built only from the aggregate store's weekly counts (``models/aggregate_store.py``), summed by
the database (SUM ... GROUP BY); never from care tables. The stored payload
(``payload.ReleasePayload``) holds raw counts; suppression and rounding are applied when a
release is served, by caller class (``auth/privacy.py``).

``asOf`` is the Sunday of the release's week. Gauges are summed over every week up to and
including it; flows and coordinator actions over the ISO weeks that lie wholly inside the
window ``asOf - windowDays + 1 .. asOf`` (14 days: 2 weeks, 30: 4, 90: 12), or over the week.

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
from tortoise.transactions import in_transaction

from models import aggregate_store
from models.aggregates import Release
from models.clock import week_start
from models.db import dialect
from resolvers.aggregates import care_load
from resolvers.aggregates.payload import (
    Gauges,
    Load,
    LoadPoint,
    ReleasePayload,
    Week,
    WeekFlows,
    WindowFlows,
)
from resolvers.asks_holds import asks

WINDOWS = (14, 30, 90)
DIGITS = 4  # floats are stored rounded, so every backend gives them back the same


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


def oldest_week_read(as_of: dt.date) -> dt.date:
    """The first Monday any release of the week ending ``as_of`` reads coordinator counts
    of: the longest window, as it was eight weeks before (the trend)."""
    ends = [as_of - dt.timedelta(days=7 * back) for back in range(care_load.TREND_WEEKS)]
    return min(window_weeks(end, days)[0] for end in ends for days in WINDOWS)


async def own_actions(neighborhood: str, coordinator: str, first: dt.date, last: dt.date) -> int:
    return await aggregate_store.own_actions(neighborhood, coordinator, first, last)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, DIGITS)


def _load(counts: list[int]) -> Load:
    enough = len(counts) >= care_load.MIN_LOAD_COORDINATORS
    return Load(
        coordinators=len(counts),
        actions=sum(counts),
        gini=_round(care_load.gini(counts)) if enough else None,
        top_two_share=_round(care_load.top_two_share(counts)) if enough else None,
    )


async def compute_release(neighborhood: str, as_of: dt.date, window_days: int) -> ReleasePayload:
    """The raw counts of one release (nothing suppressed yet)."""
    monday = week_start(as_of)
    store = aggregate_store
    weekly_load: list[LoadPoint] = []
    for back in range(care_load.TREND_WEEKS - 1, -1, -1):
        end = as_of - dt.timedelta(days=7 * back)
        counts = await store.coordinator_totals(neighborhood, *window_weeks(end, window_days))
        share = (
            care_load.top_two_share(counts)
            if len(counts) >= care_load.MIN_LOAD_COORDINATORS
            else None
        )
        weekly_load.append(LoadPoint(_round(share), len(counts)))
    first, last = window_weeks(as_of, window_days)
    week_counts = await store.coordinator_totals(neighborhood, monday, monday)
    week_flows = await store.sums(neighborhood, WeekFlows.metrics(), monday, monday)
    return ReleasePayload(
        as_of=as_of,
        window_days=window_days,
        gauges=Gauges.from_sums(await store.sums(neighborhood, Gauges.metrics(), None, monday)),
        window=WindowFlows.from_sums(
            await store.sums(neighborhood, WindowFlows.metrics(), first, last)
        ),
        week=Week(
            flows=WeekFlows.from_sums(week_flows),
            coordinators=len(week_counts),
            top_two_share=_round(care_load.top_two_share(week_counts)),
        ),
        load=_load(await store.coordinator_totals(neighborhood, first, last)),
        weekly_load=tuple(weekly_load),
    )


def _lock_key(neighborhood: str, monday: dt.date, window_days: int) -> int:
    digest = hashlib.sha256(f"cip-release|{neighborhood}|{monday}|{window_days}".encode())
    return int.from_bytes(digest.digest()[:8], "big", signed=True)


async def _stored(neighborhood: str, monday: dt.date, window_days: int) -> ReleasePayload | None:
    found = await Release.filter(
        neighborhood=neighborhood, week_start=monday, window_days=window_days
    ).values_list("payload", flat=True)
    return ReleasePayload.from_json(_json(found[0])) if found else None


def _json(value: Any) -> dict[str, Any]:
    return dict(value)


async def stored_many(
    neighborhood: str, mondays: list[dt.date], window_days: int
) -> dict[dt.date, ReleasePayload]:
    """The stored releases of many weeks in one statement (careWeeks), by Monday."""
    rows = await Release.filter(
        neighborhood=neighborhood, week_start__in=mondays, window_days=window_days
    ).values_list("week_start", "payload")
    return {monday: ReleasePayload.from_json(_json(payload)) for monday, payload in rows}


async def release(
    neighborhood: str, as_of: dt.date, window_days: int, today: dt.date
) -> tuple[ReleasePayload, bool]:
    """The stored release, computing and storing it first if needed; True when computed here.

    Computing one also deletes the neighbourhood's coordinator counts that no release of the
    last complete week (nor a later one) reads any more."""
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
                computed_payload = await compute_release(neighborhood, as_of, window_days)
                await Release.create(
                    neighborhood=neighborhood,
                    week_start=monday,
                    window_days=window_days,
                    payload=computed_payload.to_json(),
                    computed_on=today,
                )
                await forget_coordinator_weeks(today, neighborhood)
                computed = True
    except IntegrityError:
        computed = False  # another worker stored it first; read theirs
    payload = await _stored(neighborhood, monday, window_days)
    if payload is None:
        raise RuntimeError("a release could not be stored")
    return payload, computed


async def forget_coordinator_weeks(today: dt.date, neighborhood: str | None = None) -> int:
    """Delete the coordinator counts older than any release window can still read: the
    releases of the last complete week before ``today`` and every later one start at
    ``oldest_week_read``. A release of an earlier week computed after this (none is, while
    ``cip release`` runs weekly) finds no coordinator counts before that Monday."""
    horizon = oldest_week_read(last_complete_week_end(today))
    return await aggregate_store.forget_coordinator_weeks(horizon, neighborhood)


async def neighborhoods_with_rows() -> list[str]:
    """Every neighbourhood that has aggregate counts or coordinator counts."""
    return await aggregate_store.neighborhoods()
