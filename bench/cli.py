"""`cip bench seed` and `cip bench run`: argument parsing and the two handlers."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from bench.seed import SeedPlan

SCALES: dict[str, dict[str, int]] = {
    # CI smoke: completes in seconds on both backends.
    "tiny": {"neighborhoods": 2, "circles_per_neighborhood": 10, "join_codes": 120},
    "small": {"neighborhoods": 10, "circles_per_neighborhood": 20},
    "city": {
        "neighborhoods": 500,
        "circles_per_neighborhood": 100,
        "aggregate_rows_per_neighborhood": 2_000,
        "updates_per_circle": 10,
    },
}


PLAN_HELP = {
    "members_per_circle": "supporters per circle besides the facilitator",
    "probe_circles": "circles the measured member is in",
    "join_codes": "unused join codes to seed",
    "batch": "circles written per transaction",
    "seed": "random seed of the generated data",
}


def add_plan_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scale",
        choices=sorted(SCALES),
        default="small",
        help="data size: tiny (20 circles), small (200) or city (500 neighbourhoods of 100); "
        "default small",
    )
    defaults = SeedPlan()
    for name, value in vars(defaults).items():
        p.add_argument(
            "--" + name.replace("_", "-"),
            type=int,
            default=None,
            help=f"{PLAN_HELP.get(name, name.replace('_', ' '))} (default {value}, or the scale's)",
        )


def plan_from(args: argparse.Namespace) -> SeedPlan:
    chosen: dict[str, Any] = dict(SCALES[args.scale])
    for name in vars(SeedPlan()):
        value = getattr(args, name, None)
        if value is not None:
            chosen[name] = value
    return SeedPlan(**chosen)


def cmd_seed(args: argparse.Namespace) -> int:
    from bench.seed import seed, summary
    from subgraph.runtime import database, migrate, settings_or_exit

    settings = settings_or_exit()
    plan = plan_from(args)
    migrate(settings)

    async def run() -> str:
        started = time.monotonic()
        async with database(settings):
            counts = await seed(settings, plan, lambda line: print(f"  {line}", flush=True))
        return summary(counts, time.monotonic() - started)

    print(f"cip: bench seed {plan}", flush=True)
    print(f"cip: {asyncio.run(run())}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bench.run import RunOptions, run_all

    options = RunOptions(
        backends=[b.strip() for b in args.backends.split(",") if b.strip()],
        plan=plan_from(args),
        requests=args.requests,
        workers=args.workers,
        concurrency=[int(c) for c in args.concurrency.split(",")],
        out=args.out,
        raw=not args.no_raw,
        release_all=not args.no_release_all,
        only=[o.strip() for o in args.only.split(",")] if args.only else None,
        rounds=args.rounds,
    )
    return run_all(options)


def cmd_live(args: argparse.Namespace) -> int:
    from bench.live import LiveOptions, run_live

    options = LiveOptions(
        backend=args.backend,
        streams=args.streams,
        interval=args.interval,
        updates=args.updates,
        out=args.out,
    )
    return run_live(options)


def cmd_cpu(_: argparse.Namespace) -> int:
    from bench.cpu import run_cpu
    from subgraph.runtime import settings_or_exit

    print(json.dumps(run_cpu(settings_or_exit())))
    return 0


MEASURED_SCALES = ("tiny", "small")  # instructions are measured small; city is for HTTP runs


def cmd_instructions(args: argparse.Namespace) -> int:
    from bench.instructions import ensure_valgrind, measure_backend, table
    from subgraph.runtime import CommandError

    if args.scale not in MEASURED_SCALES:
        raise CommandError("bench instructions measures at --scale tiny or small only")
    valgrind = ensure_valgrind(args.install)
    only = [o.strip() for o in args.only.split(",")] if args.only else None
    results = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        results += measure_backend(backend, plan_from(args), args.requests, valgrind, only)
    lines = table(results)
    for line in lines:
        print(line)
    if args.out:
        from dataclasses import asdict
        from pathlib import Path

        payload = [asdict(r) | {"ratio": r.ratio} for r in results]
        Path(args.out).write_text(json.dumps(payload, indent=2) + "\n")
    return 0


def add_parser(sub: Any) -> None:
    """Register `cip bench seed|run` on the top-level subparsers."""
    about = "benchmarks: seed data, measure over HTTP"
    bench = sub.add_parser("bench", help=about, description=about)
    inner = bench.add_subparsers(dest="bench_command", required=True)
    about = "write benchmark data into CIP_DATABASE_URL"
    seed = inner.add_parser("seed", help=about, description=about)
    add_plan_arguments(seed)
    seed.set_defaults(handler=cmd_seed)
    about = "CPU ms per request in process, CIP against the raw driver (seeded data)"
    cpu = inner.add_parser("cpu", help=about, description=about)
    cpu.set_defaults(handler=cmd_cpu)
    about = (
        "instructions per request under valgrind's callgrind, CIP against the raw driver, "
        "every scenario, on fresh seeded databases"
    )
    instructions = inner.add_parser("instructions", help=about, description=about)
    add_plan_arguments(instructions)
    instructions.add_argument(
        "--backends",
        default="sqlite,postgres",
        help="comma-separated backends to measure (default sqlite,postgres)",
    )
    instructions.add_argument(
        "--requests", type=int, default=10, help="requests measured per scenario"
    )
    instructions.add_argument("--only", default=None, help="comma-separated scenario names")
    instructions.add_argument("--out", default=None, help="write the figures as JSON here")
    instructions.add_argument(
        "--install", action="store_true", help="apt-get install valgrind when it is missing"
    )
    instructions.set_defaults(handler=cmd_instructions)
    about = "seed fresh databases, serve them and measure over loopback HTTP"
    run = inner.add_parser("run", help=about, description=about)
    add_plan_arguments(run)
    run.add_argument(
        "--backends",
        default="sqlite,postgres",
        help="comma-separated backends to measure (default sqlite,postgres)",
    )
    run.add_argument("--requests", type=int, default=200, help="requests per measurement")
    run.add_argument(
        "--workers", type=int, default=2, help="uvicorn workers of the served CIP (default 2)"
    )
    run.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternating CIP/raw rounds for myCircles and circle(id); the median is reported",
    )
    run.add_argument(
        "--concurrency",
        default="1,16",
        help="comma-separated numbers of concurrent clients (default 1,16)",
    )
    run.add_argument("--out", default=None, help="write the results as JSON here")
    run.add_argument("--no-raw", action="store_true", help="skip the raw-driver endpoint")
    run.add_argument("--no-release-all", action="store_true", help="skip timing `cip release`")
    run.add_argument("--only", default=None, help="comma-separated scenario names")
    run.set_defaults(handler=cmd_run)
    about = "open subscriptions on one worker, post updates at a pace, time the deliveries"
    live = inner.add_parser("live", help=about, description=about)
    live.add_argument(
        "--backend",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="the database to serve from (default sqlite)",
    )
    live.add_argument("--streams", type=int, default=1000, help="open subscriptions (1000)")
    live.add_argument("--interval", type=float, default=0.1, help="seconds between updates")
    live.add_argument("--updates", type=int, default=300, help="updates posted (300)")
    live.add_argument("--out", default=None, help="write the result as JSON here")
    live.set_defaults(handler=cmd_live)
