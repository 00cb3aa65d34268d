"""The benchmark generator's options: scales and explicit flags (no database needed)."""

from __future__ import annotations

from bench.cli import plan_from
from bench.seed import SeedPlan
from subgraph.cli import build_parser


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
