"""Live activity, the pure part: what a signal is, how it travels, what a stream does with it.

A signal names one object (a circle or a repair thread) and what happened to it, nothing
else: no text, no member, no time of day. It is what PostgreSQL's NOTIFY carries between
instances (``encode``/``decode``); the day a subscriber sees is the receiving instance's
calendar day. ``decide`` is the per-event rule a stream applies after it has looked again at
whether its caller may still see the object.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

import strawberry

from resolvers.enums import CareEnum

CHANNEL = "cip_activity"


class Topic(enum.Enum):
    CIRCLE = "c"
    THREAD = "t"


@strawberry.enum(description="What changed in a circle.")
class CircleActivityKind(CareEnum):
    UPDATE_POSTED = "UPDATE_POSTED"
    ROTA_CHANGED = "ROTA_CHANGED"
    MEMBER_JOINED = "MEMBER_JOINED"
    MEMBER_LEFT = "MEMBER_LEFT"
    STATUS_CHANGED = "STATUS_CHANGED"
    CLOSED = "CLOSED"


@strawberry.enum(description="What changed in a repair thread.")
class RepairActivityKind(CareEnum):
    ENTRY_ADDED = "ENTRY_ADDED"
    ADVANCE_PROPOSED = "ADVANCE_PROPOSED"
    ADVANCED = "ADVANCED"
    PAUSED = "PAUSED"
    RESUMED = "RESUMED"
    CLOSED = "CLOSED"


Kind = CircleActivityKind | RepairActivityKind


@dataclass(frozen=True)
class Signal:
    topic: Topic
    object_id: uuid.UUID
    kind: Kind

    @property
    def closes(self) -> bool:
        return bool(self.kind.value == "CLOSED")


def circle_signal(circle_id: uuid.UUID, kind: CircleActivityKind) -> Signal:
    return Signal(Topic.CIRCLE, circle_id, kind)


def thread_signal(thread_id: uuid.UUID, kind: RepairActivityKind) -> Signal:
    return Signal(Topic.THREAD, thread_id, kind)


def encode(signal: Signal) -> str:
    """The NOTIFY payload: topic, object id and kind, e.g. ``c:<uuid>:UPDATE_POSTED``."""
    return f"{signal.topic.value}:{signal.object_id}:{signal.kind.value}"


def decode(payload: str) -> Signal | None:
    """The signal of a payload; None for anything that is not one (never raises)."""
    parts = payload.split(":")
    if len(parts) != 3:
        return None
    raw_topic, raw_id, raw_kind = parts
    try:
        topic = Topic(raw_topic)
        object_id = uuid.UUID(raw_id)
        kind: Kind = (
            CircleActivityKind(raw_kind) if topic is Topic.CIRCLE else RepairActivityKind(raw_kind)
        )
    except ValueError:
        return None
    return Signal(topic, object_id, kind)


@dataclass(frozen=True)
class StreamRules:
    """The limits every stream of an app obeys (from the settings)."""

    max_per_connection: int = 10
    idle_seconds: float = 3600.0


class Step(enum.Enum):
    """What a stream does with one signal."""

    SKIP = "skip"  # not this stream's, or no longer the caller's: say nothing
    DELIVER = "deliver"
    DELIVER_THEN_END = "deliver_then_end"  # the CLOSED event, then the stream completes
    END = "end"  # the caller lost the object: complete at once, say nothing


@dataclass(frozen=True)
class Scope:
    """What a stream follows: one object (``only``), or every circle of the caller."""

    topic: Topic
    only: uuid.UUID | None = None

    def covers(self, signal: Signal) -> bool:
        if signal.topic is not self.topic:
            return False
        return self.only is None or signal.object_id == self.only


def decide(scope: Scope, signal: Signal, *, known: bool, still_member: bool) -> Step:
    """The rule for one signal.

    ``known``: the stream saw the caller in this object before (at subscribe time or at an
    earlier event); ``still_member``: the caller is in it now. A closed object has no members
    left to look up, so CLOSED goes to the streams that knew the caller was in it. A stream
    of one object ends when the caller is no longer in it; a stream of all the caller's
    circles just stops following that circle (``Scope.only`` is None: it goes on)."""
    if not scope.covers(signal):
        return Step.SKIP
    if signal.closes:
        if not known:
            return Step.SKIP
        return Step.DELIVER_THEN_END if scope.only is not None else Step.DELIVER
    if still_member:
        return Step.DELIVER
    if scope.only is not None:
        return Step.END
    return Step.SKIP
