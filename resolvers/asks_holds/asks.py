"""Quiet asks for support: seen only by the asker and the neighbourhood's coordinators.

An ask's note is sealed under a key of its own; withdrawing, taking or expiry deletes the row
and shreds the key. An expired ask is never shown or acted on; ``purge_expired`` deletes it
(the background purge of ``cip serve`` and ``cip purge``; no request does global work).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models import aggregate_store
from models.errors import NotFound
from models.holds import SupportAsk
from models.keystore import DataKey
from models.pseudonym import ASKS_HOLDS
from models.sealing import SealError, owner_of, row_aad
from resolvers import input_rules
from resolvers.aggregates import events
from resolvers.request import CareContext, require_coordinator, subject

ASK_TTL_DAYS = 30
ASK_NOTE_MAX = 2_000
TABLE = "cip_support_ask"


@dataclass(frozen=True)
class AskFacts:
    id: str
    neighborhood: str
    note: str
    asked_on: dt.date
    expires_on: dt.date
    mine: bool


def days_open(asked_on: dt.date, today: dt.date) -> int:
    """Whole days an ask has been open; 0 on the day it was made."""
    return max(0, (today - asked_on).days)


def ask_owner(ask_id: uuid.UUID | str) -> str:
    return owner_of("ask", ask_id)


def note_aad(ask_id: uuid.UUID | str) -> bytes:
    return row_aad(TABLE, ask_id, "note")


async def purge_expired(today: dt.date, neighborhood: str | None = None) -> int:
    """Delete every ask (of one neighbourhood when named) whose expiresOn has come and shred
    its key; returns how many.

    All neighbourhoods: the background purge and ``cip purge``, never a request; one: the
    release computation, before it counts that neighbourhood. The gauge's -1 is dated on the
    expiry day, or in the current week when the expiry day's week already has a release
    (``aggregate_store.add``).
    """
    scope = {} if neighborhood is None else {"neighborhood": neighborhood}
    expired = await SupportAsk.filter(expires_on__lte=today, **scope).values_list(
        "id", "neighborhood", "expires_on"
    )
    gone: list[str] = []
    for ask_id, nbh, expires in expired:
        async with in_transaction("default"):
            # Counting the deleted rows keeps two concurrent purges from closing it twice.
            if await SupportAsk.filter(id=ask_id).delete():
                await aggregate_store.add(events.ask_ended(nbh, expires), today)
                gone.append(ask_owner(ask_id))
    if gone:
        # Shredding is deleting the wrapped keys; no request's Sealer is needed here.
        await DataKey.filter(owner__in=gone).delete()
    return len(gone)


async def ask_for_support(ctx: CareContext, neighborhood: str, note: str) -> AskFacts:
    nbh = input_rules.neighborhood(neighborhood)
    text = input_rules.text(note, "note", ASK_NOTE_MAX)
    asker = subject(ctx.viewer, ASKS_HOLDS)
    today = ctx.clock.today()
    ask_id = uuid.uuid4()
    expires = today + dt.timedelta(days=ASK_TTL_DAYS)
    async with in_transaction("default"):
        await ctx.sealer.create_key(ask_owner(ask_id))
        sealed = await ctx.sealer.seal(ask_owner(ask_id), note_aad(ask_id), text)
        await SupportAsk.create(
            id=ask_id,
            neighborhood=nbh,
            asker=asker,
            note_sealed=sealed,
            asked_on=today,
            expires_on=expires,
        )
        await aggregate_store.add(events.ask_opened(nbh, today), today)
    return AskFacts(str(ask_id), nbh, text, today, expires, mine=True)


async def my_support_asks(ctx: CareContext) -> list[AskFacts]:
    rows = await SupportAsk.filter(
        asker=subject(ctx.viewer, ASKS_HOLDS), expires_on__gt=ctx.clock.today()
    ).order_by("-asked_on")
    return await _open_all(ctx, rows)


async def support_asks(ctx: CareContext, neighborhood: str) -> list[AskFacts]:
    nbh = input_rules.neighborhood(neighborhood)
    require_coordinator(ctx.viewer, nbh)
    rows = await SupportAsk.filter(neighborhood=nbh, expires_on__gt=ctx.clock.today()).order_by(
        "asked_on"
    )
    return await _open_all(ctx, rows)


async def withdraw_support_ask(ctx: CareContext, ask_id: str) -> bool:
    parsed = input_rules.parse_id(ask_id)
    asker = subject(ctx.viewer, ASKS_HOLDS)
    async with in_transaction("default"):
        row = None
        if parsed is not None:
            row = await SupportAsk.get_or_none(
                id=parsed, asker=asker, expires_on__gt=ctx.clock.today()
            )
        if row is None or not await SupportAsk.filter(id=row.id).delete():
            raise NotFound()
        await ctx.sealer.shred(ask_owner(row.id))
        today = ctx.clock.today()
        await aggregate_store.add(events.ask_ended(row.neighborhood, today), today)
    return True


async def _open_all(ctx: CareContext, rows: list[SupportAsk]) -> list[AskFacts]:
    await ctx.sealer.preload([ask_owner(r.id) for r in rows])
    opened: list[AskFacts] = []
    for r in rows:
        try:
            note = await ctx.sealer.open(ask_owner(r.id), note_aad(r.id), r.note_sealed)
        except SealError:
            # Taken, withdrawn or purged between the listing and here (its key is shredded):
            # it no longer exists, so it is not listed. Found by the load test.
            continue
        opened.append(
            AskFacts(
                id=str(r.id),
                neighborhood=r.neighborhood,
                note=note,
                asked_on=r.asked_on,
                expires_on=r.expires_on,
                mine=r.asker == ctx.viewer.as_(ASKS_HOLDS),
            )
        )
    return opened
