"""Live activity: subscriptions that say that something changed, never what.

An event carries the object's id, the kind of change and the calendar day; the frontend
fetches the change with the queries it already has. Nothing live exists for asks or holds:
an event's moment would tell the time of day of an ask, which the store does not keep.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from resolvers.live import streams
from resolvers.live.activity import CircleActivityKind as CircleKind
from resolvers.live.activity import RepairActivityKind as RepairKind
from resolvers.request import CareContext
from schema.circles.types import unset_to_none
from schema.fields import member_subscription

Ctx = Info[CareContext, None]


@strawberry.type(description="Something changed in one of the caller's circles.")
class CircleActivity:
    circle_id: strawberry.ID
    kind: CircleKind
    on: dt.date = strawberry.field(description="The calendar day of the change.")


@strawberry.type(description="Something changed in a repair thread the caller is a party to.")
class RepairActivity:
    thread_id: strawberry.ID
    kind: RepairKind
    on: dt.date = strawberry.field(description="The calendar day of the change.")


# The resolvers are coroutines returning the stream: the caller's access is checked when
# subscribing (an error there is the subscription's only answer), not at the first event.


async def _circle_events(
    events: AsyncGenerator[streams.ActivityFacts, None],
) -> AsyncGenerator[CircleActivity, None]:
    async with contextlib.aclosing(events):
        async for facts in events:
            kind = facts.kind
            assert isinstance(kind, CircleKind)
            circle_id = strawberry.ID(str(facts.object_id))
            yield CircleActivity(circle_id=circle_id, kind=kind, on=facts.on)


async def _thread_events(
    events: AsyncGenerator[streams.ActivityFacts, None],
) -> AsyncGenerator[RepairActivity, None]:
    async with contextlib.aclosing(events):
        async for facts in events:
            kind = facts.kind
            assert isinstance(kind, RepairKind)
            thread_id = strawberry.ID(str(facts.object_id))
            yield RepairActivity(thread_id=thread_id, kind=kind, on=facts.on)


async def circle_activity(
    info: Ctx, circle_id: strawberry.ID | None = strawberry.UNSET
) -> AsyncGenerator[CircleActivity, None]:
    events = await streams.circle_activity(info.context, unset_to_none(circle_id))
    return _circle_events(events)


async def repair_thread_activity(
    info: Ctx, thread_id: strawberry.ID
) -> AsyncGenerator[RepairActivity, None]:
    return _thread_events(await streams.repair_thread_activity(info.context, thread_id))


@strawberry.type
class LiveSubscription:
    circle_activity: CircleActivity = member_subscription(
        circle_activity,
        description="Changes in one of the caller's circles, or in all of them when circleId "
        "is omitted. Another id answers NOT_FOUND. The stream completes after CLOSED, and "
        "when the caller leaves or is removed from the circle.",
    )
    repair_thread_activity: RepairActivity = member_subscription(
        repair_thread_activity,
        description="Changes in a repair thread the caller is a party to; another id "
        "answers NOT_FOUND. The stream completes after CLOSED.",
    )
