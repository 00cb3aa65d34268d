"""One clock for the whole service: calendar days only."""

from __future__ import annotations

import datetime as dt


class Clock:
    """Today's date; fixed by CIP_TODAY in dev (demos and black-box tests), real otherwise."""

    def __init__(self, fixed: dt.date | None = None) -> None:
        self._fixed = fixed

    def today(self) -> dt.date:
        return self._fixed if self._fixed is not None else dt.datetime.now(dt.UTC).date()

    def set(self, day: dt.date | None) -> None:
        """Move the clock (tests and dev only); None returns to the real date."""
        self._fixed = day


def week_start(day: dt.date) -> dt.date:
    """Monday of the ISO week holding ``day``."""
    return day - dt.timedelta(days=day.weekday())
