"""Fuzzing in the default run: schemathesis-generated operations against `cip serve` on SQLite
and PostgreSQL, with member, coordinator, AI-layer and anonymous callers; one run with a fixed
seed and one with a random seed (printed, and named in any failure, to replay it).

Budget: CIP_FUZZ_BUDGET operations per run (default 100, a few seconds each). A longer run:
``CIP_FUZZ_BUDGET=3000 python -m pytest tests/fuzz``; replay a seed with CIP_FUZZ_SEED.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fuzz import world
from tests.fuzz.run import Outcome, fuzz
from tests.support import FreshPostgres, Served, cip_serve, dev_env

FIXED_SEED = 20261122
BUDGET = int(os.environ.get("CIP_FUZZ_BUDGET", "100"))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    folder: Path = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    pg: FreshPostgres | None = None
    url = f"sqlite://{folder}/cip.sqlite3"
    if request.param == "postgres":
        pg = FreshPostgres()
        url = pg.create()
    try:
        with cip_serve(dev_env(folder, url), folder / "serve.log") as running:
            world.seed(running)
            yield running
    finally:
        if pg is not None:
            pg.drop()


def _judge(outcome: Outcome, served: Served) -> None:
    summary = f"seed {outcome.seed}: {outcome.operations} operations in {outcome.seconds:.1f} s"
    print(f"\n[fuzz] {summary}, answers {dict(sorted(outcome.codes.items()))}")  # noqa: T201
    assert outcome.operations >= BUDGET // 2, summary
    shown = [f"{f.role}: {f.problems}\n{f.query}\n{f.body}" for f in outcome.findings[:5]]
    assert not outcome.findings, f"{summary}\n" + "\n\n".join(shown)
    assert "Traceback" not in served.output()


def test_fuzz_fixed_seed(served: Served) -> None:
    _judge(fuzz(served.base_url, world.callers(served), FIXED_SEED, BUDGET), served)


def test_fuzz_random_seed(served: Served) -> None:
    run_seed = int(os.environ.get("CIP_FUZZ_SEED") or random.SystemRandom().randrange(2**32))
    print(f"\n[fuzz] random seed {run_seed} (replay: CIP_FUZZ_SEED={run_seed})")  # noqa: T201
    _judge(fuzz(served.base_url, world.callers(served), run_seed, BUDGET), served)
