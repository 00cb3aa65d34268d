"""Support for coordinators: the well-being check and the peer channel."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from resolvers.request import CareContext
from resolvers.support import peers, wellbeing
from schema.fields import coordinator_field, coordinator_mutation


@strawberry.type(
    description="A private check-in for a coordinator. Only the day of the last answer is kept; "
    "no answer is stored, counted or shown to anyone."
)
class WellbeingCheck:
    due: bool
    last_answered_on: dt.date | None
    prompt: str

    @classmethod
    def from_state(cls, state: wellbeing.WellbeingState) -> WellbeingCheck:
        return cls(due=state.due, last_answered_on=state.last_answered_on, prompt=state.prompt)


@strawberry.type(description="A post to the coordinators' peer channel; authors are never shown.")
class PeerPost:
    id: strawberry.ID
    body: str
    posted_on: dt.date = strawberry.field(
        description="The Monday of the week it was posted: posts keep the week, not the day."
    )
    expires_on: dt.date = strawberry.field(
        description="Every post of a week expires on the same day, 30 to 36 days after."
    )
    mine: bool

    @classmethod
    def from_facts(cls, facts: peers.PeerPostFacts) -> PeerPost:
        return cls(
            id=strawberry.ID(str(facts.id)),
            body=facts.body,
            posted_on=facts.posted_on,
            expires_on=facts.expires_on,
            mine=facts.mine,
        )


async def resolve_wellbeing_check(info: Info[CareContext, None]) -> WellbeingCheck:
    return WellbeingCheck.from_state(await wellbeing.wellbeing_check(info.context))


async def resolve_peer_channel(info: Info[CareContext, None], first: int = 50) -> list[PeerPost]:
    return [PeerPost.from_facts(p) for p in await peers.channel(info.context, first)]


async def resolve_answer_wellbeing_check(
    info: Info[CareContext, None], has_support: bool, wants_peer_connection: bool
) -> WellbeingCheck:
    state = await wellbeing.answer_wellbeing_check(
        info.context, has_support=has_support, wants_peer_connection=wants_peer_connection
    )
    return WellbeingCheck.from_state(state)


async def resolve_post_to_peer_channel(info: Info[CareContext, None], body: str) -> PeerPost:
    return PeerPost.from_facts(await peers.post(info.context, body))


@strawberry.type
class CoordinatorSupportQuery:
    wellbeing_check: WellbeingCheck = coordinator_field(
        resolve_wellbeing_check,
        description="Coordinators: is a well-being check due? Asked every CIP_WELLBEING_DAYS.",
    )
    peer_channel: list[PeerPost] = coordinator_field(
        resolve_peer_channel,
        description="Coordinators, across neighbourhoods: the peer channel, newest first.",
    )


@strawberry.type
class CoordinatorSupportMutation:
    answer_wellbeing_check: WellbeingCheck = coordinator_mutation(
        resolve_answer_wellbeing_check,
        description="Records only the day answered. wantsPeerConnection posts an anonymous note "
        "to the peer channel.",
    )
    post_to_peer_channel: PeerPost = coordinator_mutation(
        resolve_post_to_peer_channel, description="Up to 2,000 characters; kept 30 days."
    )
