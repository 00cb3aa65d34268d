"""`cip bench live`: open subscriptions on one worker, an update posted at a steady pace,
delivery latency and the memory the streams take.

A fresh database (SQLite file or a `cip_bench_*` PostgreSQL database, dropped afterwards)
behind `cip serve --workers 1`. Circles of eight are formed through the API; each member
opens one graphql-transport-ws connection with one `circleActivity(circleId:)` subscription,
so ``--streams`` streams are as many connections. Then one update is posted every
``--interval`` seconds, round robin over the circles, by the circle's first member; each of
its eight members receives the event.

Latency is taken per receipt against the update's request: ``from_send`` (the request left
the client; an upper bound of commit to receipt, it includes the mutation's own work) and
``from_response`` (the answer came back; the commit happened before it, so this bounds commit
to receipt from below and can be negative: events often arrive before the answer). RSS is
the server's resident memory after seeding and with every stream open.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.run import Database, cip_command, free_port, percentile, process
from subgraph.runtime import CommandError
from subgraph.settings import new_key

FORM = """mutation($n: ID!) { formCircle(input: {neighborhood: $n, focus: "Bench",
  displayName: "Ana", role: FOCUS}) { id } }"""
INVITE = "mutation($id: ID!) { createCircleInvite(circleId: $id, role: SUPPORTER) { code } }"
JOIN = 'mutation($c: String!) { joinCircle(code: $c, displayName: "Bo") { id } }'
POST = 'mutation($id: ID!) { postCircleUpdate(circleId: $id, body: "Soup at six") { id } }'
SUBSCRIBE = "subscription($id: ID) { circleActivity(circleId: $id) { circleId kind on } }"
CIRCLE_SIZE = 8


@dataclass
class LiveOptions:
    backend: str = "sqlite"
    streams: int = 1000
    interval: float = 0.1
    updates: int = 300
    out: str | None = None


@dataclass
class LiveResult:
    backend: str
    streams: int
    circles: int
    updates: int
    interval_s: float
    receipts: int
    expected_receipts: int
    from_send_ms: dict[str, float] = field(default_factory=dict)
    from_response_ms: dict[str, float] = field(default_factory=dict)
    post_ms: dict[str, float] = field(default_factory=dict)
    rss_seeded_mb: float = 0.0
    rss_streams_mb: float = 0.0
    rss_per_1000_streams_mb: float = 0.0
    open_seconds: float = 0.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "p50": round(percentile(values, 0.5) * 1000, 2),
        "p99": round(percentile(values, 0.99) * 1000, 2),
        "max": round(max(values) * 1000, 2),
    }


class Client:
    def __init__(self, url: str, secret: str) -> None:
        self.url = url
        self.secret = secret.encode()
        self.http = httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=16))

    def token(self, sub: str) -> str:
        from auth.devtokens import mint_dev_token
        from subgraph.settings import DEV_AUDIENCE, DEV_ISSUER

        return mint_dev_token(
            secret=self.secret,
            issuer=DEV_ISSUER,
            audience=DEV_AUDIENCE,
            sub=sub,
            ttl_seconds=6 * 3600,
        )

    async def gql(self, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        resp = await self.http.post(
            self.url,
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
        body = resp.json()
        if body.get("errors"):
            raise CommandError(f"bench live: {body['errors'][0].get('message')}", 1)
        return dict(body["data"])

    async def circle(self, n: int) -> tuple[str, list[str]]:
        """A circle of eight: its id and its members' tokens, the first one its focus."""
        first = self.token(f"live-{n}-0")
        circle_id = (await self.gql(FORM, {"n": f"n-{n % 10}"}, first))["formCircle"]["id"]
        tokens = [first]
        for m in range(1, CIRCLE_SIZE):
            code = (await self.gql(INVITE, {"id": circle_id}, first))["createCircleInvite"]
            token = self.token(f"live-{n}-{m}")
            await self.gql(JOIN, {"c": code["code"]}, token)
            tokens.append(token)
        return str(circle_id), tokens


class Stream:
    """One member's connection with one subscription; receipts as (circle id, time)."""

    def __init__(self, ws: ClientConnection, receipts: list[tuple[str, float]]) -> None:
        self.ws = ws
        self.receipts = receipts

    @classmethod
    async def open(
        cls, url: str, token: str, circle_id: str, receipts: list[tuple[str, float]]
    ) -> Stream:
        ws = await connect(url, subprotocols=["graphql-transport-ws"], open_timeout=60)  # type: ignore[list-item]
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        ack = json.loads(await ws.recv())
        if ack.get("type") != "connection_ack":
            raise CommandError(f"bench live: no connection_ack: {ack}", 1)
        payload = {"query": SUBSCRIBE, "variables": {"id": circle_id}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        return cls(ws, receipts)

    async def read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if message.get("type") == "next":
                at = time.perf_counter()
                value = message["payload"]["data"]["circleActivity"]
                self.receipts.append((str(value["circleId"]), at))
            elif message.get("type") == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))


async def measure(options: LiveOptions, url: str, secret: str, pid: int) -> LiveResult:
    client = Client(url, secret)
    circles = max(1, options.streams // CIRCLE_SIZE)
    members: list[tuple[str, list[str]]] = []
    for start in range(0, circles, 8):
        batch = range(start, min(circles, start + 8))
        members += await asyncio.gather(*(client.circle(n) for n in batch))
    await asyncio.sleep(1)
    rss_seeded = rss_mb(pid)
    receipts: list[tuple[str, float]] = []
    began = time.perf_counter()
    pairs = [(cid, tok) for cid, tokens in members for tok in tokens][: options.streams]
    streams: list[Stream] = []
    for start in range(0, len(pairs), 50):
        chunk = pairs[start : start + 50]
        ws_url = url.replace("http://", "ws://")
        streams += await asyncio.gather(*(Stream.open(ws_url, t, c, receipts) for c, t in chunk))
    readers = [asyncio.create_task(s.read()) for s in streams]
    opened = time.perf_counter() - began
    await asyncio.sleep(2)  # every subscription registered
    rss_streams = rss_mb(pid)
    receivers: dict[str, int] = {}
    for cid, _ in pairs:
        receivers[cid] = receivers.get(cid, 0) + 1
    sent: list[tuple[str, float, float]] = []
    posts = []
    tick = time.perf_counter()
    for i in range(options.updates):
        circle_id, tokens = members[i % len(members)]
        t0 = time.perf_counter()
        await client.gql(POST, {"id": circle_id}, tokens[0])
        t1 = time.perf_counter()
        sent.append((circle_id, t0, t1))
        posts.append(t1 - t0)
        tick += options.interval
        await asyncio.sleep(max(0.0, tick - time.perf_counter()))
    await asyncio.sleep(2)
    # Match each receipt to the latest update of its circle sent before it.
    from_send, from_response = [], []
    by_circle: dict[str, list[tuple[float, float]]] = {}
    for cid, t0, t1 in sent:
        by_circle.setdefault(cid, []).append((t0, t1))
    for cid, at in receipts:
        earlier = [(t0, t1) for t0, t1 in by_circle.get(cid, []) if t0 <= at]
        if earlier:
            t0, t1 = earlier[-1]
            from_send.append(at - t0)
            from_response.append(at - t1)
    for task in readers:
        task.cancel()
    for s in streams:
        await s.ws.close()
    await client.http.aclose()
    expected = sum(receivers.get(cid, 0) for cid, _, _ in sent)
    per_1000 = (rss_streams - rss_seeded) * 1000 / max(1, len(streams))
    return LiveResult(
        backend=options.backend,
        streams=len(streams),
        circles=len(members),
        updates=len(sent),
        interval_s=options.interval,
        receipts=len(receipts),
        expected_receipts=expected,
        from_send_ms=spread(from_send),
        from_response_ms=spread(from_response),
        post_ms=spread(posts),
        rss_seeded_mb=rss_seeded,
        rss_streams_mb=rss_streams,
        rss_per_1000_streams_mb=round(per_1000, 1),
        open_seconds=round(opened, 2),
    )


def run_live(options: LiveOptions) -> int:
    with tempfile.TemporaryDirectory(prefix="cip-bench-live-") as tmp:
        work = Path(tmp)
        db = Database(options.backend, work)
        db.create()
        secret = new_key()
        env = {
            **os.environ,
            "CIP_ENV": "dev",
            "CIP_DATA_DIR": str(work),
            "CIP_DATABASE_URL": db.url,
            "CIP_PSEUDONYM_KEY": new_key(),
            "CIP_MASTER_KEY": new_key(),
            "CIP_DEV_JWT_SECRET": secret,
            "CIP_RATE_LIMIT_BACKEND": "off",
            "CIP_MAX_SUBSCRIPTIONS_PER_SUBJECT": "10",
            "CIP_LOG_LEVEL": "WARNING",
            "CIP_METRICS_PORT": str(free_port()),
        }
        port = free_port()
        command = cip_command("serve", "--port", str(port), "--workers", "1")
        try:
            with process(command, env, port, work / "serve.log") as pid:
                url = f"http://127.0.0.1:{port}/graphql"
                result = asyncio.run(measure(options, url, secret, pid))
        finally:
            db.drop()
    text = json.dumps(asdict(result), indent=2)
    print(text)
    if options.out:
        Path(options.out).write_text(text + "\n")
    return 0 if result.receipts == result.expected_receipts else 1
