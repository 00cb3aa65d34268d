"""The two live streams: a member's circles and a repair thread's parties.

At subscribe time the caller must be in the object (the same lookup as the queries, so an
outsider and a random id both answer NOT_FOUND). For every signal the stream looks again
(``activity.decide``): an event the caller may no longer see is not sent, and a stream of
one object completes at once when its caller leaves or is removed, or after CLOSED. A stream
also completes when its token expires, after ``idle_seconds`` without an event, and when its
consumer falls too far behind (the hub drops it). Each stream opened and closed is one log
line with its field and outcome: never an object id or a subject.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from models.circles import CircleMember
from models.errors import NotFound, RateLimited, Unauthenticated
from models.pseudonym import CIRCLES, REPAIR
from models.repair import RepairParty
from resolvers.input_rules import parse_id
from resolvers.live.activity import (
    CircleActivityKind,
    Kind,
    Scope,
    Signal,
    Step,
    StreamRules,
    Topic,
    decide,
)
from resolvers.live.hub import Hub, Stream
from resolvers.request import CareContext, subject

log = logging.getLogger("cip.stream")
CONNECTION_STREAMS = "live_streams"  # the per-connection count, in CareContext.connection


@dataclass(frozen=True)
class ActivityFacts:
    object_id: uuid.UUID
    kind: Kind
    on: dt.date


def hub_of(ctx: CareContext) -> Hub:
    hub = ctx.live
    if not isinstance(hub, Hub):
        raise NotFound()  # no live activity on this app (a schema built without one)
    return hub


async def _in_circle(member: str, circle_id: uuid.UUID) -> bool:
    return await CircleMember.filter(circle_id=circle_id, member=member).exists()


async def _in_thread(member: str, thread_id: uuid.UUID) -> bool:
    return await RepairParty.filter(thread_id=thread_id, member=member).exists()


async def _my_circles(member: str) -> set[uuid.UUID]:
    rows = await CircleMember.filter(member=member).values_list("circle_id", flat=True)
    return {uuid.UUID(str(r)) for r in rows}


def _take_slot(ctx: CareContext, rules: StreamRules) -> None:
    open_here = int(ctx.connection.get(CONNECTION_STREAMS, 0))
    if open_here >= rules.max_per_connection:
        raise RateLimited(
            f"At most {rules.max_per_connection} live subscriptions on one connection."
        )
    ctx.connection[CONNECTION_STREAMS] = open_here + 1


def _free_slot(ctx: CareContext) -> None:
    ctx.connection[CONNECTION_STREAMS] = max(0, int(ctx.connection.get(CONNECTION_STREAMS, 1)) - 1)


def _transport(ctx: CareContext) -> str:
    """ws (graphql-transport-ws) or sse (GraphQL over SSE), from the ASGI scope."""
    scope = getattr(ctx.request, "scope", None) or {}
    return "ws" if scope.get("type") == "websocket" else "sse"


def _log(event: str, field: str, **more: Any) -> None:
    log.info(event, extra={"cip": {"field": field, **more}})


async def _follow(
    ctx: CareContext,
    field: str,
    scope: Scope,
    me: str,
    known: set[uuid.UUID],
    is_member: Callable[[str, uuid.UUID], Awaitable[bool]],
) -> AsyncGenerator[ActivityFacts, None]:
    """Open the stream, then yield each event the caller may see until it ends. ``me`` is
    the caller's pseudonym in the rows ``is_member`` reads; streams are counted per person
    (the token's base pseudonym), whatever they follow."""
    hub = hub_of(ctx)
    rules = hub.rules
    person = ctx.viewer.subject
    if person is None:  # the field guard refuses this first; kept as a second wall
        raise Unauthenticated()
    _take_slot(ctx, rules)
    try:
        stream = hub.open(person, scope)
    except RateLimited:
        _free_slot(ctx)
        raise
    started = time.monotonic()
    sent = 0
    outcome = "cancelled"  # the client went away (or the server is stopping)
    transport = _transport(ctx)
    _log("stream opened", field, transport=transport)
    try:
        async with contextlib.aclosing(_events(ctx, stream, me, known, is_member, rules)) as items:
            async for item in items:
                if isinstance(item, str):
                    outcome = item
                    break
                sent += 1
                yield item
    finally:
        hub.close(stream)
        _free_slot(ctx)
        _log(
            "stream closed",
            field,
            transport=transport,
            outcome=outcome,
            events=sent,
            duration_s=round(time.monotonic() - started, 3),
        )


async def _events(
    ctx: CareContext,
    stream: Stream,
    me: str,
    known: set[uuid.UUID],
    is_member: Callable[[str, uuid.UUID], Awaitable[bool]],
    rules: StreamRules,
) -> AsyncGenerator[ActivityFacts | str, None]:
    """Events, then one string saying why the stream ended (never yielded to the client)."""
    expires_at = ctx.viewer.expires_at
    while True:
        now = time.time()
        if expires_at is not None and now >= expires_at:
            yield "token_expired"
            return
        wait = rules.idle_seconds
        if expires_at is not None:
            wait = min(wait, expires_at - now)
        if not stream.pending and not stream.dropped and not stream.recheck:
            stream.wake.clear()
            try:
                await asyncio.wait_for(stream.wake.wait(), timeout=wait)
            except TimeoutError:
                if expires_at is not None and time.time() >= expires_at:
                    yield "token_expired"
                else:
                    yield "idle"
                return
        if stream.dropped:
            yield "slow_consumer"
            return
        if stream.recheck:
            stream.recheck = False
            for object_id in tuple(known):
                if not await is_member(me, object_id):
                    known.discard(object_id)
                    if stream.scope.only is not None:
                        yield "access_lost"
                        return
        while stream.pending:
            signal: Signal = stream.pending.popleft()
            if not _worth_a_look(stream, signal, known):
                continue
            closing = signal.closes
            still = False if closing else await is_member(me, signal.object_id)
            step = decide(stream.scope, signal, known=signal.object_id in known, still_member=still)
            if step is Step.SKIP:
                if not still:
                    known.discard(signal.object_id)
                continue
            if step is Step.END:
                yield "access_lost"
                return
            if closing:
                known.discard(signal.object_id)
            else:
                known.add(signal.object_id)
            yield ActivityFacts(signal.object_id, signal.kind, ctx.clock.today())
            if step is Step.DELIVER_THEN_END:
                yield "closed"
                return


def _worth_a_look(stream: Stream, signal: Signal, known: set[uuid.UUID]) -> bool:
    """A stream of all circles looks up only circles it knows, and joins (the caller may be
    the one who joined); every other circle's event is skipped without a query."""
    if stream.scope.only is not None or signal.object_id in known:
        return True
    return signal.kind is CircleActivityKind.MEMBER_JOINED


async def circle_activity(
    ctx: CareContext, raw_circle_id: str | None
) -> AsyncGenerator[ActivityFacts, None]:
    """One circle of the caller's (NOT_FOUND otherwise), or all of them when no id is given."""
    me = subject(ctx.viewer, CIRCLES)
    if raw_circle_id is None:
        known = await _my_circles(me)
        scope = Scope(Topic.CIRCLE)
    else:
        circle_id = parse_id(raw_circle_id)
        if circle_id is None or not await _in_circle(me, circle_id):
            raise NotFound()
        known = {circle_id}
        scope = Scope(Topic.CIRCLE, circle_id)
    return _follow(ctx, "circleActivity", scope, me, known, _in_circle)


async def repair_thread_activity(
    ctx: CareContext, raw_thread_id: str
) -> AsyncGenerator[ActivityFacts, None]:
    """A repair thread the caller is a party to; NOT_FOUND otherwise."""
    me = subject(ctx.viewer, REPAIR)
    thread_id = parse_id(raw_thread_id)
    if thread_id is None or not await _in_thread(me, thread_id):
        raise NotFound()
    scope = Scope(Topic.THREAD, thread_id)
    return _follow(ctx, "repairThreadActivity", scope, me, {thread_id}, _in_thread)


async def publish(ctx: CareContext, signal: Signal) -> None:
    """Tell live subscribers; call after the change's transaction has committed."""
    hub = ctx.live
    if isinstance(hub, Hub):
        await hub.publish(signal)
