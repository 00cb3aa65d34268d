"""Published figures: every count perturbed, every derived figure computed from perturbed
counts only. Pure.

- A count is ``perturbation.publish`` of its cell.
- Care load: the coordinator count, the action total and each coordinator's actions are cells
  of their own. Gini and the top-two share are computed from the coordinators' perturbed counts
  and shown only when the published coordinator count is at least ``MIN_COORDINATORS``:
  with fewer, a coordinator who knows their own count could solve the others'.
- ``myShare`` is the caller's own exact count over the published total, nothing else.
- Rates are published numerator over published denominator (``auth/privacy.py`` suppresses
  them on the published parts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from resolvers.aggregates import care_load
from resolvers.aggregates.perturbation import CellState, publish

DIGITS = 4  # derived figures are rounded so that every backend stores the same value


@dataclass(frozen=True)
class LoadCells:
    """The cells behind one window's care load."""

    coordinators: CellState  # one record per coordinator who acted
    actions: CellState  # one record per action
    per_coordinator: Sequence[CellState]  # each coordinator's actions


@dataclass(frozen=True)
class PublishedLoad:
    coordinators: int
    actions: int
    gini: float | None
    top_two_share: float | None


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, DIGITS)


def publish_load(secret: bytes, cells: LoadCells) -> PublishedLoad:
    coordinators = publish(secret, cells.coordinators)
    actions = publish(secret, cells.actions)
    if coordinators < care_load.MIN_COORDINATORS:
        return PublishedLoad(coordinators, actions, None, None)
    counts = [publish(secret, cell) for cell in cells.per_coordinator]
    share = care_load.top_two_share(counts)
    return PublishedLoad(
        coordinators=coordinators,
        actions=actions,
        gini=rounded(care_load.gini(counts)),
        top_two_share=rounded(share),
    )


def my_share(own: int, published_actions: int) -> float | None:
    """The caller's exact count over the published total: null when the published total is
    0, at most 1 (the noise can put the total below the caller's own count)."""
    if published_actions <= 0:
        return None
    return rounded(min(1.0, own / published_actions))
