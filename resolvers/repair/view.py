"""Reading repair threads: the membership lookup, the thread as its party sees it, entries.

Every read goes through ``find_mine`` (thread id AND the caller's membership), so a thread the
caller is no party of and a random id are one code path answering NOT_FOUND.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

from models.errors import NotFound
from models.pseudonym import REPAIR
from models.repair import RepairEntry, RepairInvite, RepairParty, RepairThread
from models.sealing import owner_of, row_aad
from resolvers import input_rules
from resolvers.repair.rules import ROLE_ORDER, Role, Stage
from resolvers.request import CareContext, subject


@dataclass(frozen=True)
class PartyFacts:
    role: Role
    display_name: str | None
    joined: bool
    is_me: bool


@dataclass(frozen=True)
class EntryFacts:
    id: str
    stage: Stage
    author: Role
    body: str
    posted_on: dt.date


@dataclass(frozen=True)
class ThreadFacts:
    id: str
    neighborhood: str
    stage: Stage
    my_role: Role
    parties: list[PartyFacts]
    advance_proposed: bool
    paused: bool
    opened_on: dt.date


def thread_owner(thread_id: uuid.UUID | str) -> str:
    return owner_of("thread", thread_id)


def entry_plain(ordinal: int, body: str) -> str:
    # The entry's place in the thread travels inside the sealed text: entries keep only a
    # day, and the order of a conversation is itself something to keep private.
    return json.dumps({"n": ordinal, "body": body})


def name_aad(party_id: uuid.UUID | str) -> bytes:
    return row_aad("cip_repair_party", party_id, "name")


def body_aad(entry_id: uuid.UUID | str) -> bytes:
    return row_aad("cip_repair_entry", entry_id, "body")


async def find_mine(ctx: CareContext, thread_id: str) -> tuple[RepairThread, Role]:
    """The thread and the caller's role in it; NOT_FOUND for anyone who is no party."""
    parsed = input_rules.parse_id(thread_id)
    party = None
    if parsed is not None:
        party = await RepairParty.get_or_none(
            thread_id=parsed, member=subject(ctx.viewer, REPAIR)
        ).prefetch_related("thread")
    if party is None:
        raise NotFound()
    return party.thread, Role(party.role)


async def thread_facts(ctx: CareContext, thread: RepairThread, my_role: Role) -> ThreadFacts:
    owner = thread_owner(thread.id)
    me = ctx.viewer.as_(REPAIR)
    parties: list[PartyFacts] = []
    for p in await RepairParty.filter(thread_id=thread.id):
        name = await ctx.sealer.open(owner, name_aad(p.id), p.name_sealed)
        parties.append(PartyFacts(Role(p.role), name, joined=True, is_me=p.member == me))
    joined = {p.role for p in parties}
    today = ctx.clock.today()
    pending = await RepairInvite.filter(thread_id=thread.id, expires_on__gt=today).values_list(
        "role", flat=True
    )
    for role in sorted({Role(str(r)) for r in pending} - joined, key=ROLE_ORDER.index):
        parties.append(PartyFacts(role, None, joined=False, is_me=False))
    parties.sort(key=lambda p: ROLE_ORDER.index(p.role))
    return ThreadFacts(
        id=str(thread.id),
        neighborhood=thread.neighborhood,
        stage=Stage(thread.stage),
        my_role=my_role,
        parties=parties,
        advance_proposed=thread.advance_proposed,
        paused=thread.paused,
        opened_on=thread.opened_on,
    )


async def entries(ctx: CareContext, thread_id: str, stage: Stage | None) -> list[EntryFacts]:
    thread, _ = await find_mine(ctx, thread_id)
    query = RepairEntry.filter(thread_id=thread.id)
    if stage is not None:
        query = query.filter(stage=stage.value)
    owner = thread_owner(thread.id)
    opened: list[tuple[int, str, EntryFacts]] = []
    for e in await query:
        plain = json.loads(await ctx.sealer.open(owner, body_aad(e.id), e.body_sealed))
        facts = EntryFacts(
            str(e.id), Stage(e.stage), Role(e.author_role), plain["body"], e.posted_on
        )
        opened.append((int(plain["n"]), str(e.id), facts))
    return [f for _, _, f in sorted(opened, key=lambda t: (t[0], t[1]))]


async def my_repair_threads(ctx: CareContext) -> list[ThreadFacts]:
    mine = await RepairParty.filter(member=subject(ctx.viewer, REPAIR)).prefetch_related("thread")
    await ctx.sealer.preload([thread_owner(p.thread.id) for p in mine])
    threads = sorted(mine, key=lambda p: (p.thread.opened_on, str(p.thread.id)), reverse=True)
    return [await thread_facts(ctx, p.thread, Role(p.role)) for p in threads]


async def repair_thread(ctx: CareContext, thread_id: str) -> ThreadFacts:
    thread, role = await find_mine(ctx, thread_id)
    return await thread_facts(ctx, thread, role)
