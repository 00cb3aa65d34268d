"""Use cases of the aggregate fields: careCoordinationView, careSignals, careWeeks.

Each reads weekly releases (``releases.py`` beside it) and returns plain objects whose counts
are published (perturbed) ``Cell``s: the field guard suppresses them per caller class after
the resolver returns.
Who may ask for which neighbourhood is the guard's business too (``auth/guard.py``); here a
null ``neighborhoods`` list is narrowed to the caller's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from auth.privacy import CellPolicy, show_count
from models.clock import week_start
from models.errors import BadUserInput
from models.pseudonym import COUNTS
from resolvers import input_rules
from resolvers.aggregates import care_load, published, releases
from resolvers.aggregates.care_load import Band, Trend
from resolvers.aggregates.payload import ReleasePayload
from resolvers.aggregates.signals import Signal, SignalInputs, signals
from resolvers.request import CareContext

MAX_WEEKS = 52


@dataclass(frozen=True)
class Cell:
    """A published count, before suppression."""

    published: int


@dataclass(frozen=True)
class RateCells:
    numerator: Cell
    denominator: Cell


@dataclass(frozen=True)
class CareLoadFacts:
    coordinators: Cell
    gini: float | None
    top_two_share: float | None
    my_share: float | None
    trend: Trend


@dataclass(frozen=True)
class CoordinationFacts:
    neighborhood: str
    as_of: dt.date
    window_days: int
    counts: dict[str, Cell]  # keyed by the contract's field names
    circle_formation_within_14_days: RateCells
    hold_pickup_within_7_days: RateCells
    repair_threads_closed: RateCells
    care_load: CareLoadFacts


@dataclass(frozen=True)
class WeekFacts:
    neighborhood: str
    week_starting: dt.date
    active_circles: Cell
    open_holds: Cell
    circles_formed: Cell
    repair_threads_closed: Cell
    load_concentration: Band


def check_window(window_days: int) -> None:
    if window_days not in releases.WINDOWS:
        raise BadUserInput("windowDays must be 14, 30 or 90.")


def check_neighborhood(neighborhood: str) -> None:
    input_rules.neighborhood(neighborhood)


def _rate(numerator: int, denominator: int) -> RateCells:
    return RateCells(Cell(numerator), Cell(denominator))


def _trend(payload: ReleasePayload) -> Trend:
    return care_load.trend(payload.shares())


async def _release(
    ctx: CareContext, neighborhood: str, window_days: int, as_of: dt.date
) -> ReleasePayload:
    payload, _ = await releases.release(
        neighborhood, as_of, window_days, ctx.clock.today(), ctx.policy.noise_key
    )
    return payload


async def coordination_view(
    ctx: CareContext, neighborhood: str, window_days: int
) -> CoordinationFacts:
    check_window(window_days)
    check_neighborhood(neighborhood)
    as_of = releases.last_complete_week_end(ctx.clock.today())
    payload = await _release(ctx, neighborhood, window_days, as_of)
    window, load = payload.window, payload.load
    mine: float | None = None
    if ctx.viewer.as_(COUNTS) is not None:
        # The caller's own exact count over the published total; never stored in the release.
        first, last = releases.window_weeks(as_of, window_days)
        own = await releases.own_actions(neighborhood, ctx.viewer.as_(COUNTS) or "", first, last)
        mine = published.my_share(own, load.actions)
    return CoordinationFacts(
        neighborhood=neighborhood,
        as_of=as_of,
        window_days=window_days,
        counts={name: Cell(value) for name, value in payload.gauges.to_json().items()},
        circle_formation_within_14_days=_rate(
            window.need_circle_within_14_days, window.need_opened
        ),
        hold_pickup_within_7_days=_rate(window.hold_picked_up_within_7_days, window.hold_opened),
        repair_threads_closed=_rate(window.repair_closed, window.repair_opened),
        care_load=CareLoadFacts(
            coordinators=Cell(load.coordinators),
            gini=load.gini,
            top_two_share=load.top_two_share,
            my_share=mine,
            trend=_trend(payload),
        ),
    )


async def care_weeks(ctx: CareContext, neighborhood: str, weeks: int) -> list[WeekFacts]:
    if not 1 <= weeks <= MAX_WEEKS:
        raise BadUserInput(f"weeks must be between 1 and {MAX_WEEKS}.")
    check_neighborhood(neighborhood)
    last = releases.last_complete_week_end(ctx.clock.today())
    ends = [last - dt.timedelta(days=7 * back) for back in range(weeks - 1, -1, -1)]
    # Week figures are the same in every window's release; the 14-day one carries them.
    # Stored releases come in one statement; only missing weeks are computed one by one.
    window = releases.WINDOWS[0]
    stored = await releases.stored_many(neighborhood, [week_start(e) for e in ends], window)
    found = []
    for as_of in ends:
        payload = stored.get(week_start(as_of)) or await _release(ctx, neighborhood, window, as_of)
        week, gauges = payload.week, payload.gauges
        found.append(
            WeekFacts(
                neighborhood=neighborhood,
                week_starting=week_start(as_of),
                active_circles=Cell(gauges.active_circles),
                open_holds=Cell(gauges.open_holds),
                circles_formed=Cell(week.flows.circles_formed),
                repair_threads_closed=Cell(week.flows.repair_threads_closed),
                load_concentration=care_load.band(week.top_two_share, week.coordinators),
            )
        )
    return found


async def _signal_neighborhoods(ctx: CareContext, requested: list[str] | None) -> list[str]:
    if requested is not None:
        return sorted(set(requested))
    if ctx.viewer.acts_for(None):  # a "*" token: every neighbourhood that has rows
        return await releases.neighborhoods_with_rows()
    return sorted(ctx.viewer.neighborhoods)


async def care_signals(
    ctx: CareContext, neighborhoods: list[str] | None, window_days: int
) -> list[Signal]:
    check_window(window_days)
    for neighborhood in neighborhoods or []:
        check_neighborhood(neighborhood)
    as_of = releases.last_complete_week_end(ctx.clock.today())
    # One floor for every caller, the strictest the service uses, so signals never differ
    # between a coordinator and an AI-layer client; signals read published values only.
    floor = max(ctx.policy.min_cell_coordinator, ctx.policy.min_cell_ai)
    found: list[Signal] = []
    for neighborhood in await _signal_neighborhoods(ctx, neighborhoods):
        payload = await _release(ctx, neighborhood, window_days, as_of)
        gauges = payload.gauges

        def shown(value: int) -> int:
            # The suppression rule itself: a suppressed count fires nothing.
            return show_count(value, CellPolicy(floor)).value or 0

        inputs = SignalInputs(
            neighborhood=neighborhood,
            window_days=window_days,
            weekly_load=[(p.top_two_share, p.coordinators) for p in payload.weekly_load],
            trend=_trend(payload),
            holds_waiting_shown=shown(gauges.holds_waiting_over_7_days) > 0,
            open_needs=shown(gauges.open_holds) + shown(gauges.open_support_asks),
            circles_formed=payload.window.circles_formed,
        )
        found.extend(signals(inputs))
    return found
