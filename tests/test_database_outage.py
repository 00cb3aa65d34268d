"""PostgreSQL going away under a `cip serve` process: its connections are terminated (as a
restart would) during a stream of requests, then the database is renamed so it cannot be
reached, then it comes back. Requests fail cleanly meanwhile, /readyz says not ready, and
the service recovers by itself."""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.support import (
    POSTGRES_ADMIN_URL,
    FreshPostgres,
    clean_env,
    dev_token,
    prepared_settings,
    rows,
    run_statements,
    serving,
)

FORM = """mutation($input: FormCircleInput!) { formCircle(input: $input) { id focus } }"""
MINE = "{ myCircles { id focus } }"


def admin(*statements: str) -> None:
    run_statements(POSTGRES_ADMIN_URL, list(statements))


def take_away(name: str, away: str) -> None:
    """Terminate every connection to ``name`` and rename it, retrying while the app races
    back in between."""
    for _ in range(100):
        try:
            admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
                f'ALTER DATABASE "{name}" RENAME TO "{away}"',
            )
            return
        except asyncpg.ObjectInUseError:
            time.sleep(0.05)
    raise AssertionError("could not take the database away")


ORPHANS = (
    "SELECT count(*) FROM cip_circle c WHERE NOT EXISTS "
    "(SELECT 1 FROM cip_circle_member m WHERE m.circle_id = c.id)"
)


def clean_failure(body: dict[str, Any]) -> bool:
    """Either a normal answer, or INTERNAL_SERVER_ERROR with no detail at all."""
    errors = body.get("errors") or []
    if not errors:
        return True
    text = repr(body)
    return (
        all(e.get("extensions", {}).get("code") == "INTERNAL_SERVER_ERROR" for e in errors)
        and all(e.get("message") == "Internal server error." for e in errors)
        and not any(w in text for w in ("Traceback", "asyncpg", "postgres", "connection"))
    )


def test_requests_fail_cleanly_and_the_service_recovers(tmp_path: Path) -> None:
    pg = FreshPostgres()
    url = pg.create()
    away = f"{pg.name}_away"
    renamed = False
    env = clean_env(
        tmp_path,
        CIP_DATABASE_URL=url,
        CIP_DEV_JWT_SECRET=secrets.token_urlsafe(32),
        CIP_RATE_MUTATIONS_PER_MINUTE="100000",
        CIP_RATE_ADDRESS_MUTATIONS_PER_MINUTE="100000",
    )
    try:
        bearer = dev_token(prepared_settings(env), "ada")
        headers = {"Authorization": f"Bearer {bearer}"}
        with serving(env) as base:
            answers: list[tuple[int, dict[str, Any]]] = []
            stop = threading.Event()

            def stream() -> None:
                with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                    i = 0
                    while not stop.is_set():
                        i += 1
                        payload = {
                            "neighborhood": "elm",
                            "focus": f"Meals, round {i}",
                            "displayName": "Ada",
                            "role": "FOCUS",
                        }
                        body = {"query": FORM, "variables": {"input": payload}}
                        if i % 2:
                            body = {"query": MINE}
                        resp = client.post("/graphql", json=body)
                        answers.append((resp.status_code, resp.json()))

            streams = [threading.Thread(target=stream) for _ in range(3)]
            for s in streams:
                s.start()
            time.sleep(1.0)
            take_away(pg.name, away)
            renamed = True
            time.sleep(0.5)
            during = httpx.post(f"{base}/graphql", json={"query": MINE}, headers=headers)
            assert during.status_code == 200
            assert [e["extensions"]["code"] for e in during.json()["errors"]] == [
                "INTERNAL_SERVER_ERROR"
            ]
            assert httpx.get(f"{base}/readyz").status_code == 503
            admin(f'ALTER DATABASE "{away}" RENAME TO "{pg.name}"')
            renamed = False
            deadline = time.monotonic() + 30
            while httpx.get(f"{base}/readyz").status_code != 200:
                assert time.monotonic() < deadline, "the service did not recover"
                time.sleep(0.2)
            seen = len(answers)
            time.sleep(1.0)
            stop.set()
            for s in streams:
                s.join(30)

            assert all(status == 200 for status, _ in answers)
            assert all(clean_failure(body) for _, body in answers)
            failures = [b for _, b in answers if b.get("errors")]
            assert failures, "the outage should have failed some requests"
            recovered = answers[seen:]
            assert recovered and all(not b.get("errors") for _, b in recovered)
            # What was answered as formed is there, and nothing else was half-written.
            formed = {
                b["data"]["formCircle"]["id"]
                for _, b in answers
                if not b.get("errors") and "formCircle" in (b.get("data") or {})
            }
            mine = httpx.post(f"{base}/graphql", json={"query": MINE}, headers=headers).json()
            listed = {c["id"] for c in mine["data"]["myCircles"]}
            assert formed <= listed
        orphans = int(rows(url, ORPHANS)[0][0])
        assert orphans == 0  # every circle that exists has its member: no half-formed circle
    finally:
        if renamed:
            admin(f'ALTER DATABASE "{away}" RENAME TO "{pg.name}"')
        pg.drop()
