"""careSignals: deterministic rules over a weekly release. Pure.

- LOAD_CONCENTRATED: the window's top-two share is CONCENTRATED (with the band's coordinator
  floor) and the eight-week trend is not FALLING (nor UNKNOWN). sinceDays: 7 x the trailing
  weeks whose band was CONCENTRATED.
- LOAD_RISING: the eight-week trend is RISING. sinceDays: 56 (the eight weeks).
- HOLDS_WAITING: holds waiting over 7 days is shown (not suppressed at the strictest floor
  the service uses) and above zero. sinceDays: 7.
- CARE_ABSENT: needs are open (holds or asks) and no circle formed in the window.
  sinceDays: the window.

Summaries name only released values: the neighbourhood, a band, a trend, a number of days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import strawberry

from resolvers.aggregates.care_load import TREND_WEEKS, Band, Trend, band
from resolvers.enums import CareEnum


@strawberry.enum(name="CareSignalKind")
class SignalKind(CareEnum):
    LOAD_CONCENTRATED = "LOAD_CONCENTRATED"
    LOAD_RISING = "LOAD_RISING"
    HOLDS_WAITING = "HOLDS_WAITING"
    CARE_ABSENT = "CARE_ABSENT"


@dataclass(frozen=True)
class SignalInputs:
    neighborhood: str
    window_days: int
    weekly_load: Sequence[tuple[float | None, int]]  # (top-two share, coordinators), oldest first
    trend: Trend
    holds_waiting_shown: bool  # above zero and not suppressed
    open_needs: int
    circles_formed: int


@dataclass(frozen=True)
class Signal:
    neighborhood: str
    kind: SignalKind
    since_days: int
    summary: str


def concentrated_weeks(weekly_load: Sequence[tuple[float | None, int]]) -> int:
    weeks = 0
    for share, coordinators in reversed(weekly_load[-TREND_WEEKS:]):
        if band(share, coordinators) is not Band.CONCENTRATED:
            break
        weeks += 1
    return weeks


def signals(inputs: SignalInputs) -> list[Signal]:
    nbh, found = inputs.neighborhood, []
    weeks = concentrated_weeks(inputs.weekly_load)
    if weeks and inputs.trend in (Trend.RISING, Trend.STEADY):
        how = "has been rising" if inputs.trend is Trend.RISING else "has not fallen"
        found.append(
            Signal(
                nbh,
                SignalKind.LOAD_CONCENTRATED,
                7 * weeks,
                f"care load in {nbh} is concentrated in two coordinators and {how} "
                f"for {7 * TREND_WEEKS} days",
            )
        )
    if inputs.trend is Trend.RISING:
        days = 7 * TREND_WEEKS
        found.append(
            Signal(
                nbh,
                SignalKind.LOAD_RISING,
                days,
                f"care load in {nbh} has been concentrating on fewer coordinators for {days} days",
            )
        )
    if inputs.holds_waiting_shown:
        found.append(
            Signal(
                nbh,
                SignalKind.HOLDS_WAITING,
                7,
                f"care holds in {nbh} have waited more than 7 days for pickup",
            )
        )
    if inputs.open_needs > 0 and inputs.circles_formed == 0:
        found.append(
            Signal(
                nbh,
                SignalKind.CARE_ABSENT,
                inputs.window_days,
                f"support needs are open in {nbh} and no circle formed "
                f"in the last {inputs.window_days} days",
            )
        )
    return found
