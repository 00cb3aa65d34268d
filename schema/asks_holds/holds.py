"""Care holds: CareHold, HoldTransfer, myCareHolds and the coordinator's hold operations."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from resolvers.asks_holds import holds
from resolvers.asks_holds.holds import HoldFacts, HoldStatus, TransferFacts
from resolvers.request import CareContext
from schema.fields import coordinator_field, coordinator_mutation


@strawberry.type(
    description="A coordinator's private awareness that someone needs support. It names "
    "nobody: only its neighbourhood, status, age and the coordinator's own opaque note."
)
class CareHold:
    id: strawberry.ID
    neighborhood: strawberry.ID
    status: HoldStatus
    opened_on: dt.date
    days_open: int = strawberry.field(
        description="Days since openedOn, whatever the status: a CIRCLE_FORMED hold keeps "
        "counting from the day the hold opened, not from the day its circle formed (CIP does "
        "not keep that day on the hold)."
    )
    sealed_note: str | None = strawberry.field(
        description="Whatever the coordinator's own tool sealed, returned exactly as stored; "
        "CIP never opens or inspects it."
    )

    @classmethod
    def from_facts(cls, facts: HoldFacts) -> CareHold:
        return cls(
            id=strawberry.ID(facts.id),
            neighborhood=strawberry.ID(facts.neighborhood),
            status=facts.status,
            opened_on=facts.opened_on,
            days_open=facts.days_open,
            sealed_note=facts.sealed_note,
        )


@strawberry.type(description="A single-use code handing a hold to another coordinator.")
class HoldTransfer:
    code: str
    expires_on: dt.date

    @classmethod
    def from_facts(cls, facts: TransferFacts) -> HoldTransfer:
        return cls(code=facts.code, expires_on=facts.expires_on)


def _given(note: str | None) -> str | None:
    """An omitted sealedNote (UNSET) is no note."""
    return note if isinstance(note, str) else None


async def resolve_my_care_holds(info: Info[CareContext, None]) -> list[CareHold]:
    return [CareHold.from_facts(f) for f in await holds.my_care_holds(info.context)]


async def resolve_take_support_ask(
    info: Info[CareContext, None], id: strawberry.ID, sealed_note: str | None = strawberry.UNSET
) -> CareHold:
    return CareHold.from_facts(
        await holds.take_support_ask(info.context, str(id), _given(sealed_note))
    )


async def resolve_open_care_hold(
    info: Info[CareContext, None],
    neighborhood: strawberry.ID,
    sealed_note: str | None = strawberry.UNSET,
) -> CareHold:
    facts = await holds.open_care_hold(info.context, str(neighborhood), _given(sealed_note))
    return CareHold.from_facts(facts)


async def resolve_transfer_care_hold(
    info: Info[CareContext, None], id: strawberry.ID
) -> HoldTransfer:
    return HoldTransfer.from_facts(await holds.transfer_care_hold(info.context, str(id)))


async def resolve_accept_care_hold(info: Info[CareContext, None], code: str) -> CareHold:
    return CareHold.from_facts(await holds.accept_care_hold(info.context, code))


async def resolve_close_care_hold(info: Info[CareContext, None], id: strawberry.ID) -> bool:
    return await holds.close_care_hold(info.context, str(id))


@strawberry.type
class HoldQuery:
    my_care_holds: list[CareHold] = coordinator_field(
        resolve_my_care_holds,
        description="Coordinators: every hold they hold, in the neighbourhoods their token "
        "acts for.",
    )


@strawberry.type
class HoldMutation:
    take_support_ask: CareHold = coordinator_mutation(
        resolve_take_support_ask,
        description="Coordinators: turn an ask of their neighbourhood into a hold of their "
        "own; the ask and its note are destroyed.",
    )
    open_care_hold: CareHold = coordinator_mutation(
        resolve_open_care_hold, description="Coordinators: open a hold in their neighbourhood."
    )
    transfer_care_hold: HoldTransfer = coordinator_mutation(
        resolve_transfer_care_hold,
        description="Coordinators: a single-use code, valid 7 days, to hand the hold over.",
    )
    accept_care_hold: CareHold = coordinator_mutation(
        resolve_accept_care_hold,
        description="Coordinators: take over a hold of their neighbourhood with its code.",
        redeems_code=True,
    )
    close_care_hold: bool = coordinator_mutation(
        resolve_close_care_hold, description="Coordinators: close (delete) a hold they hold."
    )
