"""`cip bench run`: seed a fresh database per backend, serve it with `cip serve` (a subprocess
on loopback), measure each scenario at each concurrency, then the raw-driver endpoint.

Figures per scenario: requests/s, p50 and p99 latency, SQL statements per request (from the
``x-cip-sql-statements`` header, CIP_COUNT_SQL=1) and peak RSS per worker (VmHWM in /proc).
The client runs on the same machine and takes its share of the CPU; so does the raw run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from auth.devtokens import mint_dev_token
from auth.viewer import AGGREGATE_READ, COORDINATOR
from bench import names
from bench.seed import SeedPlan
from subgraph import nodelay
from subgraph.runtime import CommandError
from subgraph.settings import DEV_AUDIENCE, DEV_ISSUER, new_key

# The server the test suite uses (CIP_TEST_POSTGRES_URL) unless the benchmark is told otherwise.
POSTGRES_ADMIN_URL = os.environ.get("CIP_BENCH_POSTGRES_URL") or os.environ.get(
    "CIP_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
CIRCLE_SELECTION = """
  id neighborhood focus status myRole rhythm formedOn
  members { id displayName role isMe }
  updates(first: 20) { id body postedOn expiresOn author { id displayName } }
"""
MY_CIRCLES = f"query {{ myCircles {{ {CIRCLE_SELECTION} }} }}"
CIRCLE = f"query($id: ID!) {{ circle(id: $id) {{ {CIRCLE_SELECTION} }} }}"
COUNT = "{ value suppressed }"
VIEW = f"""
query($n: ID!) {{ careCoordinationView(neighborhood: $n, windowDays: 90) {{
  neighborhood asOf windowDays activeCircles {COUNT} formingCircles {COUNT} openHolds {COUNT}
  holdsWaitingOver7Days {COUNT} openSupportAsks {COUNT} activeRepairThreads {COUNT}
  careLoad {{ coordinators {COUNT} gini topTwoShare myShare trend }}
}} }}
"""
WEEKS = f"""
query($n: ID!) {{ careWeeks(neighborhood: $n, weeks: 12) {{
  neighborhood weekStarting activeCircles {COUNT} openHolds {COUNT} circlesFormed {COUNT}
  repairThreadsClosed {COUNT} loadConcentration
}} }}
"""
JOIN = "mutation($c: String!, $n: String!) { joinCircle(code: $c, displayName: $n) { id myRole } }"
POST = "mutation($id: ID!, $b: String!) { postCircleUpdate(circleId: $id, body: $b) { id } }"


RATE_SETTINGS = (
    "CIP_RATE_MUTATIONS_PER_MINUTE",
    "CIP_RATE_ADDRESS_MUTATIONS_PER_MINUTE",
    "CIP_RATE_CODES_PER_HOUR",
    "CIP_RATE_ADDRESS_CODES_PER_HOUR",
)


@dataclass
class RunOptions:
    backends: list[str]
    plan: SeedPlan
    requests: int = 200
    workers: int = 2
    concurrency: list[int] = field(default_factory=lambda: [1, 16])
    out: str | None = None
    raw: bool = True
    release_all: bool = True
    only: list[str] | None = None
    rounds: int = 3


@dataclass
class Figure:
    backend: str
    target: str  # "cip" or "raw"
    scenario: str
    concurrency: int
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    sql_min: int | None
    sql_max: int | None
    errors: int
    rounds_rps: list[float] = field(default_factory=list)


@dataclass
class BackendResult:
    backend: str
    seed_seconds: float
    first_release_ms: float | None = None
    release_all_seconds: float | None = None
    peak_rss_mb: list[float] = field(default_factory=list)
    raw_peak_rss_mb: list[float] = field(default_factory=list)
    cpu_ms: dict[str, float] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)


Request = tuple[str, dict[str, Any], str]  # query, variables, token
Measured = tuple[float, list[float], list[int], int]  # seconds, latencies, SQL counts, errors
# Scenarios the raw endpoint answers too: measured in alternating rounds with CIP.
RAW_SCENARIOS = ("myCircles", "circle(id)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Database:
    """A fresh database for one backend, dropped afterwards (PostgreSQL)."""

    def __init__(self, backend: str, data_dir: Path) -> None:
        self.backend = backend
        self.name = f"cip_bench_{uuid.uuid4().hex[:10]}"
        if backend == "sqlite":
            self.url = f"sqlite://{data_dir}/cip.sqlite3"
        elif backend == "postgres":
            base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
            self.url = f"{base}/{self.name}"
        else:
            raise CommandError(f"unknown backend {backend!r} (sqlite or postgres)", 1)

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def create(self) -> None:
        if self.backend == "postgres":
            asyncio.run(self._admin(f'CREATE DATABASE "{self.name}"'))

    def drop(self) -> None:
        if self.backend == "postgres":
            asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


def cip_command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from subgraph.cli import main; main()", *args]


def plan_arguments(plan: SeedPlan) -> list[str]:
    out = []
    for name, value in asdict(plan).items():
        out += ["--" + name.replace("_", "-"), str(value)]
    return out


@contextmanager
def process(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[int]:
    """Start a server process and wait until it answers; yield its pid."""
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise CommandError(f"{command[3:5]} exited early:\n{log.read_text()[-2000:]}", 1)
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise CommandError(f"server did not start:\n{log.read_text()[-2000:]}", 1)
            time.sleep(0.1)
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def workers_of(pid: int) -> list[int]:
    """The worker processes of a uvicorn server (the process itself when it has none)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            cmdline = (entry / "cmdline").read_bytes()
            if b"multiprocessing.resource_tracker" not in cmdline:
                found.append(int(entry.name))
    return found or [pid]


def peak_rss_mb(pids: list[int]) -> list[float]:
    peaks = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(round(int(line.split()[1]) / 1024, 1))
        except OSError:
            continue
    return peaks


async def measure(
    url: str, make: Callable[[int], Request], total: int, concurrency: int, start: int = 0
) -> Measured:
    """``total`` requests, ``concurrency`` at a time: seconds, latencies, SQL counts, errors."""
    latencies: list[float] = []
    counts: list[int] = []
    errors = 0
    next_index = start
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def one() -> None:
            nonlocal next_index, errors
            while next_index < start + total:
                i = next_index
                next_index += 1
                query, variables, token = make(i)
                began = time.perf_counter()
                response = await client.post(
                    url,
                    json={"query": query, "variables": variables},
                    headers={"authorization": f"Bearer {token}"},
                )
                latencies.append(time.perf_counter() - began)
                body = response.json()
                if response.status_code != 200 or body.get("errors") or not body.get("data"):
                    errors += 1
                    if errors == 1:
                        print(f"    first error: {json.dumps(body)[:300]}", flush=True)
                header = response.headers.get("x-cip-sql-statements")
                if header is not None:
                    counts.append(int(header))

        began = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(concurrency)))
        seconds = time.perf_counter() - began
    return seconds, latencies, counts, errors


class Bench:
    def __init__(self, options: RunOptions, backend: str, work: Path) -> None:
        self.options = options
        self.backend = backend
        self.work = work
        self.secret = secrets.token_urlsafe(32)
        self.today = dt.date.today()
        self.db = Database(backend, work)
        self.env = {
            **os.environ,
            "CIP_ENV": "dev",
            "CIP_DATA_DIR": str(work),
            "CIP_DATABASE_URL": self.db.url,
            "CIP_PSEUDONYM_KEY": new_key(),
            "CIP_MASTER_KEY": new_key(),
            "CIP_DEV_JWT_SECRET": self.secret,
            "CIP_TODAY": self.today.isoformat(),
            "CIP_COUNT_SQL": "1",
            # The limiter stays in the path (its cost is measured) but never refuses: the
            # benchmark sends far more mutations per subject and address than people do.
            **dict.fromkeys(RATE_SETTINGS, str(10**9)),
        }
        self.result = BackendResult(backend=backend, seed_seconds=0.0)
        self.joins = 0

    def token(self, sub: str, scopes: list[str] | None = None, nbh: list[str] | None = None) -> str:
        return mint_dev_token(
            secret=self.secret.encode(),
            issuer=DEV_ISSUER,
            audience=DEV_AUDIENCE,
            sub=sub,
            scopes=scopes or [],
            neighborhoods=nbh or [],
            ttl_seconds=3 * 3600,
        )

    def say(self, text: str) -> None:
        print(f"[{self.backend}] {text}", flush=True)

    def seed(self) -> None:
        began = time.monotonic()
        command = cip_command("bench", "seed", *plan_arguments(self.options.plan))
        subprocess.run(command, env=self.env, check=True)
        self.result.seed_seconds = round(time.monotonic() - began, 2)

    def record(
        self, target: str, scenario: str, concurrency: int, runs: list[Measured], total: int
    ) -> None:
        """One figure from one or more runs: the run with the median requests/s."""
        rps = [round(total / seconds, 1) for seconds, _, _, _ in runs]
        seconds, latencies, counts, errors = runs[
            sorted(range(len(runs)), key=rps.__getitem__)[len(runs) // 2]
        ]
        figure = Figure(
            backend=self.backend,
            target=target,
            scenario=scenario,
            concurrency=concurrency,
            requests=total,
            rps=round(total / seconds, 1),
            p50_ms=round(percentile(latencies, 0.5) * 1000, 2),
            p99_ms=round(percentile(latencies, 0.99) * 1000, 2),
            sql_min=min(counts) if counts else None,
            sql_max=max(counts) if counts else None,
            errors=sum(run[3] for run in runs),
            rounds_rps=rps,
        )
        self.result.figures.append(figure)
        sql = f"{figure.sql_min}..{figure.sql_max}" if counts else "-"
        spread = f" (rounds {rps})" if len(runs) > 1 else ""
        self.say(
            f"{target} {scenario} c={concurrency}: {figure.rps} req/s{spread}, "
            f"p50 {figure.p50_ms} ms, p99 {figure.p99_ms} ms, sql {sql}, errors {figure.errors}"
        )

    def scenarios(self, probe_circles: list[str]) -> dict[str, Callable[[int], Request]]:
        probe = self.token(names.ISSUER_SUB_PROBE)
        nbh = names.neighborhood(0)
        coordinator = self.token(names.coordinator_sub(0, 0), [COORDINATOR], [nbh])
        ai = self.token(names.AI_CLIENT_SUB, [AGGREGATE_READ], [names.ALL])
        joiners: dict[int, str] = {}

        def join(i: int) -> Request:
            code = self.joins
            self.joins += 1
            token = joiners.setdefault(code, self.token(names.joiner_sub(code)))
            return JOIN, {"c": names.join_code(code), "n": f"Joiner {code}"}, token

        return {
            "myCircles": lambda i: (MY_CIRCLES, {}, probe),
            "circle(id)": lambda i: (CIRCLE, {"id": probe_circles[i % len(probe_circles)]}, probe),
            "careCoordinationView": lambda i: (VIEW, {"n": nbh}, coordinator),
            "careWeeks(12)": lambda i: (WEEKS, {"n": nbh}, ai),
            "joinCircle": join,
            "postCircleUpdate": lambda i: (
                POST,
                {"id": probe_circles[i % len(probe_circles)], "b": f"bench update {i}"},
                probe,
            ),
        }

    def warm_up(self, url: str, make: Callable[[int], Request]) -> None:
        """Requests over several connections, so that every worker has served the scenario
        (parser and validation caches, database connections) before it is measured."""
        spread = 4 * self.options.workers
        asyncio.run(measure(url, make, 2 * spread, spread, start=10_000_000))

    def serve(self) -> None:
        port = free_port()
        url = f"http://127.0.0.1:{port}/graphql"
        command = cip_command("serve", "--port", str(port), "--workers", str(self.options.workers))
        with process(command, self.env, port, self.work / "serve.log") as pid:
            probe = self.token(names.ISSUER_SUB_PROBE)
            body = httpx.post(
                url,
                json={"query": "{ myCircles { id } }"},
                headers={"authorization": f"Bearer {probe}"},
            ).json()
            ids = [c["id"] for c in body["data"]["myCircles"]]
            self.say(f"serving on {port}, probe member in {len(ids)} circles")
            scenarios = self.scenarios(ids)
            # The first computation of a release (a neighbourhood no request has touched).
            first = names.neighborhood(self.options.plan.neighborhoods - 1)
            coordinator = self.token("bench-first", [COORDINATOR], [first])
            began = time.perf_counter()
            httpx.post(
                url,
                json={"query": VIEW, "variables": {"n": first}},
                headers={"authorization": f"Bearer {coordinator}"},
                timeout=120,
            )
            self.result.first_release_ms = round((time.perf_counter() - began) * 1000, 1)
            self.say(f"first release computation (one request): {self.result.first_release_ms} ms")
            with self.raw_server() as raw:
                for name, make in scenarios.items():
                    if not self.options.only or name in self.options.only:
                        self.measure_scenario(
                            name, make, url, raw if name in RAW_SCENARIOS else None
                        )
                if raw is not None:
                    self.result.raw_peak_rss_mb = peak_rss_mb(workers_of(raw[1]))
            self.result.peak_rss_mb = peak_rss_mb(workers_of(pid))
            self.say(f"peak RSS per worker: {self.result.peak_rss_mb} MB")
        if any(f.errors for f in self.result.figures):
            log = (self.work / "serve.log").read_text(errors="replace")
            self.say("server log on errors (tail):\n" + log[-3000:])

    def measure_scenario(
        self, name: str, make: Callable[[int], Request], url: str, raw: tuple[str, int] | None
    ) -> None:
        """Each concurrency: CIP alone, or CIP and the raw endpoint in alternating rounds (the
        same requests; what else the machine does then weighs on both alike)."""
        total = self.options.requests
        self.warm_up(url, make)
        if raw is not None:
            self.warm_up(raw[0], make)
        for c in self.options.concurrency:
            if name == "joinCircle" and self.joins + total > self.options.plan.join_codes:
                self.say(f"joinCircle c={c}: skipped, not enough join codes left")
                continue
            if raw is None:
                self.record("cip", name, c, [asyncio.run(measure(url, make, total, c))], total)
                continue
            ours: list[Measured] = []
            limit: list[Measured] = []
            for _ in range(self.options.rounds):
                ours.append(asyncio.run(measure(url, make, total, c)))
                limit.append(asyncio.run(measure(raw[0], make, total, c)))
            self.record("cip", name, c, ours, total)
            self.record("raw", name, c, limit, total)

    @contextmanager
    def raw_server(self) -> Iterator[tuple[str, int] | None]:
        """The raw-driver endpoint (bench/raw.py) beside `cip serve`: its URL and pid."""
        if not self.options.raw:
            yield None
            return
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.raw:app_factory",
            "--factory",
            "--port",
            str(port),
            "--workers",
            str(self.options.workers),
            "--http",
            nodelay.PROTOCOL,
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        with process(command, self.env, port, self.work / "raw.log") as pid:
            yield f"http://127.0.0.1:{port}/graphql", pid

    def cpu(self) -> None:
        done = subprocess.run(
            cip_command("bench", "cpu"), env=self.env, check=True, capture_output=True, text=True
        )
        self.result.cpu_ms = json.loads(done.stdout.strip().splitlines()[-1])
        self.say(f"CPU ms per request in process: {self.result.cpu_ms}")

    def release_all(self) -> None:
        began = time.monotonic()
        subprocess.run(cip_command("release"), env=self.env, check=True, capture_output=True)
        self.result.release_all_seconds = round(time.monotonic() - began, 2)
        self.say(f"`cip release` for all neighbourhoods: {self.result.release_all_seconds} s")

    def run(self) -> BackendResult:
        self.db.create()
        try:
            self.seed()
            self.say(f"seeded in {self.result.seed_seconds} s")
            self.serve()
            if self.options.raw:
                self.cpu()
            if self.options.release_all:
                self.release_all()
        finally:
            self.db.drop()
        return self.result


def ratios(results: list[BackendResult]) -> list[str]:
    lines = []
    for result in results:
        raw = {(f.scenario, f.concurrency): f.rps for f in result.figures if f.target == "raw"}
        for f in result.figures:
            limit = raw.get((f.scenario, f.concurrency))
            if f.target == "cip" and limit:
                lines.append(
                    f"{result.backend} {f.scenario} c={f.concurrency}: "
                    f"{f.rps / limit:.0%} of the raw endpoint ({f.rps} / {limit} req/s)"
                )
    return lines


def cpu_ratios(results: list[BackendResult]) -> list[str]:
    lines = []
    for result in results:
        for scenario in ("myCircles", "circle(id)"):
            ours, limit = result.cpu_ms.get(f"cip {scenario}"), result.cpu_ms.get(f"raw {scenario}")
            if ours and limit:
                lines.append(
                    f"{result.backend} {scenario}: CPU per request {ours} ms against {limit} ms "
                    f"raw, {limit / ours:.0%} of the raw throughput per core"
                )
    return lines


def run_all(options: RunOptions) -> int:
    results = []
    for backend in options.backends:
        with tempfile.TemporaryDirectory(prefix=f"cip-bench-{backend}-") as work:
            results.append(Bench(options, backend, Path(work)).run())
    lines = ratios(results) + cpu_ratios(results)
    for line in lines:
        print(f"cip: {line}")
    errors = sum(f.errors for r in results for f in r.figures)
    if options.out:
        payload = {"plan": asdict(options.plan), "results": [asdict(r) for r in results]}
        Path(options.out).write_text(json.dumps(payload, indent=2) + "\n")
        print(f"cip: results written to {options.out}")
    print(f"cip: bench run done: {len(results)} backends, {errors} failed requests")
    return 1 if errors else 0
