"""The benchmark commands: the generator's options and reports (no database needed), and the
raw endpoint answering what CIP answers on both backends."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from bench.cli import plan_from
from bench.seed import SeedPlan
from subgraph.cli import build_parser
from tests.support import CIP, FreshPostgres


def test_scale_and_flags_make_the_plan() -> None:
    args = build_parser().parse_args(
        ["bench", "seed", "--scale", "city", "--circles-per-neighborhood", "3"]
    )
    plan = plan_from(args)
    assert (plan.neighborhoods, plan.circles_per_neighborhood) == (500, 3)
    assert plan.neighborhoods * plan.aggregate_rows_per_neighborhood == 1_000_000
    small = plan_from(build_parser().parse_args(["bench", "run"]))
    assert small.neighborhoods * small.circles_per_neighborhood == 200
    assert small.members_per_circle == SeedPlan().members_per_circle


def test_the_report_tables_rounds_and_ratios() -> None:
    from bench.report import table

    def figure(target: str, rps: float, rounds: list[float]) -> dict[str, object]:
        return {
            "backend": "postgres",
            "target": target,
            "scenario": "myCircles",
            "concurrency": 16,
            "rps": rps,
            "rounds_rps": rounds,
            "p50_ms": 1.0,
            "p99_ms": 2.0,
            "sql_min": 5 if target == "cip" else None,
            "sql_max": 5 if target == "cip" else None,
            "errors": 0,
        }

    result = {
        "backend": "postgres",
        "seed_seconds": 1.0,
        "first_release_ms": 40.0,
        "release_all_seconds": None,
        "peak_rss_mb": [80.0],
        "raw_peak_rss_mb": [50.0],
        "cpu_ms": {},
        "figures": [figure("cip", 90.0, [80.0, 90.0, 95.0]), figure("raw", 200.0, [200.0])],
    }
    text = table({"results": [result]})
    row = "| postgres | cip | myCircles | 16 | 90.0 | 80.0, 90.0, 95.0 | 1.0 | 2.0 | 5 | 0 |"
    assert row in text
    assert "- postgres myCircles c=16: CIP 90.0 req/s, raw 200.0 req/s: 45%" in text


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_raw_endpoint_answers_exactly_what_cip_answers(tmp_path: Path, backend: str) -> None:
    """`cip bench cpu` refuses to compare when bench/raw.py's JSON differs from CIP's for
    myCircles or circle(id): a raw endpoint doing less would flatter nobody but itself."""
    pg = FreshPostgres() if backend == "postgres" else None
    url = pg.create() if pg is not None else f"sqlite://{tmp_path}/b.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIP_")}
    env |= {"CIP_DATA_DIR": str(tmp_path), "CIP_DATABASE_URL": url}
    try:
        seeded = subprocess.run(
            [*CIP, "bench", "seed", "--scale", "tiny"], env=env, capture_output=True, text=True
        )
        assert seeded.returncode == 0, seeded.stderr
        measured = subprocess.run([*CIP, "bench", "cpu"], env=env, capture_output=True, text=True)
    finally:
        if pg is not None:
            pg.drop()
    assert measured.returncode == 0, measured.stdout + measured.stderr
    figures = json.loads(measured.stdout.strip().splitlines()[-1])
    assert set(figures) == {"cip myCircles", "raw myCircles", "cip circle(id)", "raw circle(id)"}


def test_bench_cpu_on_a_database_it_has_not_seeded_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIP_")}
    env |= {"CIP_DATA_DIR": str(tmp_path), "CIP_DATABASE_URL": f"sqlite://{tmp_path}/e.sqlite3"}
    done = subprocess.run([*CIP, "bench", "cpu"], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert "holds no benchmark data" in lines[0] and "cip bench seed" in lines[0]


def test_bench_instructions_measures_small_scales_only() -> None:
    done = subprocess.run(
        [*CIP, "bench", "instructions", "--scale", "city"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "cip: bench instructions measures at --scale tiny or small only"


def test_callgrind_totals_are_read_from_a_dump(tmp_path: Path) -> None:
    from bench.instructions import Instructions, table, totals

    dump = tmp_path / "callgrind.cip.1.1"
    dump.write_text("version: 1\ncmd: python\nevents: Ir\nfl=x\nfn=y\n1 5\ntotals: 123456\n")
    assert totals(dump) == 123456
    lines = table([Instructions("postgres", "myCircles", 20_000_000, 10_000_000)])
    assert lines[-1] == "| postgres | myCircles | 20.00M | 10.00M | 2.0x |"


def test_the_live_scenario_delivers_every_update_to_every_member(tmp_path: Path) -> None:
    """A smoke of `cip bench live` (two circles, three updates); its figures are in
    docs/benchmarks.md from a run at 1,000 streams."""
    out = tmp_path / "live.json"
    done = subprocess.run(
        [*CIP, "bench", "live", "--streams", "16", "--updates", "3", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CIP_DATA_DIR": str(tmp_path)},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert (result["streams"], result["circles"], result["updates"]) == (16, 2, 3)
    assert result["receipts"] == result["expected_receipts"] == 3 * 8
    assert result["from_send_ms"]["p50"] > 0
