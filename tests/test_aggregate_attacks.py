"""The arithmetic attacks on published aggregates, run as an attacker would, over many
neighbourhoods and seeds, each printing its success rate beside what the noise allows.

Each neighbourhood gets a noise key of its own (a fresh CIP_PSEUDONYM_KEY); every record
gets a random key, as the store draws them. The attacks use only
what the API publishes: perturbed counts after suppression, the derived figures computed from
them, and the caller's own exact data. CIP_ATTACK_TRIALS raises the sample (docs/aggregates.md
has the large run).
"""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction

import pytest

from auth.privacy import CellPolicy, show_count
from resolvers.aggregates import care_load
from resolvers.aggregates.perturbation import (
    KEY_BITS,
    CellState,
    cell_sum,
    noise_key,
    noise_probability,
    publish,
)
from resolvers.aggregates.published import (
    LoadCells,
    my_share,
    publish_load,
)

pytestmark = pytest.mark.unit

TRIALS = int(os.environ.get("CIP_ATTACK_TRIALS", "600"))
COORDINATOR_FLOOR = CellPolicy(min_cell=5)
AI_FLOOR = 11
MAX_ACTIONS = 10  # each coordinator acts 1 to 10 times; the solver is told so


@dataclass
class Neighbourhood:
    """One neighbourhood's keys: the noise key and the record-key key."""

    noise: bytes
    rng: random.Random

    @classmethod
    def fresh(cls, rng: random.Random) -> Neighbourhood:
        return cls(noise_key(rng.randbytes(32)), rng)

    def record(self, kind: str = "hold") -> CellState:
        """One record with its random key, as the store draws them (seeded: runs repeat)."""
        return CellState(1, self.rng.getrandbits(KEY_BITS))

    def cell(self, records: list[CellState]) -> CellState:
        return cell_sum(records)

    def records_of(self, n: int, kind: str = "hold") -> list[CellState]:
        return [self.record(kind) for _ in range(n)]

    def shown(self, cell: CellState) -> int | None:
        """What a coordinator reads: the published value, or None when suppressed."""
        return show_count(publish(self.noise, cell), COORDINATOR_FLOOR).value


def rate(hits: int, trials: int) -> float:
    return hits / trials


def margin(p: float, trials: int) -> float:
    """Four standard errors of a success rate and three events more (for rare events): the
    test fails only on a real excess."""
    return (4 * (trials * p * (1 - p)) ** 0.5 + 3) / trials


def p_zero() -> float:
    n, d = noise_probability(0)
    return n / d


def report(
    capsys: pytest.CaptureFixture[str], name: str, got: float, allowed: float, before: str
) -> None:
    with capsys.disabled():
        print(  # noqa: T201 (the success rate belongs in the run's output)
            f"\n[attack] {name}: success {got:.3f} over {TRIALS} neighbourhoods "
            f"(what the noise allows: {allowed:.3f}; before: {before})"
        )


def trials(seed: int) -> Iterator[tuple[random.Random, Neighbourhood]]:
    rng = random.Random(seed)
    for _ in range(TRIALS):
        yield rng, Neighbourhood.fresh(rng)


# --- the load solver -------------------------------------------------------------------------


def load_cells(nbh: Neighbourhood, counts: list[int]) -> tuple[LoadCells, list[list[CellState]]]:
    actions = [nbh.records_of(c, "action") for c in counts]
    cells = LoadCells(
        coordinators=nbh.cell(nbh.records_of(len(counts), "coordinator")),
        actions=nbh.cell([a for per in actions for a in per]),
        per_coordinator=[nbh.cell(per) for per in actions],
    )
    return cells, actions


def solve_others(
    own: int, n: int, total: int, share: float | None, gini: float | None
) -> tuple[int, ...]:
    """The attacker's best solution: the other coordinators' counts (sorted) that sum to the
    total the caller's myShare gives away and best match the published share and Gini."""
    rest = total - own
    if rest < 0:
        return tuple([0] * (n - 1))
    best: tuple[float, tuple[int, ...]] | None = None
    for split in itertools.combinations_with_replacement(
        range(1, min(rest, MAX_ACTIONS) + 1), n - 1
    ):
        if sum(split) != rest:
            continue
        counts = [own, *split]
        err = 0.0
        if share is not None:
            err += abs((care_load.top_two_share(counts) or 0) - share)
        if gini is not None:
            err += abs(care_load.gini(counts) - gini)
        if best is None or err < best[0]:
            best = (err, split)
    return best[1] if best else tuple([0] * (n - 1))


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_the_load_solver_recovers_no_more_than_the_noise_allows(
    n: int, capsys: pytest.CaptureFixture[str]
) -> None:
    hits = 0
    for rng, nbh in trials(1000 + n):
        counts = [rng.randint(1, MAX_ACTIONS) for _ in range(n)]
        cells, _ = load_cells(nbh, counts)
        load = publish_load(nbh.noise, cells)
        share = my_share(counts[0], load.actions)
        # myShare is own / published total: the total is all the attacker gets from it.
        total = round(counts[0] / share) if share else counts[0]
        if load.coordinators < care_load.MIN_COORDINATORS:
            assert load.gini is None and load.top_two_share is None
        guess = solve_others(counts[0], n, total, load.top_two_share, load.gini)
        hits += guess == tuple(sorted(counts[1:]))
    got = rate(hits, TRIALS)
    # The others' total is behind one perturbed cell: guessing it exactly succeeds when the
    # draw is 0. With n - 1 unknowns the exact split is harder still.
    allowed = p_zero()
    report(capsys, f"load solver, {n} coordinators", got, allowed, "1.000 (exact counts)")
    assert got <= allowed + margin(allowed, TRIALS)


# --- padding: own records around a hidden count ----------------------------------------------


def padding_allowed(pad: int, hidden: range) -> float:
    """The Bayes-optimal success of guessing a uniform hidden count from one published cell
    of ``hidden + pad`` records (suppressed below 5), computed exactly from the noise law."""

    def p_shown(true: int, shown: int | None) -> Fraction:
        total = Fraction(0)
        for z in range(-60, 61):
            num, den = noise_probability(z)
            published = max(0, true + z) if true > 0 else 0
            seen = None if 0 < published < 5 else published
            if seen == shown:
                total += Fraction(num, den)
        return total

    outcomes: list[int | None] = [None, *range(80)]
    best = sum(max(p_shown(h + pad, s) for h in hidden) for s in outcomes)
    return float(best / len(hidden))


def test_padding_tells_no_more_of_a_hidden_count_than_the_noise_allows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pad, hidden = 4, range(5)
    hits = 0
    for rng, nbh in trials(2000):
        h = rng.choice(hidden)
        shown = nbh.shown(nbh.cell(nbh.records_of(h) + nbh.records_of(pad)))
        guess = 0 if shown is None else min(max(shown - pad, 0), 4)
        hits += guess == h
    got = rate(hits, TRIALS)
    allowed = padding_allowed(pad, hidden)
    report(capsys, "padding 4 own threads around 0-4 others", got, allowed, "1.000")
    assert got <= allowed + margin(allowed, TRIALS)


# --- differencing: windows and weeks ---------------------------------------------------------


def difference_attack(
    seed: int, make: Callable[[random.Random, Neighbourhood, int], tuple[CellState, CellState]]
) -> tuple[float, float]:
    """The attacker reads two published cells whose records differ by ``extra`` (0 or 1,
    uniform) and guesses the difference from the published values. Returns the rate of
    exact guesses of the difference's size and sign (-1, 0, +1) and of "anything changed"."""
    exact = changed = 0
    for rng, nbh in trials(seed):
        extra = rng.choice([0, 1])
        a, b = make(rng, nbh, extra)
        pa, pb = publish(nbh.noise, a), publish(nbh.noise, b)
        changed += (pa != pb) == (extra != 0)
        exact += max(-1, min(1, pb - pa)) == extra
    return rate(exact, TRIALS), rate(changed, TRIALS)


def two_cell_bound() -> float:
    """Telling whether two published cells differ by one record: at best 1/2 (prior) plus
    1/2 times the chance that a fresh draw moves the published value (identical records
    publish identically; this is the price of consistency, docs/aggregates.md)."""
    coincide = Fraction(0)
    for z in range(-60, 61):
        n1, d1 = noise_probability(z)
        n2, d2 = noise_probability(z + 1)
        coincide += Fraction(n1, d1) * Fraction(n2, d2)
    return float(Fraction(1, 2) + Fraction(1, 2) * (1 - coincide))


def test_window_differencing_gives_the_direction_no_better_than_the_noise_allows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def windows(rng: random.Random, nbh: Neighbourhood, extra: int) -> tuple[CellState, CellState]:
        in_30 = nbh.records_of(rng.randint(5, 9))
        return nbh.cell(in_30), nbh.cell(in_30 + nbh.records_of(extra))

    exact, changed = difference_attack(3000, windows)
    bound = two_cell_bound()
    report(capsys, "window differencing (hold opened 31-90 days ago), sign", exact, bound, "1.000")
    report(capsys, "window differencing, anything changed", changed, bound, "1.000")
    assert exact <= bound + margin(bound, TRIALS)
    assert changed <= bound + margin(bound, TRIALS)


def test_week_differencing_of_a_gauge_no_better_than_the_noise_allows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def weeks(rng: random.Random, nbh: Neighbourhood, extra: int) -> tuple[CellState, CellState]:
        # activeCircles in week W+1 and W: a circle closed in W+1 (extra 1) or nothing did.
        circles = nbh.records_of(rng.randint(5, 9), "circle")
        return nbh.cell(circles[: len(circles) - extra]), nbh.cell(circles)

    exact, changed = difference_attack(4000, weeks)
    bound = two_cell_bound()
    report(capsys, "week differencing (a circle closed), sign", exact, bound, "1.000")
    report(capsys, "week differencing, anything changed", changed, bound, "1.000")
    assert changed <= bound + margin(bound, TRIALS)
    assert exact <= bound + margin(bound, TRIALS)


# --- averaging -------------------------------------------------------------------------------


def test_averaging_52_weeks_of_an_unchanged_count_gains_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    hits = 0
    for rng, nbh in trials(5000):
        true = rng.randint(5, 30)
        cell = nbh.cell(nbh.records_of(true, "circle"))
        weekly = [publish(nbh.noise, cell) for _ in range(52)]
        assert len(set(weekly)) == 1  # the same records: the same value every week
        hits += round(sum(weekly) / 52) == true
    got = rate(hits, TRIALS)
    allowed = p_zero()
    report(capsys, "52-week averaging of an unchanged count", got, allowed, "0.88")
    assert got <= allowed + margin(allowed, TRIALS)


# --- one ask and no signal -------------------------------------------------------------------


def test_one_open_ask_never_reaches_the_ai_floor_beyond_the_noise_tail(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fired = 0
    for _, nbh in trials(6000):
        fired += publish(nbh.noise, nbh.cell(nbh.records_of(1, "ask"))) >= AI_FLOOR
    tail = sum(Fraction(*noise_probability(z)) for z in range(AI_FLOOR - 1, 200))  # P(1 + Z >= 11)
    got = rate(fired, TRIALS)
    report(
        capsys, "one ask shown at the AI floor (would fire CARE_ABSENT)", got, float(tail), "1.000"
    )
    assert got <= float(tail) + margin(float(tail), TRIALS)
