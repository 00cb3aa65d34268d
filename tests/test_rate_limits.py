"""Rate limits: per subject and per client address, on mutations and on code redemption,
in process and in the database (shared by several `cip serve` processes)."""

from __future__ import annotations

import asyncio
import secrets
import time
from pathlib import Path

import httpx
import pytest

from auth.rate_guard import client_address
from auth.rate_limits import (
    HOUR,
    DatabaseCounter,
    Limits,
    MemoryCounter,
    RateLimiter,
    limiter_key,
)
from models.errors import RateLimited
from subgraph.settings import ConfigError, new_key
from tests.support import FreshPostgres, LiveServer, clean_env, prepared_settings, serving

JOIN = 'mutation($c: String!) { joinCircle(code: $c, displayName: "Kim") { id } }'
ACCEPT = "mutation($c: String!) { acceptCareHold(code: $c) { id } }"
REPAIR = 'mutation($c: String!) { joinRepairThread(code: $c, displayName: "Kim") { id } }'


class FakeTime:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def attempts(limiter: RateLimiter, n: int, subject: str, address: str, code: bool) -> list[bool]:
    """For each of n attempts: was it allowed?"""

    async def run() -> list[bool]:
        allowed = []
        for _ in range(n):
            try:
                await limiter.check(subject=subject, address=address, redeems_code=code)
                allowed.append(True)
            except RateLimited:
                allowed.append(False)
        return allowed

    return asyncio.run(run())


def test_the_31st_code_attempt_in_an_hour_is_refused_in_memory() -> None:
    clock = FakeTime()
    limiter = RateLimiter(b"k" * 32, MemoryCounter(), Limits(mutations_per_minute=1000), clock)
    assert attempts(limiter, 31, "p1", "10.0.0.1", True) == [True] * 30 + [False]
    assert attempts(limiter, 1, "p2", "10.0.0.1", True) == [True]  # another subject
    clock.now += HOUR  # the window is over: the counter starts again
    assert attempts(limiter, 30, "p1", "10.0.0.1", True) == [True] * 30


def test_mutation_limits_per_subject_and_per_address() -> None:
    clock = FakeTime(3600.0 * 1000)
    limits = Limits(mutations_per_minute=5, address_mutations_per_minute=8)
    limiter = RateLimiter(b"k" * 32, MemoryCounter(), limits, clock)
    assert attempts(limiter, 6, "a", "10.0.0.1", False) == [True] * 5 + [False]
    # Another subject from the same address: the address has had 6, two are left.
    assert attempts(limiter, 3, "b", "10.0.0.1", False) == [True, True, False]
    assert attempts(limiter, 1, "c", "10.0.0.2", False) == [True]
    clock.now += 60
    assert attempts(limiter, 5, "a", "10.0.0.1", False) == [True] * 5


def test_settings_choose_and_check_the_limits(tmp_path: Path) -> None:
    base = {"CIP_ENV": "dev", "CIP_DATA_DIR": str(tmp_path)}
    settings = prepared_settings(base)
    assert settings.rate_backend == "memory" and settings.rate_codes_per_hour == 30
    tuned = prepared_settings(
        {**base, "CIP_RATE_LIMIT_BACKEND": "database", "CIP_RATE_CODES_PER_HOUR": "5"}
    )
    assert tuned.rate_backend == "database" and tuned.rate_codes_per_hour == 5
    for bad in ({"CIP_RATE_LIMIT_BACKEND": "redis"}, {"CIP_RATE_CODES_PER_HOUR": "0"}):
        with pytest.raises(ConfigError):
            prepared_settings({**base, **bad})
    prod = {"CIP_ENV": "prod", "CIP_RATE_LIMIT_BACKEND": "off"}
    with pytest.raises(ConfigError, match="dev only"):
        prepared_settings(
            {
                **base,
                **prod,
                "CIP_PSEUDONYM_KEY": new_key(),
                "CIP_MASTER_KEY": new_key(),
                "CIP_JWT_ISSUER": "https://id.example",
                "CIP_JWT_AUDIENCE": "cip",
                "CIP_JWKS_URL": "https://id.example/jwks",
            }
        )


def test_client_address_from_the_gateways_header() -> None:
    class Req:
        headers = {"x-forwarded-for": "203.0.113.9, 198.51.100.7"}
        client = type("C", (), {"host": "127.0.0.1"})()

    assert client_address(Req(), "x-forwarded-for") == "198.51.100.7"
    assert client_address(Req(), None) == "127.0.0.1"
    assert client_address(Req(), "x-real-ip") == "127.0.0.1"


def test_database_counters_limit_reset_and_name_no_one(server: LiveServer) -> None:
    clock = FakeTime(1_900_000_000.0 + secrets.randbelow(10**6) * HOUR)
    key = limiter_key(server.settings.pseudonym_key)
    limiter = RateLimiter(key, DatabaseCounter(), Limits(mutations_per_minute=1000), clock)
    subject, address = f"pseudonym-{secrets.token_hex(8)}", "192.0.2.77"

    async def run(n: int) -> list[bool]:
        allowed = []
        for _ in range(n):
            try:
                await limiter.check(subject=subject, address=address, redeems_code=True)
                allowed.append(True)
            except RateLimited:
                allowed.append(False)
        return allowed

    assert server.run(run(31)) == [True] * 30 + [False]
    stored = server.sql("SELECT bucket, hits FROM cip_rate_counter")
    assert max(hits for _, hits in stored) >= 31
    text = repr(stored)
    assert subject not in text and address not in text
    clock.now += HOUR
    assert server.run(run(2)) == [True, True]
    # The windows that ended were swept when the new ones began.
    buckets = [b for b, _ in server.sql("SELECT bucket, hits FROM cip_rate_counter")]
    old_window = str(int(clock.now - HOUR) // HOUR)
    assert not [b for b in buckets if b.endswith(f":{old_window}")]


def test_the_31st_code_redemption_over_http_is_rate_limited(server: LiveServer) -> None:
    token = server.token(f"guesser-{secrets.token_hex(6)}", scopes=["cip:coordinator"], nbh=["x"])
    mutations = [JOIN, ACCEPT, REPAIR]
    codes = []
    for i in range(31):
        resp = server.gql(mutations[i % 3], {"c": secrets.token_urlsafe(24)}, token=token)
        codes.append(resp.codes)
    assert codes[:30] == [["INVITE_INVALID"]] * 30
    assert codes[30] == ["RATE_LIMITED"]
    # Someone else is not held back by the guesser.
    other = server.token(f"member-{secrets.token_hex(6)}")
    assert server.gql(JOIN, {"c": "nope"}, token=other).codes == ["INVITE_INVALID"]
    # The counters are keyed hashes: nothing of the caller is stored.
    assert b"127.0.0.1" not in server.dump()


def away_from_window_edges() -> None:
    """Fixed windows: keep a counting test inside one minute (and one hour)."""
    if time.time() % 60 > 52:
        time.sleep(61 - time.time() % 60)


def test_two_instances_share_the_database_backed_limit(tmp_path: Path) -> None:
    pg = FreshPostgres()
    url = pg.create()
    try:
        env = clean_env(
            tmp_path,
            CIP_DATABASE_URL=url,
            CIP_RATE_LIMIT_BACKEND="database",
            CIP_RATE_CODES_PER_HOUR="6",
            CIP_RATE_ADDRESS_MUTATIONS_PER_MINUTE="9",
            CIP_DEV_JWT_SECRET=secrets.token_urlsafe(32),
        )
        settings = prepared_settings(env)
        from auth.devtokens import mint_dev_token

        assert settings.dev_jwt_secret is not None

        def token(sub: str) -> str:
            assert settings.dev_jwt_secret is not None
            return mint_dev_token(
                secret=settings.dev_jwt_secret,
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                sub=sub,
            )

        with serving(env) as first, serving(env) as second:
            away_from_window_edges()
            guesser = token("guesser")
            bases = [first, second]
            answers = []
            for i in range(7):
                body = {"query": JOIN, "variables": {"c": f"guess-{i}"}}
                resp = httpx.post(
                    f"{bases[i % 2]}/graphql",
                    json=body,
                    headers={"Authorization": f"Bearer {guesser}"},
                )
                answers.append(resp.json()["errors"][0]["extensions"]["code"])
            assert answers == ["INVITE_INVALID"] * 6 + ["RATE_LIMITED"]
            # The address limit (9 a minute) is shared too: two more and the address is spent.
            others = []
            for i in range(3):
                body = {"query": JOIN, "variables": {"c": "guess"}}
                resp = httpx.post(
                    f"{bases[i % 2]}/graphql",
                    json=body,
                    headers={"Authorization": f"Bearer {token(f'other-{i}')}"},
                )
                others.append(resp.json()["errors"][0]["extensions"]["code"])
            assert others == ["INVITE_INVALID", "INVITE_INVALID", "RATE_LIMITED"]
    finally:
        pg.drop()
