"""The pure rules of aggregates: suppression, Gini, bands, trend, signals."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from auth.guard import FieldRule, authorize, cell_policy, field_neighborhoods
from auth.privacy import CellPolicy, Shown, show_count, show_rate
from auth.viewer import AGGREGATE_READ, COORDINATOR, Viewer
from models.errors import Forbidden
from resolvers.aggregates.care_load import Band, Trend, band, gini, top_two_share, trend
from resolvers.aggregates.published import my_share
from resolvers.aggregates.releases import iso_week, last_complete_week_end, week_end, window_weeks
from resolvers.aggregates.signals import SignalInputs, SignalKind, concentrated_weeks, signals

pytestmark = pytest.mark.unit

KEY = bytes(range(32))
COORD_CELLS = CellPolicy(min_cell=5)
AI_CELLS = CellPolicy(min_cell=11)


# ------------------------------------------------------------------ suppression
@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, Shown(0, False)), (1, Shown(None, True)), (4, Shown(None, True)), (5, Shown(5, False))],
)
def test_coordinator_counts_at_0_1_mincell_minus_1_and_mincell(value: int, shown: Shown) -> None:
    assert show_count(value, COORD_CELLS) == shown


@pytest.mark.parametrize("value", [1, 5, 10])
def test_ai_counts_below_eleven_are_suppressed(value: int) -> None:
    assert show_count(value, AI_CELLS) == Shown(None, True)


def test_ai_counts_at_zero_and_at_the_floor() -> None:
    assert show_count(0, AI_CELLS) == Shown(0, False)
    assert show_count(11, AI_CELLS) == Shown(11, False)


def test_rates_from_published_parts() -> None:
    def rate(num: int, den: int, cells: CellPolicy = COORD_CELLS) -> float | None:
        return show_rate(show_count(num, cells), show_count(den, cells), cells)

    assert rate(0, 0) is None  # no base at all
    assert rate(0, 4) is None  # denominator below minCell (and suppressed)
    assert rate(3, 5) is None  # numerator suppressed
    assert rate(0, 5) == 0.0
    assert rate(5, 5) == 1.0
    assert rate(5, 8) == 0.625
    assert rate(7, 9) == 0.7778  # four digits, like the Gini
    assert rate(5, 11) == 0.4545
    assert rate(9, 7) == 1.0  # each part carries its own noise; a rate is at most 1
    assert rate(0, 10, AI_CELLS) is None  # below the AI floor
    assert rate(11, 22, AI_CELLS) == 0.5


# ------------------------------------------------------------------ care load
@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([1, 1, 1], Fraction(0)),
        ([0, 0, 9], Fraction(2, 3)),
        ([9, 0, 0], Fraction(2, 3)),  # order does not matter
        ([1, 2, 3, 4], Fraction(1, 4)),  # (-3*1 - 1*2 + 1*3 + 3*4) / (4 * 10)
        ([2, 4, 6], Fraction(2, 9)),  # (-2*2 + 0*4 + 2*6) / (3 * 12)
        ([0, 0, 0, 10], Fraction(3, 4)),  # (n - 1) / n when one holds all
        ([5, 5], Fraction(0)),
        ([], Fraction(0)),
    ],
)
def test_gini_on_known_vectors(counts: list[int], expected: Fraction) -> None:
    assert gini(counts) == pytest.approx(float(expected))


def test_top_two_share() -> None:
    assert top_two_share([1, 1, 1, 1]) == 0.5
    assert top_two_share([1, 2, 3, 4]) == 0.7
    assert top_two_share([]) is None


@pytest.mark.parametrize(
    ("share", "coordinators", "expected"),
    [
        (0.49, 5, Band.SPREAD),
        (0.5, 5, Band.MODERATE),
        (0.75, 9, Band.MODERATE),
        (0.76, 5, Band.CONCENTRATED),
        (0.9, 4, Band.UNKNOWN),
        (None, 8, Band.UNKNOWN),
    ],
)
def test_bands(share: float | None, coordinators: int, expected: Band) -> None:
    assert band(share, coordinators) is expected


def test_trend_needs_eight_known_weeks() -> None:
    assert trend([0.5] * 7) is Trend.UNKNOWN
    assert trend([None] + [0.5] * 7) is Trend.UNKNOWN
    assert trend([0.5] * 8) is Trend.STEADY
    assert trend([0.4, 0.4, 0.4, 0.4, 0.6, 0.6, 0.6, 0.6]) is Trend.RISING
    assert trend([0.6, 0.6, 0.6, 0.6, 0.4, 0.4, 0.4, 0.4]) is Trend.FALLING
    assert trend([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.9]) is Trend.RISING  # +0.1 on the half
    assert trend([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.6]) is Trend.STEADY  # +0.025
    assert trend([None] * 3 + [0.4] * 4 + [0.6] * 4) is Trend.RISING  # only the last eight


def test_my_share_is_own_exact_count_over_the_published_total() -> None:
    assert my_share(0, 10) == 0.0
    assert my_share(5, 10) == 0.5
    assert my_share(2, 3) == 0.6667
    assert my_share(0, 0) is None
    assert my_share(4, 3) == 1.0  # the noise took the published total below one's own count


# ------------------------------------------------------------------ signals
def inputs(**kw: object) -> SignalInputs:
    base: dict[str, object] = {
        "neighborhood": "elm",
        "window_days": 90,
        "weekly_load": [(0.5, 6)] * 8,
        "trend": Trend.STEADY,
        "holds_waiting_shown": False,
        "open_needs": 0,
        "circles_formed": 0,
    }
    base.update(kw)
    return SignalInputs(**base)  # type: ignore[arg-type]


def kinds(found: SignalInputs) -> list[SignalKind]:
    return [s.kind for s in signals(found)]


def test_quiet_neighbourhood_has_no_signal() -> None:
    assert signals(inputs()) == []


def test_load_concentrated_and_rising() -> None:
    rising = inputs(weekly_load=[(0.6, 6)] * 5 + [(0.9, 6)] * 3, trend=Trend.RISING)
    found = signals(rising)
    assert [s.kind for s in found] == [SignalKind.LOAD_CONCENTRATED, SignalKind.LOAD_RISING]
    assert found[0].since_days == 21 and found[1].since_days == 56
    assert found[0].summary == (
        "care load in elm is concentrated in two coordinators and has been rising for 56 days"
    )
    falling = inputs(weekly_load=[(0.9, 6)] * 8, trend=Trend.FALLING)
    assert kinds(falling) == []
    steady = inputs(weekly_load=[(0.9, 6)] * 8, trend=Trend.STEADY)
    assert [(s.kind, s.since_days) for s in signals(steady)] == [(SignalKind.LOAD_CONCENTRATED, 56)]
    few = inputs(weekly_load=[(0.9, 4)] * 8, trend=Trend.STEADY)  # below the band's floor
    assert kinds(few) == []
    assert concentrated_weeks([(0.9, 6), (0.5, 6), (0.9, 6)]) == 1


def test_holds_waiting_and_care_absent() -> None:
    assert kinds(inputs(holds_waiting_shown=True)) == [SignalKind.HOLDS_WAITING]
    absent = signals(inputs(open_needs=7, circles_formed=0, window_days=30))
    assert [(s.kind, s.since_days) for s in absent] == [(SignalKind.CARE_ABSENT, 30)]
    assert "7" not in absent[0].summary  # no count in the text
    assert kinds(inputs(open_needs=3, circles_formed=1)) == []


# ------------------------------------------------------------------ weeks and windows
def test_release_weeks() -> None:
    wednesday = dt.date(2026, 3, 4)
    assert last_complete_week_end(wednesday) == dt.date(2026, 3, 1)
    sunday = dt.date(2026, 3, 1)
    assert last_complete_week_end(sunday) == dt.date(2026, 2, 22)  # today is not over
    assert week_end("2026-W09") == sunday
    assert week_end("2026-02-24") == sunday
    assert iso_week(sunday) == "2026-W09"
    with pytest.raises(ValueError):
        week_end("last week")
    assert window_weeks(sunday, 14) == (dt.date(2026, 2, 16), dt.date(2026, 2, 23))
    assert window_weeks(sunday, 30) == (dt.date(2026, 2, 2), dt.date(2026, 2, 23))
    first, last = window_weeks(sunday, 90)
    assert (last - first).days // 7 + 1 == 12 and first >= sunday - dt.timedelta(days=89)


# ------------------------------------------------------------------ the guard's rules
AGG = FieldRule(scope_sets=(frozenset({COORDINATOR}), frozenset({AGGREGATE_READ})), min_cell=5)
ELM = Viewer(subject="c", scopes=frozenset({COORDINATOR}), neighborhoods=frozenset({"elm"}))
AI = Viewer(subject="a", scopes=frozenset({AGGREGATE_READ}), neighborhoods=frozenset({"*"}))


def test_aggregate_fields_need_every_named_neighbourhood() -> None:
    authorize(ELM, AGG, ("elm",))
    authorize(ELM, AGG, None)  # a null list: the resolver narrows it to the token's own
    authorize(AI, AGG, ("elm", "oak"))
    for named in (("oak",), ("elm", "oak")):
        with pytest.raises(Forbidden):
            authorize(ELM, AGG, named)


def test_field_neighborhoods() -> None:
    assert field_neighborhoods({"neighborhood": "elm", "window_days": 90}) == ("elm",)
    assert field_neighborhoods({"neighborhoods": ["elm", "oak"]}) == ("elm", "oak")
    assert field_neighborhoods({"neighborhoods": None}) is None
    assert field_neighborhoods({}) is None


def test_cell_policy_per_caller_class() -> None:
    settings = {"min_cell_coordinator": 5, "min_cell_ai": 11}
    assert cell_policy(ELM, AGG, **settings) == CellPolicy(5)
    assert cell_policy(AI, AGG, **settings) == CellPolicy(11)
    stricter = FieldRule(min_cell=8)
    assert cell_policy(ELM, stricter, **settings).min_cell == 8
