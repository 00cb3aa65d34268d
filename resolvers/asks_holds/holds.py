"""Care holds: a coordinator's private awareness that someone needs support.

A hold stores its neighbourhood, status, the day it opened, its holder's pseudonym and an
opaque note from the coordinator's own tool; nothing about whom it is for. Every operation
needs cip:coordinator; id-based ones find only the caller's own holds in the caller's
neighbourhoods, so another coordinator's hold answers like a random id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import strawberry
from tortoise.transactions import in_transaction

from models import aggregate_store
from models.errors import NotFound
from models.holds import CareHold, HoldTransfer, SupportAsk
from models.pseudonym import ASKS_HOLDS, COUNTS
from resolvers import input_rules, one_time_codes
from resolvers.aggregates import events
from resolvers.asks_holds import asks
from resolvers.enums import CareEnum
from resolvers.request import CareContext, coordinated_filter, require_coordinator, subject


@strawberry.enum(description="Where a care hold stands. A closed hold is deleted.")
class HoldStatus(CareEnum):
    OPEN = "OPEN"
    CIRCLE_FORMED = "CIRCLE_FORMED"
    CLOSED = "CLOSED"  # never stored: closing deletes the row


@dataclass(frozen=True)
class HoldFacts:
    id: str
    neighborhood: str
    status: HoldStatus
    opened_on: dt.date
    days_open: int
    sealed_note: str | None


@dataclass(frozen=True)
class TransferFacts:
    code: str
    expires_on: dt.date


def _facts(hold: CareHold, today: dt.date) -> HoldFacts:
    note = bytes(hold.sealed_note).decode("utf-8") if hold.sealed_note is not None else None
    return HoldFacts(
        id=str(hold.id),
        neighborhood=hold.neighborhood,
        status=HoldStatus(hold.status),
        opened_on=hold.opened_on,
        days_open=max(0, (today - hold.opened_on).days),
        sealed_note=note,
    )


async def find_my_hold(ctx: CareContext, hold_id: str) -> CareHold:
    """The caller's own hold in a neighbourhood they coordinate, or NOT_FOUND (also the
    lookup for a circle formed from a hold)."""
    require_coordinator(ctx.viewer)
    parsed = input_rules.parse_id(hold_id)
    hold = None
    if parsed is not None:
        hold = await CareHold.get_or_none(
            id=parsed, holder=subject(ctx.viewer, ASKS_HOLDS), **coordinated_filter(ctx.viewer)
        )
    if hold is None:
        raise NotFound()
    return hold


async def open_care_hold(ctx: CareContext, neighborhood: str, sealed_note: str | None) -> HoldFacts:
    nbh = input_rules.neighborhood(neighborhood)
    note = input_rules.sealed_note(sealed_note)
    require_coordinator(ctx.viewer, nbh)
    holder = subject(ctx.viewer, ASKS_HOLDS)
    today = ctx.clock.today()
    async with in_transaction("default"):
        hold = await CareHold.create(
            neighborhood=nbh,
            status=HoldStatus.OPEN,
            opened_on=today,
            holder=holder,
            sealed_note=note,
        )
        await aggregate_store.add(events.hold_opened(nbh, today), today)
        await aggregate_store.count_action(nbh, today, subject(ctx.viewer, COUNTS))
    return _facts(hold, today)


async def take_support_ask(ctx: CareContext, ask_id: str, sealed_note: str | None) -> HoldFacts:
    """The ask becomes a hold of the caller's; its text and key are destroyed. The hold's
    openedOn is the ask's askedOn: the need's age counts from when it was voiced."""
    require_coordinator(ctx.viewer)
    note = input_rules.sealed_note(sealed_note)
    today = ctx.clock.today()
    holder = subject(ctx.viewer, ASKS_HOLDS)
    parsed = input_rules.parse_id(ask_id)
    async with in_transaction("default"):
        ask = None
        if parsed is not None:
            ask = await SupportAsk.get_or_none(
                id=parsed, expires_on__gt=today, **coordinated_filter(ctx.viewer)
            )
        # Counting the deleted row makes a second, concurrent take answer NOT_FOUND.
        if ask is None or not await SupportAsk.filter(id=ask.id).delete():
            raise NotFound()
        await ctx.sealer.shred(asks.ask_owner(ask.id))
        nbh, asked_on = ask.neighborhood, ask.asked_on
        hold = await CareHold.create(
            neighborhood=nbh,
            status=HoldStatus.OPEN,
            opened_on=asked_on,
            holder=holder,
            sealed_note=note,
        )
        await aggregate_store.add(events.ask_taken(nbh, asked_on, today), today)
        await aggregate_store.count_action(nbh, today, subject(ctx.viewer, COUNTS))
    return _facts(hold, today)


async def my_care_holds(ctx: CareContext) -> list[HoldFacts]:
    require_coordinator(ctx.viewer)
    today = ctx.clock.today()
    holds = await CareHold.filter(
        holder=subject(ctx.viewer, ASKS_HOLDS), **coordinated_filter(ctx.viewer)
    ).order_by("opened_on")
    return [_facts(h, today) for h in holds]


async def transfer_care_hold(ctx: CareContext, hold_id: str) -> TransferFacts:
    """A single-use code for another coordinator; it replaces any earlier code of the hold."""
    hold = await find_my_hold(ctx, hold_id)
    today = ctx.clock.today()
    issued = one_time_codes.issue(today)
    async with in_transaction("default"):
        await HoldTransfer.filter(hold_id=hold.id).delete()
        await HoldTransfer.create(
            code_hash=issued.hashed, hold_id=hold.id, expires_on=issued.expires_on
        )
        await aggregate_store.count_action(hold.neighborhood, today, subject(ctx.viewer, COUNTS))
    return TransferFacts(code=issued.code, expires_on=issued.expires_on)


async def accept_care_hold(ctx: CareContext, code: str) -> HoldFacts:
    """Another coordinator of the hold's neighbourhood takes it over. Used, expired, unknown
    codes, and codes the caller cannot accept, all answer INVITE_INVALID."""
    require_coordinator(ctx.viewer)
    me = subject(ctx.viewer, ASKS_HOLDS)
    today = ctx.clock.today()

    async def may_use(transfer: HoldTransfer) -> bool:
        # Not its own holder, and only a coordinator of the hold's neighbourhood.
        hold = transfer.hold
        return hold.holder != me and ctx.viewer.coordinates(hold.neighborhood)

    async def use(transfer: HoldTransfer) -> CareHold:
        hold = transfer.hold
        await CareHold.filter(id=hold.id).update(holder=me)
        hold.holder = me
        await aggregate_store.count_action(hold.neighborhood, today, subject(ctx.viewer, COUNTS))
        return hold

    hold = await one_time_codes.redeem(
        HoldTransfer, code, today, related="hold", may_use=may_use, use=use
    )
    return _facts(hold, today)


async def close_care_hold(ctx: CareContext, hold_id: str) -> bool:
    hold = await find_my_hold(ctx, hold_id)
    today = ctx.clock.today()
    nbh = hold.neighborhood
    async with in_transaction("default"):
        await HoldTransfer.filter(hold_id=hold.id).delete()
        if not await CareHold.filter(id=hold.id).delete():
            raise NotFound()
        await aggregate_store.add(
            events.hold_closed(nbh, hold.opened_on, today, hold.status == HoldStatus.OPEN), today
        )
        await aggregate_store.count_action(nbh, today, subject(ctx.viewer, COUNTS))
    return True
