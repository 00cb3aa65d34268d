"""Care load: how concentrated coordinator work is. Pure functions over action counts.

- Gini: ``G = sum_i (2i - n - 1) x_i / (n sum x)`` over counts sorted ascending (i from 1).
- Top-two share: the two busiest coordinators' part of all actions.
- Both are shown only when the published coordinator count is at least ``MIN_COORDINATORS``
  (``published.py`` computes them from perturbed counts).
- Band (for AI-layer clients, per week): SPREAD below 0.5, MODERATE from 0.5 to 0.75,
  CONCENTRATED above; UNKNOWN below ``MIN_COORDINATORS`` coordinators.
- Trend over the top-two shares of the last ``TREND_WEEKS`` weekly releases (oldest first):
  UNKNOWN unless all eight are known; otherwise the mean of the newest four minus the mean of
  the oldest four: above ``TREND_STEP`` RISING, below ``-TREND_STEP`` FALLING, else STEADY.
  Halves rather than a first-to-last difference, so one odd week does not flip the trend.
"""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from resolvers.enums import CareEnum

MIN_COORDINATORS = 5  # published coordinators below which no spread, band or trend shows
TREND_WEEKS = 8
TREND_STEP = 0.05
SPREAD_BELOW = 0.5
CONCENTRATED_ABOVE = 0.75


@strawberry.enum(name="LoadTrend", description="Direction of care load concentration over 8 weeks.")
class Trend(CareEnum):
    RISING = "RISING"
    STEADY = "STEADY"
    FALLING = "FALLING"
    UNKNOWN = "UNKNOWN"


@strawberry.enum(
    name="LoadBand",
    description="Band of the two busiest coordinators' share of actions: SPREAD below 0.5, "
    "MODERATE to 0.75, CONCENTRATED above; UNKNOWN below 5 coordinators.",
)
class Band(CareEnum):
    SPREAD = "SPREAD"
    MODERATE = "MODERATE"
    CONCENTRATED = "CONCENTRATED"
    UNKNOWN = "UNKNOWN"


def gini(counts: Sequence[int]) -> float:
    """The Gini coefficient of ``counts``: 0 when equal, towards 1 when one holds all."""
    n, total = len(counts), sum(counts)
    if n == 0 or total == 0:
        return 0.0
    ordered = sorted(counts)
    weighted = sum((2 * i - n - 1) * x for i, x in enumerate(ordered, start=1))
    return weighted / (n * total)


def top_two_share(counts: Sequence[int]) -> float | None:
    total = sum(counts)
    if total == 0:
        return None
    return sum(sorted(counts, reverse=True)[:2]) / total


def band(share: float | None, coordinators: int) -> Band:
    if share is None or coordinators < MIN_COORDINATORS:
        return Band.UNKNOWN
    if share < SPREAD_BELOW:
        return Band.SPREAD
    if share <= CONCENTRATED_ABOVE:
        return Band.MODERATE
    return Band.CONCENTRATED


def trend(shares: Sequence[float | None]) -> Trend:
    """The trend of the last TREND_WEEKS weekly top-two shares, oldest first."""
    recent = list(shares[-TREND_WEEKS:])
    if len(recent) < TREND_WEEKS or any(s is None for s in recent):
        return Trend.UNKNOWN
    known = [s for s in recent if s is not None]
    half = TREND_WEEKS // 2
    change = sum(known[half:]) / half - sum(known[:half]) / half
    if change > TREND_STEP:
        return Trend.RISING
    if change < -TREND_STEP:
        return Trend.FALLING
    return Trend.STEADY
