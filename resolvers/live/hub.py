"""Live activity, the moving part: streams waiting in this process, and how signals reach them.

``Hub.publish`` is called by a use case after its transaction has committed. On SQLite the
signal goes straight to this process's streams. On PostgreSQL it goes out as
``NOTIFY cip_activity`` and comes back, to this instance and every other one on the same
database, through one ``LISTEN`` on a dedicated asyncpg connection (``PostgresListener``).
A lost listener connection is opened again; whatever was said in the gap is not invented
afterwards: every stream is only told to look again at whether its caller may still see its
objects (a member removed in the gap is then let go).

Each stream has a bounded queue: a consumer that falls ``queue_size`` signals behind is
dropped, never buffered without bound. Streams are counted per subject (at most
``max_per_subject`` in this process) and by a gauge of open streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from models.errors import RateLimited
from resolvers.live.activity import CHANNEL, Scope, Signal, StreamRules, decode, encode

log = logging.getLogger("cip.live")
LISTENER_NAME = "cip-live-listener"


@dataclass(eq=False)
class Stream:
    """One open subscription: what it follows and the signals waiting for it."""

    subject: str
    scope: Scope
    queue_size: int
    pending: deque[Signal] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    dropped: bool = False  # fell queue_size signals behind: the consumer is let go
    recheck: bool = False  # the listener was lost meanwhile: look again at access

    def offer(self, signal: Signal) -> None:
        if self.dropped:
            return
        if len(self.pending) >= self.queue_size:
            self.dropped = True
            self.pending.clear()
        else:
            self.pending.append(signal)
        self.wake.set()

    def ask_recheck(self) -> None:
        self.recheck = True
        self.wake.set()


PublishHook = Callable[[str], Any]


class Hub:
    def __init__(
        self,
        *,
        queue_size: int = 64,
        max_per_subject: int = 10,
        rules: StreamRules | None = None,
        on_count: Callable[[int], None] | None = None,
    ) -> None:
        self.rules = rules or StreamRules()
        self.queue_size = queue_size
        self.max_per_subject = max_per_subject
        self._on_count = on_count
        self._by_object: dict[uuid.UUID, set[Stream]] = {}
        self._all_circles: set[Stream] = set()
        self._per_subject: dict[str, int] = {}
        self._count = 0
        self._listener: PostgresListener | None = None

    # ------------------------------------------------------------------ streams
    @property
    def open_streams(self) -> int:
        return self._count

    def open(self, subject: str, scope: Scope) -> Stream:
        """A new stream for ``subject``; RateLimited past ``max_per_subject``."""
        if self._per_subject.get(subject, 0) >= self.max_per_subject:
            raise RateLimited(
                f"At most {self.max_per_subject} live subscriptions at once; close one first."
            )
        stream = Stream(subject=subject, scope=scope, queue_size=self.queue_size)
        if scope.only is None:
            self._all_circles.add(stream)
        else:
            self._by_object.setdefault(scope.only, set()).add(stream)
        self._per_subject[subject] = self._per_subject.get(subject, 0) + 1
        self._set_count(self._count + 1)
        return stream

    def close(self, stream: Stream) -> None:
        if stream.scope.only is None:
            if stream not in self._all_circles:
                return
            self._all_circles.discard(stream)
        else:
            streams = self._by_object.get(stream.scope.only)
            if streams is None or stream not in streams:
                return
            streams.discard(stream)
            if not streams:
                del self._by_object[stream.scope.only]
        left = self._per_subject.get(stream.subject, 1) - 1
        if left:
            self._per_subject[stream.subject] = left
        else:
            self._per_subject.pop(stream.subject, None)
        self._set_count(self._count - 1)

    def _set_count(self, count: int) -> None:
        self._count = count
        if self._on_count is not None:
            self._on_count(count)

    def dispatch(self, signal: Signal) -> None:
        """Hand a signal to every stream of this process that may follow it."""
        for stream in tuple(self._by_object.get(signal.object_id, ())):
            if stream.scope.covers(signal):
                stream.offer(signal)
        for stream in tuple(self._all_circles):
            if stream.scope.covers(signal):
                stream.offer(signal)

    def recheck_all(self) -> None:
        for streams in tuple(self._by_object.values()):
            for stream in tuple(streams):
                stream.ask_recheck()
        for stream in tuple(self._all_circles):
            stream.ask_recheck()

    # ------------------------------------------------------------------ publishing
    async def publish(self, signal: Signal) -> None:
        """After the commit: to every instance (PostgreSQL) or to this process (SQLite)."""
        if self._listener is None:
            self.dispatch(signal)
            return
        await self._listener.notify(encode(signal))

    # ------------------------------------------------------------------ PostgreSQL
    async def start(self, database_url: str, *, check_seconds: float = 2.0) -> None:
        """On PostgreSQL, listen before serving: the first connection must succeed."""
        if not database_url.startswith(("postgres://", "asyncpg://")):
            return
        self._listener = PostgresListener(database_url, self, check_seconds=check_seconds)
        await self._listener.start()

    async def stop(self) -> None:
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None


def _dsn(database_url: str) -> str:
    for prefix in ("postgres://", "asyncpg://"):
        if database_url.startswith(prefix):
            return "postgresql://" + database_url[len(prefix) :]
    return database_url


class PostgresListener:
    """LISTEN on a connection of its own; NOTIFY on another (publishing never waits on it)."""

    def __init__(self, database_url: str, hub: Hub, *, check_seconds: float) -> None:
        self._dsn = _dsn(database_url)
        self._hub = hub
        self._check_seconds = check_seconds
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._notifier: asyncpg.Connection | None = None
        self._notify_lock = asyncio.Lock()
        self.connects = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="cip-live-listener")
        await asyncio.wait_for(self._ready.wait(), timeout=30)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._notifier is not None:
            with contextlib.suppress(Exception):
                await self._notifier.close(timeout=5)

    async def notify(self, payload: str) -> None:
        async with self._notify_lock:
            for attempt in (1, 2):
                try:
                    if self._notifier is None or self._notifier.is_closed():
                        self._notifier = await asyncpg.connect(
                            self._dsn, server_settings={"application_name": "cip-live-notify"}
                        )
                    await self._notifier.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
                    return
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    self._notifier = None
                    if attempt == 2:
                        # The change is committed; its live signal is lost. Subscribers see
                        # it with their next query; nothing false is said.
                        log.warning("live signal not sent: the database is unreachable")

    def _received(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        signal = decode(payload)
        if signal is not None:
            self._hub.dispatch(signal)

    async def _run(self) -> None:
        delay = 0.1
        while True:
            conn: asyncpg.Connection | None = None
            try:
                # The process id tells an operator (and the tests) whose listener it is.
                name = f"{LISTENER_NAME}:{os.getpid()}"
                conn = await asyncpg.connect(self._dsn, server_settings={"application_name": name})
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, self._received)
                self.connects += 1
                if self.connects > 1:
                    log.warning("live listener connection restored")
                    self._hub.recheck_all()
                self._ready.set()
                delay = 0.1
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), timeout=self._check_seconds)
                        break
                    await asyncio.wait_for(conn.fetchval("SELECT 1"), timeout=5)
            except asyncio.CancelledError:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
                raise
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                pass
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.terminate()
            log.warning("live listener connection lost; reconnecting")
            # Whatever happened in the gap: every stream looks again at its caller's access.
            self._hub.recheck_all()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
