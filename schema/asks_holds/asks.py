"""Quiet asks for support: SupportAsk, mySupportAsks, supportAsks, askForSupport, withdraw."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from resolvers.asks_holds import asks
from resolvers.asks_holds.asks import AskFacts
from resolvers.request import CareContext
from schema.fields import coordinator_field, member_field, member_mutation
from schema.notices import NOT_CLINICAL


def resolve_days_open(root: SupportAsk, info: Info[CareContext, None]) -> int:
    return asks.days_open(root.asked_on, info.context.clock.today())


@strawberry.type(
    description="A member's quiet request for support, seen only by the asker and the "
    "neighbourhood's coordinators. It is deleted on expiry, withdrawal or when taken."
    + NOT_CLINICAL
)
class SupportAsk:
    id: strawberry.ID
    neighborhood: strawberry.ID
    note: str
    asked_on: dt.date
    expires_on: dt.date = strawberry.field(description="The day the ask and its note are deleted.")
    mine: bool
    days_open: int = strawberry.field(
        resolver=resolve_days_open,
        description="Days since askedOn, by the service's clock.",
    )

    @classmethod
    def from_facts(cls, facts: AskFacts) -> SupportAsk:
        return cls(
            id=strawberry.ID(facts.id),
            neighborhood=strawberry.ID(facts.neighborhood),
            note=facts.note,
            asked_on=facts.asked_on,
            expires_on=facts.expires_on,
            mine=facts.mine,
        )


async def resolve_my_support_asks(info: Info[CareContext, None]) -> list[SupportAsk]:
    return [SupportAsk.from_facts(f) for f in await asks.my_support_asks(info.context)]


async def resolve_support_asks(
    info: Info[CareContext, None], neighborhood: strawberry.ID
) -> list[SupportAsk]:
    found = await asks.support_asks(info.context, str(neighborhood))
    return [SupportAsk.from_facts(f) for f in found]


async def resolve_ask_for_support(
    info: Info[CareContext, None], neighborhood: strawberry.ID, note: str
) -> SupportAsk:
    return SupportAsk.from_facts(await asks.ask_for_support(info.context, str(neighborhood), note))


async def resolve_withdraw_support_ask(info: Info[CareContext, None], id: strawberry.ID) -> bool:
    return await asks.withdraw_support_ask(info.context, str(id))


@strawberry.type
class AskQuery:
    my_support_asks: list[SupportAsk] = member_field(
        resolve_my_support_asks, description="The caller's own open asks for support."
    )
    support_asks: list[SupportAsk] = coordinator_field(
        resolve_support_asks,
        description="Coordinators: the open asks in a neighbourhood they coordinate.",
    )


@strawberry.type
class AskMutation:
    ask_for_support: SupportAsk = member_mutation(
        resolve_ask_for_support,
        description="Ask quietly for support; the note is sealed and expires after 30 days.",
    )
    withdraw_support_ask: bool = member_mutation(
        resolve_withdraw_support_ask,
        description="The asker deletes their ask and its note.",
    )
