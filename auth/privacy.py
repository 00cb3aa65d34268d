"""Small-cell suppression: what an aggregate may show to a class of caller.

Counts arrive published (perturbed when their week was released,
``resolvers/aggregates/perturbation.py``); suppression is the second line, on the published
values: a count between 1 and ``min_cell - 1`` is withheld, and a rate is shown only when its
published denominator reaches ``min_cell``. Coordinators and AI-layer clients read the same
published values; only their floors differ (5 and 11).

Everything here is pure; the field guard (``auth/guard.py``) applies it to results.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

RATE_DIGITS = 4


@dataclass(frozen=True)
class CellPolicy:
    """How counts are shown to one class of caller."""

    min_cell: int


@dataclass(frozen=True)
class Shown:
    value: int | None
    suppressed: bool


def show_count(published: int, cells: CellPolicy) -> Shown:
    """A published count as this class of caller may see it."""
    if 0 < published < cells.min_cell:
        return Shown(None, True)
    return Shown(published, False)


def show_rate(numerator: Shown, denominator: Shown, cells: CellPolicy) -> float | None:
    """A rate from the shown parts, null when a part is withheld or the published base is
    below the floor. Rounded to ``RATE_DIGITS`` like the Gini; capped at 1 (a numerator can
    count needs opened just before the window, and each part carries its own noise)."""
    if numerator.value is None or denominator.value is None:
        return None
    if denominator.value < cells.min_cell:
        return None
    return round(min(1.0, numerator.value / denominator.value), RATE_DIGITS)


@runtime_checkable
class Releasable(Protocol):
    """A result value that shows itself according to the caller's cell policy."""

    def release(self, cells: CellPolicy) -> None: ...


def release_tree(result: Any, cells: CellPolicy) -> None:
    """Apply ``cells`` to every Releasable inside a resolver's result (objects and lists)."""
    if result is None or isinstance(result, (str, int, float, bool)):
        return
    if isinstance(result, Releasable):
        result.release(cells)
    elif isinstance(result, (list, tuple)):
        for item in result:
            release_tree(item, cells)
    elif dataclasses.is_dataclass(result) and not isinstance(result, type):
        for f in dataclasses.fields(result):
            release_tree(getattr(result, f.name, None), cells)
