"""Weekly releases: the published counts of one (neighbourhood, ISO week), every window
computed together, once.

Built only from the aggregate store's weekly cells (``models/aggregate_store.py``), summed by
the database (SUM ... GROUP BY); never from care tables. Every count is perturbed when the
week is released (``perturbation.py``) and every derived figure is computed from perturbed
counts (``published.py``); the stored payload (``payload.ReleasePayload``) holds published
values only, never a true count. Suppression is applied when a release is served, by caller
class (``auth/privacy.py``).

``asOf`` is the Sunday of the release's week. Gauges are summed over every week up to and
including it; flows and coordinator actions over the ISO weeks that lie wholly inside the
window ``asOf - windowDays + 1 .. asOf`` (14 days: 2 weeks, 30: 4, 90: 12), or over the week.

All windows of a week are computed together from the same weekly cells, and nothing is ever
dated into a week before the current one (``aggregate_store.add``), so a week's releases
never change once made. Only one worker computes a week: on PostgreSQL a
transaction-scoped advisory lock on the week's key, then a re-read; on SQLite the computing
transaction begins IMMEDIATE (it holds the database's write lock, so another process waits,
then re-reads). The unique row
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
from models.cells import CellState, cell_sum
from models.clock import week_start
from models.db import dialect
from resolvers.aggregates import care_load
from resolvers.aggregates.payload import (
    VERSION,
    Gauges,
    Load,
    LoadPoint,
    ReleasePayload,
    Week,
    WeekFlows,
    WindowFlows,
)
from resolvers.aggregates.perturbation import publish
from resolvers.aggregates.published import LoadCells, publish_load
from resolvers.asks_holds import asks

WINDOWS = (14, 30, 90)


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


def _published(secret: bytes, cells: dict[str, CellState]) -> dict[str, int]:
    return {metric: publish(secret, cell) for metric, cell in cells.items()}


async def _load(neighborhood: str, first: dt.date, last: dt.date, secret: bytes) -> Load:
    """The published care load of the weeks first..last: the coordinator count, the action
    total and each coordinator's actions are cells of their own."""
    per = await aggregate_store.coordinator_cells(neighborhood, first, last)
    actions = cell_sum(per)
    # One record per coordinator who acted; its key changes with any of their actions.
    coordinators = CellState(len(per), actions.key)
    load = publish_load(secret, LoadCells(coordinators, actions, per))
    return Load(load.coordinators, load.actions, load.gini, load.top_two_share)


async def compute_week(
    neighborhood: str, as_of: dt.date, secret: bytes
) -> dict[int, ReleasePayload]:
    """Every window's release of the week ending ``as_of``, from one weekly base."""
    store, monday = aggregate_store, week_start(as_of)
    gauges = Gauges.from_sums(
        _published(secret, await store.cells(neighborhood, Gauges.metrics(), None, monday))
    )
    week_flows = await store.cells(neighborhood, WeekFlows.metrics(), monday, monday)
    week_load = await _load(neighborhood, monday, monday, secret)
    week = Week(
        flows=WeekFlows.from_sums(_published(secret, week_flows)),
        coordinators=week_load.coordinators,
        top_two_share=week_load.top_two_share,
    )
    ends = [as_of - dt.timedelta(days=7 * back) for back in range(care_load.TREND_WEEKS)][::-1]
    found: dict[int, ReleasePayload] = {}
    for days in WINDOWS:
        first, last = window_weeks(as_of, days)
        flows = await store.cells(neighborhood, WindowFlows.metrics(), first, last)
        # The load of the same window as each of the last eight weekly releases has it: the
        # same weekly cells give the same published value.
        points = [await _load(neighborhood, *window_weeks(end, days), secret) for end in ends]
        found[days] = ReleasePayload(
            as_of=as_of,
            window_days=days,
            gauges=gauges,
            window=WindowFlows.from_sums(_published(secret, flows)),
            week=week,
            load=points[-1],
            weekly_load=tuple(LoadPoint(p.top_two_share, p.coordinators) for p in points),
        )
    return found


def _lock_key(neighborhood: str, monday: dt.date) -> int:
    digest = hashlib.sha256(f"cip-release|{neighborhood}|{monday}".encode())
    return int.from_bytes(digest.digest()[:8], "big", signed=True)


async def _stored(neighborhood: str, monday: dt.date, window_days: int) -> ReleasePayload | None:
    found = await Release.filter(
        neighborhood=neighborhood, week_start=monday, window_days=window_days
    ).values_list("payload", flat=True)
    return _payload(found[0]) if found else None


def _payload(value: Any) -> ReleasePayload | None:
    """A stored release; None for one of an older payload version (computed again)."""
    data = dict(value)
    return ReleasePayload.from_json(data) if data.get("version") == VERSION else None


async def stored_many(
    neighborhood: str, mondays: list[dt.date], window_days: int
) -> dict[dt.date, ReleasePayload]:
    """The stored releases of many weeks in one statement (careWeeks), by Monday."""
    rows = await Release.filter(
        neighborhood=neighborhood, week_start__in=mondays, window_days=window_days
    ).values_list("week_start", "payload")
    found = {monday: _payload(payload) for monday, payload in rows}
    return {monday: payload for monday, payload in found.items() if payload is not None}


async def release(
    neighborhood: str, as_of: dt.date, window_days: int, today: dt.date, secret: bytes
) -> tuple[ReleasePayload, bool]:
    """The stored release, computing and storing the week's releases first if needed (every
    window together); True when computed here. ``secret``: the noise key.

    Computing them also deletes the neighbourhood's coordinator counts that no release of the
    last complete week (nor a later one) reads any more."""
    monday = week_start(as_of)
    payload = await _stored(neighborhood, monday, window_days)
    if payload is not None:
        return payload, False
    computed = False
    # Expired asks still count as open until purged; the purge counts them out in the current
    # week, so it changes no released week, but it should run before a week is released
    # (this neighbourhood's only: no request does global work).
    await asks.purge_expired(today, neighborhood)
    try:
        async with in_transaction("default") as conn:
            if dialect() == "postgres":
                # Workers asking for the same week queue here; the first computes it.
                await conn.execute_query(
                    "SELECT pg_advisory_xact_lock($1)", [_lock_key(neighborhood, monday)]
                )
            if await _stored(neighborhood, monday, window_days) is None:
                await Release.filter(neighborhood=neighborhood, week_start=monday).delete()
                week = await compute_week(neighborhood, as_of, secret)
                for days, computed_payload in week.items():
                    await Release.create(
                        neighborhood=neighborhood,
                        week_start=monday,
                        window_days=days,
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


async def recompute(neighborhood: str, as_of: dt.date, today: dt.date, secret: bytes) -> None:
    """Compute the week's releases again (``cip release --recompute``), replacing the stored
    ones: for releases stored before the perturbation, or after a noise key rotation."""
    await Release.filter(neighborhood=neighborhood, week_start=week_start(as_of)).delete()
    await release(neighborhood, as_of, WINDOWS[0], today, secret)


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
