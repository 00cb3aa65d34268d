"""Small-cell suppression and keyed rounding: what an aggregate may show to a class of caller.

A count between 1 and ``min_cell - 1`` is withheld; a rate is shown only when its denominator
reaches ``min_cell``. AI-layer clients also get every shown count rounded to a multiple of 5
by keyed unbiased rounding: rounded up with probability ``(v mod 5) / 5``, the coin being an
HMAC of the cell's seed (neighbourhood, week, metric) under a key of its own. The same release
therefore always shows the same number, and the seed leaves out the window so that the same
true count never shows two different roundings that could be averaged.

Everything here is pure; the field guard (``auth/guard.py``) applies it to results.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ROUNDING_BASE = 5
RATE_DIGITS = 4  # rates, like the Gini and shares releases store (resolvers/aggregates DIGITS)
ROUNDING_KEY_INFO = b"cip/aggregate-rounding/v1"


@dataclass(frozen=True)
class CellPolicy:
    """How counts are shown to one class of caller."""

    min_cell: int
    rounding_key: bytes | None = None  # None: exact counts (coordinators)


@dataclass(frozen=True)
class Shown:
    value: int | None
    suppressed: bool


def rounding_key(pseudonym_key: bytes) -> bytes:
    """The rounding key, derived from CIP_PSEUDONYM_KEY so no extra secret must be kept."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=ROUNDING_KEY_INFO)
    return hkdf.derive(pseudonym_key)


def keyed_round(value: int, key: bytes, seed: str, base: int = ROUNDING_BASE) -> int:
    """``value`` rounded to a multiple of ``base``, unbiased, the same for the same seed."""
    low, rest = divmod(value, base)
    if rest == 0:
        return value
    digest = hmac.new(key, seed.encode(), hashlib.sha256).digest()
    coin = int.from_bytes(digest[:8], "big") / 2**64  # uniform in [0, 1)
    return (low + 1) * base if coin * base < rest else low * base


def show_count(value: int, cells: CellPolicy, seed: str) -> Shown:
    """A true count as this class of caller may see it."""
    if 0 < value < cells.min_cell:
        return Shown(None, True)
    if cells.rounding_key is not None and value > 0:
        return Shown(keyed_round(value, cells.rounding_key, seed), False)
    return Shown(value, False)


def show_rate(
    numerator: Shown, denominator: Shown, true_denominator: int, cells: CellPolicy
) -> float | None:
    """A rate from the shown parts, null when a part is withheld or the base is too small.

    Computed from the shown (possibly rounded) parts so that it never gives away a count
    more exactly than the parts do. Capped at 1: a numerator can count needs opened just
    before the window. Rounded to RATE_DIGITS, like the Gini: a person reads it.
    """
    if numerator.suppressed or denominator.suppressed or true_denominator < cells.min_cell:
        return None
    if numerator.value is None or not denominator.value:
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
