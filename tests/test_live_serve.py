"""Live activity on servers of their own (`cip serve` subprocesses): the limits, the idle
timeout, subscribing counted against the rate limits, the log lines; and on PostgreSQL, two
instances on one database, with the listener's connection lost and restored."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests import live
from tests.support import (
    FreshPostgres,
    Served,
    cip_serve,
    dev_env,
    free_port,
    member,
    ok,
    subject_of,
)
from tests.support.circles import POST, add_member, form

RANDOM = "00000000-0000-4000-8000-000000000000"


def codes(end: tuple[str, object]) -> list[str]:
    kind, errors = end
    assert kind == "error", end
    assert isinstance(errors, list)
    return [e["extensions"]["code"] for e in errors]


def stream_lines(output: str) -> list[dict[str, object]]:
    lines = []
    for raw in output.splitlines():
        if raw.startswith("{"):
            line = json.loads(raw)
            if line.get("logger") == "cip.stream":
                lines.append(line)
    return lines


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("live-limits")
    env = dev_env(
        folder,
        f"sqlite://{folder}/cip.sqlite3",
        CIP_MAX_SUBSCRIPTIONS_PER_CONNECTION="2",
        CIP_MAX_SUBSCRIPTIONS_PER_SUBJECT="3",
        CIP_SUBSCRIPTION_IDLE_SECONDS="2",
        CIP_RATE_MUTATIONS_PER_MINUTE="12",
        CIP_SUBSCRIPTION_KEEPALIVE_SECONDS="1",
        CIP_METRICS_PORT=str(free_port()),
    )
    with cip_serve(env, folder / "serve.log") as served:
        yield served


def test_subscriptions_per_connection_and_per_subject_are_limited(limited: Served) -> None:
    a = member(limited)  # type: ignore[arg-type]
    circle_id = str(form(limited, a, "n-1", role="FOCUS")["id"])  # type: ignore[arg-type]
    url = f"{limited.base_url}/graphql"
    conn = live.WsConnection(url, a.token)
    one, two = (conn.subscribe(live.CIRCLE_ACTIVITY, {"id": circle_id}) for _ in range(2))
    third = conn.subscribe(live.CIRCLE_ACTIVITY, {"id": circle_id})
    assert codes(third.wait_end()) == ["RATE_LIMITED"]
    other = live.sse(url, a.token, live.CIRCLE_ACTIVITY, {"id": circle_id})
    fourth = live.sse(url, a.token, live.CIRCLE_ACTIVITY, {"id": circle_id})
    assert codes(fourth.wait_end()) == ["RATE_LIMITED"]  # three for this subject already
    time.sleep(0.5)  # the three subscriptions are registered
    add_member(limited, a, circle_id)  # type: ignore[arg-type]
    for sub in (one, two, other):
        assert sub.next()["data"]["circleActivity"]["kind"] == "MEMBER_JOINED"
    conn.close()
    other.close()


def test_a_stream_without_events_ends_after_the_idle_timeout(limited: Served) -> None:
    a = member(limited)  # type: ignore[arg-type]
    circle_id = str(form(limited, a, "n-1", role="FOCUS")["id"])  # type: ignore[arg-type]
    sub = live.ws(f"{limited.base_url}/graphql", a.token, live.CIRCLE_ACTIVITY, {"id": circle_id})
    began = time.monotonic()
    assert sub.wait_end(timeout=10)[0] == "complete"
    assert 1.5 < time.monotonic() - began < 6
    sub.close()


def test_an_sse_stream_is_kept_alive_with_pings(limited: Served) -> None:
    a = member(limited)  # type: ignore[arg-type]
    circle_id = str(form(limited, a, "n-1", role="FOCUS")["id"])  # type: ignore[arg-type]
    body = {"query": live.CIRCLE_ACTIVITY, "variables": {"id": circle_id}}
    headers = {"accept": "text/event-stream", "authorization": f"Bearer {a.token}"}
    lines = []
    with httpx.stream("POST", f"{limited.base_url}/graphql", json=body, headers=headers) as resp:
        began = time.monotonic()
        for line in resp.iter_lines():
            lines.append(line)
            if time.monotonic() - began > 1.6:
                break
    assert ": ping" in lines  # CIP_SUBSCRIPTION_KEEPALIVE_SECONDS=1
    assert not any(line.startswith("event:") for line in lines)


def test_subscribing_counts_against_the_rate_limits(limited: Served) -> None:
    z = member(limited)  # type: ignore[arg-type]
    url = f"{limited.base_url}/graphql"
    answers = [
        codes(live.sse(url, z.token, live.CIRCLE_ACTIVITY, {"id": RANDOM}).wait_end())
        for _ in range(13)
    ]
    assert answers == [["NOT_FOUND"]] * 12 + [["RATE_LIMITED"]]


def test_one_log_line_per_stream_opened_and_closed_without_ids_or_subjects(
    limited: Served,
) -> None:
    a = member(limited)  # type: ignore[arg-type]
    circle_id = str(form(limited, a, "n-2", role="FOCUS")["id"])  # type: ignore[arg-type]
    sub = live.sse(f"{limited.base_url}/graphql", a.token, live.CIRCLE_ACTIVITY, {"id": circle_id})
    assert sub.wait_end(timeout=10)[0] == "complete"  # the idle timeout
    time.sleep(0.3)
    lines = stream_lines(limited.output())
    opened = [x for x in lines if x["msg"] == "stream opened"]
    closed = [x for x in lines if x["msg"] == "stream closed"]
    assert opened and len(opened) == len(closed)
    assert {x["outcome"] for x in closed} >= {"idle"}
    assert all(x["field"] in ("circleActivity", "repairThreadActivity") for x in lines)
    text = "\n".join(json.dumps(x) for x in lines)
    for secret in (circle_id, a.sub, subject_of(limited, a.sub)):  # type: ignore[arg-type]
        assert secret not in text


# ---------------------------------------------------------------- PostgreSQL, two instances
def listeners(url: str) -> dict[str, int]:
    """application_name -> backend pid of the live listeners on the database."""

    async def fetch() -> dict[str, int]:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            rows = await conn.fetch(
                "SELECT application_name, pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name LIKE 'cip-live-listener:%'"
            )
            return {r["application_name"]: r["pid"] for r in rows}
        finally:
            await conn.close()

    return asyncio.run(fetch())


def terminate(url: str, pid: int) -> None:
    async def kill() -> None:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await conn.close()

    asyncio.run(kill())


@pytest.mark.postgres
def test_a_change_served_by_one_instance_reaches_a_subscriber_on_the_other(
    tmp_path: Path,
) -> None:
    pg = FreshPostgres()
    url = pg.create()
    env = dev_env(tmp_path, url, CIP_RATE_LIMIT_BACKEND="database")
    try:
        with (
            cip_serve(env | {"CIP_METRICS_PORT": str(free_port())}, tmp_path / "one.log") as one,
            cip_serve(env | {"CIP_METRICS_PORT": str(free_port())}, tmp_path / "two.log") as two,
        ):
            a = member(one)  # type: ignore[arg-type]
            circle_id = str(form(one, a, "n-1", role="FOCUS")["id"])  # type: ignore[arg-type]
            b = add_member(one, a, circle_id)  # type: ignore[arg-type]
            for transport in ("sse", "ws"):
                sub = live.TRANSPORTS[transport](
                    f"{one.base_url}/graphql", b.token, live.CIRCLE_ACTIVITY, {"id": circle_id}
                )
                time.sleep(0.5)
                ok(two.gql(POST, {"id": circle_id, "body": "from two"}, token=a.token))
                assert sub.next()["data"]["circleActivity"]["kind"] == "UPDATE_POSTED"
                sub.close()

            # The listener of `one` loses its connection; it comes back, and says nothing false.
            sub = live.sse(
                f"{one.base_url}/graphql", b.token, live.CIRCLE_ACTIVITY, {"id": circle_id}
            )
            time.sleep(0.5)
            name = f"cip-live-listener:{one.process.pid}"
            before = listeners(url)
            assert name in before and len(before) == 2
            terminate(url, before[name])
            deadline = time.monotonic() + 20
            while listeners(url).get(name) in (None, before[name]):
                assert time.monotonic() < deadline, "the listener did not reconnect"
                time.sleep(0.1)
            assert sub.quiet(1.0)  # the stream is open and was told nothing
            ok(two.gql(POST, {"id": circle_id, "body": "after the gap"}, token=a.token))
            assert sub.next()["data"]["circleActivity"]["kind"] == "UPDATE_POSTED"
            assert sub.quiet(0.5)
            sub.close()
    finally:
        pg.drop()
