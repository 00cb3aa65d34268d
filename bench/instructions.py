"""`cip bench instructions`: instructions per request under valgrind's callgrind, CIP against
the raw-driver endpoint, every scenario, on each backend.

Wall time on a shared 2-core machine moves by 2x within an hour; the instructions a request
executes do not. For each backend a fresh database is seeded (as `cip bench run` does), then
one process per target (CIP's ASGI app, the raw endpoint's) runs under callgrind: it builds
the app, warms every scenario up (caches, connections), then runs each scenario's requests
inside one ctypes callback. Callgrind counts every thread of the process (aiosqlite runs
SQLite in a thread of its own) and dumps on entering the callback (``--dump-before``) and on
leaving it (``--dump-after``), so every second dump holds one scenario's requests and
nothing else: no start-up, no imports, no warm-up. (Collecting only inside the callback,
``--toggle-collect``, counted the calling thread alone: CIP's SQLite work in aiosqlite's
thread went uncounted.) Requests are called on the ASGI app in process (the same scope,
headers and body an HTTP request brings; no socket, no client). The scenario
``circle(id) data layer`` sends the statements of one circle(id) alone (bench/datalayer.py).
The database server's own work is in its process and not counted.

valgrind comes from Debian's package: the command installs it with apt-get when it is
missing and it may (``--install``), else it says how. CI does not run this command.
"""

from __future__ import annotations

import asyncio
import ctypes
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import datalayer
from bench.seed import SeedPlan
from subgraph.runtime import CommandError

SCENARIOS = (
    "myCircles",
    "circle(id)",
    "careCoordinationView",
    "careWeeks(12)",
    "joinCircle",
    "postCircleUpdate",
    datalayer.NAME,
)
RAW = ("myCircles", "circle(id)", datalayer.NAME)
DATA = (datalayer.NAME,)  # scenarios of statements alone (bench/datalayer.py), not requests
WARM_UP = 5
TOGGLE = "_CallPythonObject"  # the C function a ctypes callback runs Python through

Request = tuple[str, dict[str, Any], str]


@dataclass
class Instructions:
    backend: str
    scenario: str
    cip: float
    raw: float | None

    @property
    def ratio(self) -> float | None:
        return round(self.cip / self.raw, 2) if self.raw else None


def ensure_valgrind(install: bool) -> str:
    found = shutil.which("valgrind")
    if found:
        return found
    if not install:
        raise CommandError(
            "valgrind is not installed; `apt-get install valgrind` (or run with --install)"
        )
    print("cip: installing valgrind (apt-get)", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "valgrind"], check=True)
    found = shutil.which("valgrind")
    if not found:
        raise CommandError("valgrind did not install", 1)
    return found


def totals(dump: Path) -> int:
    """The instruction count of one callgrind dump (its ``totals:`` or ``summary:`` line)."""
    text = dump.read_text(errors="replace")
    match = re.search(r"^(?:totals|summary):\s+(\d+)", text, re.MULTILINE)
    if match is None:
        raise CommandError(f"no totals in {dump}", 1)
    return int(match.group(1))


# ---------------------------------------------------------------------- the measured process
async def _call(app: Any, query: str, variables: dict[str, Any], token: str) -> bytes:
    """One POST /graphql on the ASGI app, as uvicorn would hand it over."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    chunks: list[bytes] = []
    status: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    answer = b"".join(chunks)
    if status != [200] or b'"errors"' in answer:
        raise CommandError(f"a measured request failed: {status} {answer[:300]!r}", 1)
    return answer


def child(target: str, plan_file: str) -> None:
    """Run inside valgrind: build the target's app, warm up, measure each scenario."""
    plan = json.loads(Path(plan_file).read_text())
    if target == "cip":
        from subgraph.app import create_app
        from subgraph.settings import load_settings

        app: Any = create_app(load_settings())
    else:
        from bench.raw import app_factory

        app = app_factory()
    store = getattr(app.state, "store", None)  # the raw endpoint's driver
    loop = asyncio.new_event_loop()
    lifespan = app.router.lifespan_context(app)
    loop.run_until_complete(lifespan.__aenter__())
    try:
        for scenario in plan["scenarios"]:
            if scenario["name"] in DATA:
                run_all = _statements_runner(scenario, store)
                loop.run_until_complete(run_all(WARM_UP))
            else:
                run_all = _requests_runner(app, scenario, loop)

            def measure(run: Callable[[int | None], Any] = run_all) -> int:
                loop.run_until_complete(run(None))
                return 0

            ctypes.CFUNCTYPE(ctypes.c_int)(measure)()
    finally:
        loop.run_until_complete(lifespan.__aexit__(None, None, None))
        loop.close()


def _requests_runner(
    app: Any, scenario: dict[str, Any], loop: asyncio.AbstractEventLoop
) -> Callable[[int | None], Any]:
    """The scenario's requests after its warm-up ones (which run here, once)."""
    requests: list[Request] = [(q, v, t) for q, v, t in scenario["requests"]]
    for query, variables, token in requests[:WARM_UP]:
        loop.run_until_complete(_call(app, query, variables, token))
    measured = requests[WARM_UP:]

    async def run_all(_: int | None) -> None:
        for query, variables, token in measured:
            await _call(app, query, variables, token)

    return run_all


def _statements_runner(scenario: dict[str, Any], store: Any) -> Callable[[int | None], Any]:
    """The statements of the scenario ``count`` times (None: as often as it has requests)."""
    member, today, count = scenario["member"], dt.date.fromisoformat(scenario["today"]), 0
    batches = [
        datalayer.circle_statements(member, uuid.UUID(c), today) for c in scenario["circles"]
    ]
    measured = scenario["count"]

    async def run_all(times: int | None) -> None:
        nonlocal count
        for _ in range(measured if times is None else times):
            batch = batches[count % len(batches)]
            count += 1
            rows = await (
                datalayer.through_cip(batch)
                if store is None
                else datalayer.through_raw(store, batch)
            )
            if rows == 0:
                raise CommandError("the data layer scenario read no rows", 1)

    return run_all


# ---------------------------------------------------------------------- the runner
def _requests(bench: Any, scenarios: list[str], count: int) -> list[dict[str, Any]]:
    from bench import names
    from models.pseudonym import CIRCLES, for_capability
    from subgraph.settings import DEV_ISSUER, load_settings

    probe = bench.token(names.ISSUER_SUB_PROBE)
    ids = asyncio.run(_probe_circles(bench.env, probe))
    makers = bench.scenarios(ids)
    out: list[dict[str, Any]] = []
    for name in scenarios:
        if name in DATA:
            key = load_settings(bench.env).pseudonym_key
            member = for_capability(key, CIRCLES, DEV_ISSUER, names.ISSUER_SUB_PROBE)
            out.append(
                {
                    "name": name,
                    "member": member,
                    "circles": ids,
                    "today": bench.today.isoformat(),
                    "count": count,
                }
            )
            continue
        make = makers[name]
        out.append({"name": name, "requests": [list(make(i)) for i in range(WARM_UP + count)]})
    return out


async def _probe_circles(env: dict[str, str], probe: str) -> list[str]:
    from subgraph.app import create_app
    from subgraph.settings import load_settings

    app = create_app(load_settings(env))
    async with app.router.lifespan_context(app):
        answer = await _call(app, "{ myCircles { id } }", {}, probe)
    return [c["id"] for c in json.loads(answer)["data"]["myCircles"]]


def measure_backend(
    backend: str, plan: SeedPlan, count: int, valgrind: str, only: list[str] | None
) -> list[Instructions]:
    from bench.run import Bench, RunOptions

    options = RunOptions(backends=[backend], plan=plan, requests=count)
    chosen = [s for s in SCENARIOS if not only or s in only]
    with tempfile.TemporaryDirectory(prefix=f"cip-instr-{backend}-") as work:
        bench = Bench(options, backend, Path(work))
        bench.env["CIP_COUNT_SQL"] = "0"
        bench.db.create()
        try:
            bench.say("seeding")
            bench.seed()
            env = dict(bench.env)
            os.environ.update({k: v for k, v in env.items() if k.startswith("CIP_")})
            figures: dict[str, dict[str, float]] = {}
            for target in ("cip", "raw"):
                scenarios = [s for s in chosen if target == "cip" or s in RAW]
                if not scenarios:
                    continue
                plan_file = Path(work) / f"{target}.json"
                plan_file.write_text(json.dumps({"scenarios": _requests(bench, scenarios, count)}))
                out = Path(work) / f"callgrind.{target}"
                bench.say(f"{target}: {len(scenarios)} scenarios under callgrind")
                done = subprocess.run(
                    [
                        valgrind,
                        "--tool=callgrind",
                        # Every thread counts (aiosqlite runs SQLite in a thread of its
                        # own); a dump on entering and on leaving the measuring callback
                        # puts each scenario's requests alone in every second dump.
                        "--collect-atstart=yes",
                        f"--dump-before={TOGGLE}",
                        f"--dump-after={TOGGLE}",
                        f"--callgrind-out-file={out}.%p",
                        "-q",
                        sys.executable,
                        "-c",
                        "import sys; from bench.instructions import child; "
                        "child(sys.argv[1], sys.argv[2])",
                        target,
                        str(plan_file),
                    ],
                    env=env,
                )
                if done.returncode != 0:
                    raise CommandError(
                        f"{target} under callgrind exited with {done.returncode}; see above", 1
                    )
                dumps = sorted(
                    (p for p in Path(work).glob(f"callgrind.{target}.*") if _dump_no(p) > 0),
                    key=_dump_no,
                )[1::2]  # before each scenario: start-up or warm-up; then the scenario
                if len(dumps) != len(scenarios):
                    raise CommandError(
                        f"expected {len(scenarios)} callgrind dumps, found {len(dumps)}", 1
                    )
                for scenario, dump in zip(scenarios, dumps, strict=True):
                    per = totals(dump) / count
                    figures.setdefault(scenario, {})[target] = per
                    bench.say(f"{target} {scenario}: {per / 1e6:.2f}M instructions per request")
        finally:
            bench.db.drop()
    return [
        Instructions(backend, s, round(figures[s]["cip"]), _rounded(figures[s].get("raw")))
        for s in chosen
    ]


def _rounded(value: float | None) -> float | None:
    return round(value) if value is not None else None


def _dump_no(path: Path) -> int:
    """callgrind names dumps ``out.PID.N`` (N from 1); the final ``out.PID`` holds nothing."""
    parts = path.name.split(".")
    return int(parts[-1]) if len(parts) >= 4 and parts[-1].isdigit() else 0


def table(results: list[Instructions]) -> list[str]:
    lines = [
        "| backend | scenario | CIP instructions/request | raw | CIP/raw |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        raw = f"{r.raw / 1e6:.2f}M" if r.raw else "-"
        ratio = f"{r.ratio}x" if r.ratio else "-"
        lines.append(f"| {r.backend} | {r.scenario} | {r.cip / 1e6:.2f}M | {raw} | {ratio} |")
    return lines
