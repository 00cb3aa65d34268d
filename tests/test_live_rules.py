"""Live activity's pure rules and the in-process hub: the NOTIFY payload, the per-event
decision, bounded queues, the per-subject count and the gauge."""

from __future__ import annotations

import uuid

import pytest

from models.errors import RateLimited
from resolvers.live.activity import (
    CircleActivityKind,
    RepairActivityKind,
    Scope,
    Step,
    Topic,
    circle_signal,
    decide,
    decode,
    encode,
    thread_signal,
)
from resolvers.live.hub import Hub

pytestmark = pytest.mark.unit

C1, C2 = uuid.uuid4(), uuid.uuid4()


def test_a_payload_is_the_topic_the_id_and_the_kind_and_nothing_else() -> None:
    signal = circle_signal(C1, CircleActivityKind.UPDATE_POSTED)
    assert encode(signal) == f"c:{C1}:UPDATE_POSTED"
    assert decode(encode(signal)) == signal
    thread = thread_signal(C2, RepairActivityKind.ADVANCED)
    assert decode(encode(thread)) == thread


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "c",
        f"c:{C1}",
        f"x:{C1}:CLOSED",
        "c:not-a-uuid:CLOSED",
        f"c:{C1}:ENTRY_ADDED",
        f"t:{C1}:MEMBER_JOINED",
        f"c:{C1}:CLOSED:extra",
    ],
)
def test_anything_else_on_the_channel_is_ignored(payload: str) -> None:
    assert decode(payload) is None


ONE = Scope(Topic.CIRCLE, C1)
ALL = Scope(Topic.CIRCLE)
POSTED = circle_signal(C1, CircleActivityKind.UPDATE_POSTED)
CLOSED = circle_signal(C1, CircleActivityKind.CLOSED)


def test_a_member_is_told_and_a_former_member_of_one_circle_is_let_go() -> None:
    assert decide(ONE, POSTED, known=True, still_member=True) is Step.DELIVER
    assert decide(ONE, POSTED, known=True, still_member=False) is Step.END


def test_a_stream_of_all_circles_goes_on_without_a_circle_left() -> None:
    assert decide(ALL, POSTED, known=True, still_member=False) is Step.SKIP
    assert decide(ALL, POSTED, known=False, still_member=True) is Step.DELIVER


def test_closed_goes_to_those_who_were_in_it_and_ends_a_stream_of_that_circle() -> None:
    assert decide(ONE, CLOSED, known=True, still_member=False) is Step.DELIVER_THEN_END
    assert decide(ALL, CLOSED, known=True, still_member=False) is Step.DELIVER
    assert decide(ALL, CLOSED, known=False, still_member=False) is Step.SKIP


def test_signals_of_other_objects_and_topics_are_skipped() -> None:
    other = circle_signal(C2, CircleActivityKind.UPDATE_POSTED)
    assert decide(ONE, other, known=False, still_member=True) is Step.SKIP
    thread = thread_signal(C1, RepairActivityKind.CLOSED)
    assert decide(ONE, thread, known=True, still_member=True) is Step.SKIP
    assert decide(ALL, thread, known=True, still_member=True) is Step.SKIP


def test_the_hub_hands_a_signal_only_to_streams_that_follow_it() -> None:
    hub = Hub()
    one, two, every = (
        hub.open("p1", ONE),
        hub.open("p2", Scope(Topic.CIRCLE, C2)),
        hub.open("p3", ALL),
    )
    repair = hub.open("p4", Scope(Topic.THREAD, C1))
    hub.dispatch(POSTED)
    assert list(one.pending) == [POSTED] and list(every.pending) == [POSTED]
    assert not two.pending and not repair.pending


def test_a_consumer_that_falls_behind_is_dropped_not_buffered() -> None:
    hub = Hub(queue_size=3)
    stream = hub.open("p1", ONE)
    for _ in range(3):
        hub.dispatch(POSTED)
    assert len(stream.pending) == 3 and not stream.dropped
    hub.dispatch(POSTED)
    assert stream.dropped and not stream.pending
    hub.dispatch(POSTED)
    assert not stream.pending  # nothing more is kept for it


def test_streams_are_counted_per_subject_and_by_the_gauge() -> None:
    counts: list[int] = []
    hub = Hub(max_per_subject=2, on_count=counts.append)
    first, _ = hub.open("p1", ONE), hub.open("p1", ALL)
    with pytest.raises(RateLimited):
        hub.open("p1", ONE)
    hub.open("p2", ONE)  # another subject has its own count
    hub.close(first)
    hub.close(first)  # closing twice counts once
    hub.open("p1", ONE)
    assert counts == [1, 2, 3, 2, 3]
    assert hub.open_streams == 3


def test_losing_the_listener_asks_every_stream_to_look_again() -> None:
    hub = Hub()
    streams = [hub.open("p1", ONE), hub.open("p2", ALL)]
    hub.recheck_all()
    assert all(s.recheck and s.wake.is_set() and not s.pending for s in streams)


def test_a_stream_whose_consumer_falls_behind_ends_and_says_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The real stream generator over the real hub; membership is a plain predicate here."""
    import asyncio
    import logging

    from auth.viewer import Viewer
    from models.clock import Clock
    from resolvers.live import streams
    from resolvers.request import CareContext, Policy

    async def member(_me: str, _circle: uuid.UUID) -> bool:
        return True

    async def run() -> list[object]:
        hub = Hub(queue_size=4)
        ctx = CareContext(
            viewer=Viewer(subject="p1"),
            sealer=None,  # type: ignore[arg-type]
            clock=Clock(None),
            policy=Policy(pseudonym_key=b"k" * 32, issuer="i"),
            live=hub,
        )
        events = streams._follow(ctx, "circleActivity", ONE, "p1", {C1}, member)
        first = asyncio.ensure_future(events.__anext__())
        while hub.open_streams == 0:
            await asyncio.sleep(0)
        for _ in range(5):  # one more than the queue holds, before the consumer reads
            hub.dispatch(POSTED)
        got: list[object] = []
        try:
            got.append(await first)
        except StopAsyncIteration:
            pass
        assert hub.open_streams == 0 and ctx.connection["live_streams"] == 0
        return got

    caplog.set_level(logging.INFO, logger="cip.stream")
    assert asyncio.run(run()) == []
    closed = [r for r in caplog.records if r.getMessage() == "stream closed"]
    assert [r.cip["outcome"] for r in closed] == ["slow_consumer"]  # type: ignore[attr-defined]
