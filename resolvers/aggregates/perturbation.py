"""Consistent perturbation of published counts: the cell-key method with an exact discrete
Laplace draw. Pure; integers and a keyed PRF only, never floating point.

Every change written to a count (a circle formed, a hold opened, a thread closed, a coordinator
action) draws a random 32-bit record key, and the store keeps, beside each count, the sum of
its keys modulo 2^32: the cell key (``models/aggregate_store.py``). A cell whose records are
unchanged keeps its cell key, and a change gives an unrelated one. Keys are random, not
derived from the objects, so the key sums in a copy of the store link no week's change to
another's. A gauge's state that begins and ends within one week leaves its weekly cell at 0,
and the cell (key included) is deleted: as if nothing had happened. A published count is

    published = max(0, true + Z),   Z ~ DiscreteLaplace(p/q), drawn from PRF(key, cell | true)

so the same records give the same published value in every query, window and week (repeating
or averaging gains nothing), and one record more or less moves the count by a fresh draw of
``Z``. ``P(Z = z)`` is proportional to ``(p/q)^|z|``; with ``p/q = 1/2`` the draw is 0 with
probability 1/3, +-1 with 1/3 together, and ``E|Z| = 4/3``. One record changes a cell's true
count by one, so each published cell is ``ln(q/p) = ln 2`` differentially private (epsilon
per cell; cells built from disjoint records compose by adding their epsilons). A cell with no
record (true 0) publishes 0: it is about nobody. Suppression (``auth/privacy.py``) is a second
line on the published values.

Sampling follows the exact discrete Laplace sampler of Canonne, Kamath and Steinke (2020), as
OpenDP implements it: a sign bit and a geometric magnitude from Bernoulli(p/q) trials,
rejecting the negative zero. Each trial takes 64 bits of an HMAC-SHA256 stream seeded by the
cell (its key sum and true count), with rejection so that ``u mod q`` is exactly uniform.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from models.cells import EMPTY, KEY_BITS, KEY_SPACE, CellState, cell_sum, new_record_key

__all__ = [
    "EMPTY",
    "KEY_BITS",
    "KEY_SPACE",
    "CellState",
    "cell_sum",
    "derive_key",
    "new_record_key",
    "noise",
    "noise_key",
    "noise_probability",
    "publish",
]

WORD_SPACE = 1 << 64  # the sampler's words
NOISE_P, NOISE_Q = 1, 2  # the discrete Laplace ratio p/q: P(Z = z) ~ (p/q)^|z|
NOISE_KEY_INFO = b"cip/aggregate-noise/v1"


def derive_key(pseudonym_key: bytes, info: bytes) -> bytes:
    """A key of its own for one purpose, derived from CIP_PSEUDONYM_KEY (nothing more to keep)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(pseudonym_key)


def noise_key(pseudonym_key: bytes) -> bytes:
    """The key of the noise draws; rotating CIP_PSEUDONYM_KEY rotates it."""
    return derive_key(pseudonym_key, NOISE_KEY_INFO)


def _stream(secret: bytes, cell: CellState) -> Iterator[int]:
    """Uniform 64-bit words, the same for the same cell."""
    counter = 0
    while True:
        seed = f"{cell.key}|{cell.value}|{counter}".encode()
        digest = hmac.new(secret, seed, hashlib.sha256).digest()
        for i in range(0, 32, 8):
            yield int.from_bytes(digest[i : i + 8], "big")
        counter += 1


def _uniform_below(words: Iterator[int], n: int) -> int:
    """Exactly uniform in [0, n) by rejection (no modulo bias)."""
    limit = WORD_SPACE - WORD_SPACE % n
    for word in words:
        if word < limit:
            return word % n
    raise AssertionError("unreachable: the stream is endless")


def _bernoulli(words: Iterator[int], p: int, q: int) -> bool:
    return _uniform_below(words, q) < p


def discrete_laplace(words: Iterator[int], p: int = NOISE_P, q: int = NOISE_Q) -> int:
    """An exact draw with ``P(z) ~ (p/q)^|z|`` from a stream of uniform words."""
    while True:
        negative = _bernoulli(words, 1, 2)
        magnitude = 0
        while _bernoulli(words, p, q):
            magnitude += 1
        if negative and magnitude == 0:
            continue  # -0 and +0 are one outcome: reject one of them
        return -magnitude if negative else magnitude


def noise(secret: bytes, cell: CellState) -> int:
    """The cell's draw of Z (consistent: a function of the cell's records only)."""
    return discrete_laplace(_stream(secret, cell))


def publish(secret: bytes, cell: CellState) -> int:
    """The published value of a cell: 0 for an empty cell, else max(0, true + Z)."""
    if cell.value <= 0:
        return 0
    return max(0, cell.value + noise(secret, cell))


def noise_probability(z: int, p: int = NOISE_P, q: int = NOISE_Q) -> tuple[int, int]:
    """P(Z = z) as an exact fraction (numerator, denominator), for documentation and tests.

    ``P(z) = (q - p) / (q + p) * (p/q)^|z|``."""
    k = abs(z)
    return (q - p) * p**k, (q + p) * q**k
