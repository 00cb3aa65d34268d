"""Rate limits: fixed-window counters keyed by a keyed hash, in process or in the database.

What is counted is a subject pseudonym or a client address; neither is kept in clear. The
bucket is ``HMAC(k, rule|value)`` with ``k`` derived from CIP_PSEUDONYM_KEY, followed by the
window's number, so a counter row or dictionary entry names no one and lives one window only.

The rules (per subject and per client address, on every mutation and on code redemption) are
decided by ``rules_for``; ``RateLimiter.check`` counts one attempt against each and raises
``RateLimited`` past a limit. The single place that calls it is ``auth.rate_guard``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from tortoise import connections

from models.errors import RateLimited
from models.ratelimits import RateCounter

MINUTE = 60
HOUR = 3600
MEMORY_SWEEP_EVERY = 1024  # new buckets between sweeps of expired in-process counters


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    period: int  # seconds: the window's length


@dataclass(frozen=True)
class Limits:
    """The configured limits (CIP_RATE_*)."""

    mutations_per_minute: int = 60
    address_mutations_per_minute: int = 600
    codes_per_hour: int = 30
    address_codes_per_hour: int = 300

    def rules_for(self, *, redeems_code: bool) -> tuple[Rule, ...]:
        """Which counters an attempt counts against, subject rules first."""
        rules = [
            Rule("subject-mutation", self.mutations_per_minute, MINUTE),
            Rule("address-mutation", self.address_mutations_per_minute, MINUTE),
        ]
        if redeems_code:
            rules += [
                Rule("subject-code", self.codes_per_hour, HOUR),
                Rule("address-code", self.address_codes_per_hour, HOUR),
            ]
        return tuple(rules)


def limiter_key(pseudonym_key: bytes) -> bytes:
    """A key of its own for counters, derived so that buckets cannot be joined to pseudonyms."""
    return hmac.new(pseudonym_key, b"cip-rate-limit-v1", hashlib.sha256).digest()


def bucket(key: bytes, rule: Rule, value: str, window: int) -> str:
    digest = hmac.new(key, f"{rule.name}|{value}".encode(), hashlib.sha256).hexdigest()
    return f"{digest[:64]}:{window}"


class Counter(Protocol):
    async def hit(self, bucket: str, expires_at: int, now: int) -> int:
        """Count one attempt in ``bucket``; the count so far, this one included."""
        ...


class MemoryCounter:
    """Counters of this process only: each `cip serve` worker limits on its own."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._new = 0

    async def hit(self, bucket: str, expires_at: int, now: int) -> int:
        hits, expiry = self._counts.get(bucket, (0, expires_at))
        if hits == 0:
            self._new += 1
            if self._new % MEMORY_SWEEP_EVERY == 0:
                self._sweep(now)
        self._counts[bucket] = (hits + 1, expiry)
        return hits + 1

    def _sweep(self, now: int) -> None:
        for name in [b for b, (_, expiry) in self._counts.items() if expiry <= now]:
            del self._counts[name]

    def __len__(self) -> int:
        return len(self._counts)


class DatabaseCounter:
    """Counters in ``cip_rate_counter``, shared by every instance on the database.

    One atomic upsert per attempt (SQLite and PostgreSQL both have INSERT .. ON CONFLICT ..
    RETURNING): two instances counting at once never lose an attempt.
    """

    UPSERT = (
        "INSERT INTO cip_rate_counter (bucket, hits, expires_at) VALUES ({0}, 1, {1}) "
        "ON CONFLICT (bucket) DO UPDATE SET hits = cip_rate_counter.hits + 1 RETURNING hits"
    )
    SWEEP = "DELETE FROM cip_rate_counter WHERE expires_at <= {0}"

    def __init__(self, connection_name: str | None = None) -> None:
        self._connection = connection_name or RateCounter._meta.default_connection or "default"

    async def hit(self, bucket: str, expires_at: int, now: int) -> int:
        conn = connections.get(self._connection)
        postgres = conn.capabilities.dialect == "postgres"
        marks = ("$1", "$2") if postgres else ("?", "?")
        rows = await conn.execute_query_dict(self.UPSERT.format(*marks), [bucket, expires_at])
        hits = int(rows[0]["hits"])
        if hits == 1:  # a new window began somewhere: forget the windows that are over
            await conn.execute_query(self.SWEEP.format(marks[0]), [now])
        return hits


class RateLimiter:
    def __init__(
        self,
        key: bytes,
        counter: Counter,
        limits: Limits,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._key = key
        self._counter = counter
        self.limits = limits
        self._now = now

    async def check(self, *, subject: str | None, address: str | None, redeems_code: bool) -> None:
        """Count one attempt by ``subject`` from ``address``; raise RateLimited past a limit.

        Every attempt counts, refused ones included, so hammering does not reopen the window.
        """
        now = int(self._now())
        exceeded = False
        for rule in self.limits.rules_for(redeems_code=redeems_code):
            value = subject if rule.name.startswith("subject") else address
            if value is None:
                continue
            window = now // rule.period
            expires_at = (window + 1) * rule.period
            hits = await self._counter.hit(bucket(self._key, rule, value, window), expires_at, now)
            exceeded = exceeded or hits > rule.limit
        if exceeded:
            raise RateLimited()


def make_limiter(
    backend: str, pseudonym_key: bytes, limits: Limits, now: Callable[[], float] = time.time
) -> RateLimiter | None:
    """The limiter for CIP_RATE_LIMIT_BACKEND: memory, database, or off (None; dev only)."""
    if backend == "off":
        return None
    counter: Counter = DatabaseCounter() if backend == "database" else MemoryCounter()
    return RateLimiter(limiter_key(pseudonym_key), counter, limits, now)
