"""A count and its perturbation state: the true value and the sum of its record keys.

Every change written to a count draws a fresh random record key (``new_record_key``); the
store keeps the keys' sum modulo 2^32 beside the count. The noise of a published count is a
function of the two (``resolvers/aggregates/perturbation.py``)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

KEY_BITS = 32
KEY_SPACE = 1 << KEY_BITS


@dataclass(frozen=True)
class CellState:
    """What the store keeps of one cell: the true count and the sum of its record keys."""

    value: int
    key: int  # sum of the records' keys mod 2^32

    def __add__(self, other: CellState) -> CellState:
        return CellState(self.value + other.value, (self.key + other.key) % KEY_SPACE)


EMPTY = CellState(0, 0)


def cell_sum(cells: Iterable[CellState]) -> CellState:
    total = EMPTY
    for cell in cells:
        total = total + cell
    return total


def new_record_key() -> int:
    """A fresh record key for one change of a count."""
    return secrets.randbits(KEY_BITS)
