"""A bounded load test: mixed member and coordinator traffic from an asyncio httpx client
against `cip serve --workers 2` on PostgreSQL, loopback only, then the writes reconciled with
the database and the workers' memory compared before and after.

    python -m tests.load.run --seconds 60        # prints the figures as JSON

Every request loop stops by itself at the deadline. The data stays about the same size, as in
a neighbourhood over a minute: members withdraw their oldest ask when they have more than
ASKS_KEPT open, coordinators close a hold when they hold more than HOLDS_KEPT; otherwise every
list read would grow with the run, and so the memory its answers take, whatever the server
does. Intended errors: NOT_FOUND when two coordinators race to take the same ask, or an asker
withdraws an ask a coordinator takes at the same moment (one wins). Anything else is an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.support import FreshPostgres, Served, cip_serve, dev_env

COORDINATOR = "cip:coordinator"
NEIGHBORHOODS = ("load-a", "load-b", "load-c", "load-d")
INTENDED = {("takeSupportAsk", "NOT_FOUND"), ("withdrawSupportAsk", "NOT_FOUND")}
ASKS_KEPT = 3  # open asks a member keeps
HOLDS_KEPT = 20  # holds a coordinator keeps

ASK = """mutation($n: ID!) {
  askForSupport(neighborhood: $n, note: "the boiler broke again") { id } }"""
MY_ASKS = "{ mySupportAsks { id note } }"
WITHDRAW = "mutation($id: ID!) { withdrawSupportAsk(id: $id) }"
SCOPE = "{ careScope { isNot canHold } }"
FORM = """mutation($n: ID!) { formCircle(input: {neighborhood: $n, focus: "Moving house",
  displayName: "Sam", role: FOCUS}) { id } }"""
POST = """mutation($id: ID!) { postCircleUpdate(circleId: $id, body: "Soup on Tuesday") { id } }"""
CIRCLE = "query($id: ID!) { circle(id: $id) { id status updates(first: 5) { body } } }"
OPEN_HOLD = "mutation($n: ID!) { openCareHold(neighborhood: $n) { id } }"
MY_HOLDS = "{ myCareHolds { id daysOpen } }"
CLOSE_HOLD = "mutation($id: ID!) { closeCareHold(id: $id) }"
ASKS = "query($n: ID!) { supportAsks(neighborhood: $n) { id note } }"
TAKE = "mutation($id: ID!) { takeSupportAsk(id: $id) { id } }"
VIEW = """query($n: ID!) { careCoordinationView(neighborhood: $n) {
  openHolds { value suppressed } careLoad { trend } } }"""


@dataclass
class Tally:
    requests: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    intended: Counter[str] = field(default_factory=Counter)
    writes: Counter[str] = field(default_factory=Counter)


@dataclass
class Report:
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]
    intended_errors: dict[str, int]
    writes: dict[str, int]
    database: dict[str, int]
    rss_warm_kib: list[int]
    rss_end_kib: list[int]
    rss_growth: float


async def call(
    client: httpx.AsyncClient,
    tally: Tally,
    name: str,
    query: str,
    variables: dict[str, Any],
    token: str,
) -> Any:
    started = time.perf_counter()
    try:
        resp = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    except httpx.HTTPError as exc:
        tally.requests += 1
        tally.errors[f"{name}:{type(exc).__name__}"] += 1
        return None
    tally.latencies.append(time.perf_counter() - started)
    tally.requests += 1
    if resp.status_code != 200:
        tally.errors[f"{name}:HTTP {resp.status_code}"] += 1
        return None
    body = resp.json()
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    for code in codes:
        if (name, code) in INTENDED:
            tally.intended[f"{name}:{code}"] += 1
        else:
            tally.errors[f"{name}:{code}"] += 1
    return None if codes else body["data"]


async def member(
    client: httpx.AsyncClient, tally: Tally, token: str, nbh: str, pool: list[str], end: float
) -> None:
    rng = random.Random(token)
    circle: str | None = None
    while time.monotonic() < end:
        roll = rng.random()
        if circle is None:
            data = await call(client, tally, "formCircle", FORM, {"n": nbh}, token)
            if data:
                circle = data["formCircle"]["id"]
                tally.writes["circles"] += 1
        elif roll < 0.15:
            data = await call(client, tally, "askForSupport", ASK, {"n": nbh}, token)
            if data:
                pool.append(data["askForSupport"]["id"])
                tally.writes["asks"] += 1
        elif roll < 0.35:
            if await call(client, tally, "postCircleUpdate", POST, {"id": circle}, token):
                tally.writes["updates"] += 1
        elif roll < 0.6:
            await call(client, tally, "circle", CIRCLE, {"id": circle}, token)
        elif roll < 0.8:
            data = await call(client, tally, "mySupportAsks", MY_ASKS, {}, token)
            mine = data["mySupportAsks"] if data else []
            if len(mine) > ASKS_KEPT:  # newest first: withdraw the oldest
                oldest = mine[-1]["id"]
                if await call(client, tally, "withdrawSupportAsk", WITHDRAW, {"id": oldest}, token):
                    tally.writes["asks_withdrawn"] += 1
                    if oldest in pool:
                        pool.remove(oldest)
        else:
            await call(client, tally, "careScope", SCOPE, {}, token)


async def coordinator(
    client: httpx.AsyncClient, tally: Tally, token: str, nbh: str, pool: list[str], end: float
) -> None:
    rng = random.Random(token)
    while time.monotonic() < end:
        roll = rng.random()
        if roll < 0.15:
            if await call(client, tally, "openCareHold", OPEN_HOLD, {"n": nbh}, token):
                tally.writes["holds_opened"] += 1
        elif roll < 0.3 and pool:
            # Coordinators of one neighbourhood race for the same newest asks.
            ask = pool[-1] if rng.random() < 0.5 else rng.choice(pool)
            if await call(client, tally, "takeSupportAsk", TAKE, {"id": ask}, token):
                tally.writes["asks_taken"] += 1
                if ask in pool:
                    pool.remove(ask)
        elif roll < 0.5:
            await call(client, tally, "supportAsks", ASKS, {"n": nbh}, token)
        elif roll < 0.75:
            data = await call(client, tally, "myCareHolds", MY_HOLDS, {}, token)
            held = data["myCareHolds"] if data else []
            if len(held) > HOLDS_KEPT:
                if await call(
                    client, tally, "closeCareHold", CLOSE_HOLD, {"id": held[0]["id"]}, token
                ):
                    tally.writes["holds_closed"] += 1
        else:
            await call(client, tally, "careCoordinationView", VIEW, {"n": nbh}, token)


def worker_pids(parent: int) -> list[int]:
    """The uvicorn worker processes: children of `cip serve` (read from /proc)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cmdline = (stat.parent / "cmdline").read_bytes()
        # multiprocessing's resource tracker is a child too; the workers run spawn_main.
        if int(fields[1]) == parent and b"spawn_main" in cmdline:
            pids.append(int(stat.parent.name))
    return sorted(pids)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def database_counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    where = "neighborhood = ANY($1::text[])"
    nbhs = list(NEIGHBORHOODS)
    try:

        async def one(sql: str) -> int:
            return int(await conn.fetchval(sql, nbhs) or 0)

        def metric(name: str) -> str:
            return f"SELECT SUM(value) FROM cip_aggregate_count WHERE {where} AND metric = '{name}'"

        return {
            "asks_left": await one(f"SELECT COUNT(*) FROM cip_support_ask WHERE {where}"),
            "holds": await one(f"SELECT COUNT(*) FROM cip_care_hold WHERE {where}"),
            "circles": await one(f"SELECT COUNT(*) FROM cip_circle WHERE {where}"),
            "updates": await one(
                "SELECT COUNT(*) FROM cip_circle_update WHERE circle_id IN "
                f"(SELECT id FROM cip_circle WHERE {where})"
            ),
            "need_opened_count": await one(metric("need_opened")),
            "hold_opened_count": await one(metric("hold_opened")),
            "circle_formed_count": await one(metric("circle_formed")),
        }
    finally:
        await conn.close()


def reconcile(writes: Counter[str], db: dict[str, int]) -> list[str]:
    """Every acknowledged write is in the database, and nothing else is."""
    expected = {
        "asks_left": writes["asks"] - writes["asks_taken"] - writes["asks_withdrawn"],
        "holds": writes["holds_opened"] + writes["asks_taken"] - writes["holds_closed"],
        "circles": writes["circles"],
        "updates": writes["updates"],
        "need_opened_count": writes["asks"] + writes["holds_opened"],
        "hold_opened_count": writes["holds_opened"] + writes["asks_taken"],
        "circle_formed_count": writes["circles"],
    }
    return [f"{k}: database {db[k]}, acknowledged {v}" for k, v in expected.items() if db[k] != v]


async def drive(served: Served, seconds: float, members: int, coordinators: int) -> Report:
    pids = worker_pids(served.process.pid)
    tally = Tally()
    pools: dict[str, list[str]] = {n: [] for n in NEIGHBORHOODS}
    limits = httpx.Limits(max_connections=members + coordinators)
    async with httpx.AsyncClient(base_url=served.base_url, timeout=30, limits=limits) as client:
        started = time.monotonic()
        end = started + seconds
        tasks = []
        for i in range(members):
            nbh = NEIGHBORHOODS[i % len(NEIGHBORHOODS)]
            token = served.token(f"load-member-{i}")
            tasks.append(member(client, tally, token, nbh, pools[nbh], end))
        for i in range(coordinators):
            nbh = NEIGHBORHOODS[i % len(NEIGHBORHOODS)]
            token = served.token(f"load-coord-{i}", [COORDINATOR], [nbh])
            tasks.append(coordinator(client, tally, token, nbh, pools[nbh], end))
        # Memory after warm-up: a fifth of the run (at least 2 s) in.
        warm: list[int] = []

        async def sample() -> None:
            await asyncio.sleep(max(2.0, seconds / 5))
            warm.extend(rss_kib(p) for p in pids)

        await asyncio.gather(sample(), *tasks)
        elapsed = time.monotonic() - started
    end_rss = [rss_kib(p) for p in pids]
    db = await database_counts(served.settings.database_url)
    lat = sorted(tally.latencies)
    growth = max((e - w) / w for w, e in zip(warm, end_rss, strict=True)) if warm else 0.0
    return Report(
        seconds=round(elapsed, 1),
        requests=tally.requests,
        rps=round(tally.requests / elapsed, 1),
        p50_ms=round(statistics.median(lat) * 1e3, 1),
        p99_ms=round(lat[int(len(lat) * 0.99) - 1] * 1e3, 1),
        errors=dict(tally.errors),
        intended_errors=dict(tally.intended),
        writes=dict(tally.writes),
        database=db,
        rss_warm_kib=warm,
        rss_end_kib=end_rss,
        rss_growth=round(growth, 3),
    )


def run(seconds: float, members: int = 24, coordinators: int = 8, workers: int = 2) -> Report:
    """Serve on a fresh PostgreSQL database, drive it, drop the database."""
    pg = FreshPostgres()
    url = pg.create()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            # Rate limits off (dev only): 32 callers from one address, each far above a
            # member's 60 mutations a minute; what is measured here is the service.
            env = dev_env(folder, url, CIP_RATE_LIMIT_BACKEND="off")
            with cip_serve(env, folder / "serve.log", workers=workers) as served:
                assert len(worker_pids(served.process.pid)) == workers, served.output()
                return asyncio.run(drive(served, seconds, members, coordinators))
    finally:
        pg.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--members", type=int, default=24)
    parser.add_argument("--coordinators", type=int, default=8)
    args = parser.parse_args()
    report = run(args.seconds, args.members, args.coordinators)
    print(json.dumps(asdict(report), indent=2))  # noqa: T201
    print("reconciled:", reconcile(Counter(report.writes), report.database) or "yes")  # noqa: T201


if __name__ == "__main__":
    main()
