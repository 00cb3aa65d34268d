"""Changing repair threads: open, invite, join, write, move through the lenses, close.

Threads are private to their parties and paced by the harmed party (``repair_rules``).
Entries and display names are sealed under the thread's key; closing deletes every row of
the thread and shreds the key, leaving only the anonymous "repair thread closed" rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models import aggregate_store
from models.errors import InvalidTransition, NotFound
from models.pseudonym import COUNTS, REPAIR
from models.repair import RepairEntry, RepairInvite, RepairParty, RepairThread
from models.sealing import Sealer
from resolvers import input_rules, one_time_codes
from resolvers.aggregates import events
from resolvers.live.activity import RepairActivityKind as Live
from resolvers.live.activity import thread_signal
from resolvers.live.streams import publish
from resolvers.repair import rules
from resolvers.repair.rules import Closure, Role, Route, Stage, ThreadState
from resolvers.repair.view import (
    EntryFacts,
    ThreadFacts,
    body_aad,
    entry_plain,
    find_mine,
    name_aad,
    thread_facts,
    thread_owner,
)
from resolvers.request import CareContext, require_coordinator, subject
from resolvers.support.resources_lookup import ResourceFacts, resources_for_route


@dataclass(frozen=True)
class InviteFacts:
    code: str
    role: Role
    expires_on: dt.date


@dataclass(frozen=True)
class ClosedFacts:
    closure: Closure
    route: Route | None
    resources: list[ResourceFacts]


ENTRY_BODY_MAX = 4_000


async def _seal_name(sealer: Sealer, thread_id: uuid.UUID, party_id: uuid.UUID, name: str) -> bytes:
    return await sealer.seal(thread_owner(thread_id), name_aad(party_id), name)


def _state(thread: RepairThread) -> ThreadState:
    return ThreadState(Stage(thread.stage), thread.paused, thread.advance_proposed)


async def _facilitator_action(ctx: CareContext, thread: RepairThread, role: Role) -> None:
    """A facilitator's actions count on their weekly coordinator count; nobody else's do."""
    if role is Role.FACILITATOR:
        await aggregate_store.count_action(
            thread.neighborhood, ctx.clock.today(), subject(ctx.viewer, COUNTS)
        )


async def open_repair_thread(
    ctx: CareContext, neighborhood: str, my_role: Role, display_name: str
) -> ThreadFacts:
    nbh = input_rules.neighborhood(neighborhood)
    name = input_rules.display_name(display_name)
    if my_role is Role.FACILITATOR:
        require_coordinator(ctx.viewer, nbh)
    me = subject(ctx.viewer, REPAIR)
    today = ctx.clock.today()
    thread_id, party_id = uuid.uuid4(), uuid.uuid4()
    async with in_transaction("default"):
        thread = await RepairThread.create(
            id=thread_id, neighborhood=nbh, stage=Stage.IMPACT.value, opened_on=today
        )
        await ctx.sealer.create_key(thread_owner(thread_id))
        await RepairParty.create(
            id=party_id,
            thread_id=thread_id,
            member=me,
            role=my_role.value,
            name_sealed=await _seal_name(ctx.sealer, thread_id, party_id, name),
        )
        await aggregate_store.add(events.repair_opened(nbh, today), today)
        await _facilitator_action(ctx, thread, my_role)
    return await thread_facts(ctx, thread, my_role)


async def create_repair_invite(ctx: CareContext, thread_id: str, role: Role) -> InviteFacts:
    """A code for a role nobody holds yet; it replaces any earlier code for that role."""
    thread, my_role = await find_mine(ctx, thread_id)
    taken = {
        Role(str(r))
        for r in await RepairParty.filter(thread_id=thread.id).values_list("role", flat=True)
    }
    rules.check_invite(role, taken)
    issued = one_time_codes.issue(ctx.clock.today())
    async with in_transaction("default"):
        await RepairInvite.filter(thread_id=thread.id, role=role.value).delete()
        await RepairInvite.create(
            code_hash=issued.hashed,
            thread_id=thread.id,
            role=role.value,
            expires_on=issued.expires_on,
        )
        await _facilitator_action(ctx, thread, my_role)
    return InviteFacts(code=issued.code, role=role, expires_on=issued.expires_on)


async def join_repair_thread(ctx: CareContext, code: str, display_name: str) -> ThreadFacts:
    name = input_rules.display_name(display_name)
    me = subject(ctx.viewer, REPAIR)

    async def may_use(invite: RepairInvite) -> bool:
        """A facilitator code serves only a coordinator of the thread's neighbourhood, and a
        code for a role someone has taken meanwhile serves nobody."""
        role, thread = Role(invite.role), invite.thread
        if role is Role.FACILITATOR and not ctx.viewer.coordinates(thread.neighborhood):
            return False
        return not await RepairParty.filter(thread_id=thread.id, role=role.value).exists()

    async def use(invite: RepairInvite) -> tuple[RepairThread, Role]:
        thread, role = invite.thread, Role(invite.role)
        if await RepairParty.filter(thread_id=thread.id, member=me).exists():
            raise InvalidTransition("You are already part of this thread.")
        party_id = uuid.uuid4()
        await RepairParty.create(
            id=party_id,
            thread_id=thread.id,
            member=me,
            role=role.value,
            name_sealed=await _seal_name(ctx.sealer, thread.id, party_id, name),
        )
        await _facilitator_action(ctx, thread, role)
        return thread, role

    thread, role = await one_time_codes.redeem(
        RepairInvite, code, ctx.clock.today(), related="thread", may_use=may_use, use=use
    )
    return await thread_facts(ctx, thread, role)


async def add_repair_entry(ctx: CareContext, thread_id: str, body: str) -> EntryFacts:
    text = input_rules.text(body, "body", ENTRY_BODY_MAX)
    thread, role = await find_mine(ctx, thread_id)
    rules.check_add_entry(_state(thread))
    today = ctx.clock.today()
    entry_id = uuid.uuid4()
    stage = Stage(thread.stage)
    async with in_transaction("default"):
        ordinal = await RepairEntry.filter(thread_id=thread.id).count() + 1
        sealed = await ctx.sealer.seal(
            thread_owner(thread.id),
            body_aad(entry_id),
            entry_plain(ordinal, text),
        )
        await RepairEntry.create(
            id=entry_id,
            thread_id=thread.id,
            stage=stage.value,
            author_role=role.value,
            body_sealed=sealed,
            posted_on=today,
        )
        await _facilitator_action(ctx, thread, role)
    await publish(ctx, thread_signal(thread.id, Live.ENTRY_ADDED))
    return EntryFacts(str(entry_id), stage, role, text, today)


_MOVED = {
    "propose": Live.ADVANCE_PROPOSED,
    "confirm": Live.ADVANCED,
    "pause": Live.PAUSED,
    "resume": Live.RESUMED,
}


async def _move(ctx: CareContext, thread_id: str, step: str) -> ThreadFacts:
    thread, role = await find_mine(ctx, thread_id)
    state = _state(thread)
    if step == "propose":
        new = rules.propose(state)
    elif step == "confirm":
        new = rules.confirm(state, role)
    elif step == "pause":
        new = rules.pause(state, role)
    else:
        new = rules.resume(state, role)
    async with in_transaction("default"):
        # Compare-and-set on the state the rule saw: a concurrent change makes this one fail
        # instead of, say, a second confirmation skipping a lens.
        changed = await RepairThread.filter(
            id=thread.id,
            stage=state.stage.value,
            paused=state.paused,
            advance_proposed=state.advance_proposed,
        ).update(stage=new.stage.value, paused=new.paused, advance_proposed=new.advance_proposed)
        if not changed:
            raise InvalidTransition("The thread changed meanwhile; look again.")
        await _facilitator_action(ctx, thread, role)
    await publish(ctx, thread_signal(thread.id, _MOVED[step]))
    thread.stage, thread.paused = new.stage.value, new.paused
    thread.advance_proposed = new.advance_proposed
    return await thread_facts(ctx, thread, role)


async def propose_advance(ctx: CareContext, thread_id: str) -> ThreadFacts:
    return await _move(ctx, thread_id, "propose")


async def confirm_advance(ctx: CareContext, thread_id: str) -> ThreadFacts:
    return await _move(ctx, thread_id, "confirm")


async def pause_thread(ctx: CareContext, thread_id: str) -> ThreadFacts:
    return await _move(ctx, thread_id, "pause")


async def resume_thread(ctx: CareContext, thread_id: str) -> ThreadFacts:
    return await _move(ctx, thread_id, "resume")


async def close_repair_thread(
    ctx: CareContext, thread_id: str, closure: Closure, route: Route | None
) -> ClosedFacts:
    thread, role = await find_mine(ctx, thread_id)
    rules.check_close(_state(thread), role, closure, route)
    nbh, today = thread.neighborhood, ctx.clock.today()
    async with in_transaction("default"):
        await RepairEntry.filter(thread_id=thread.id).delete()
        await RepairInvite.filter(thread_id=thread.id).delete()
        await RepairParty.filter(thread_id=thread.id).delete()
        if not await RepairThread.filter(id=thread.id).delete():
            raise NotFound()
        await ctx.sealer.shred(thread_owner(thread.id))
        await aggregate_store.add(events.repair_closed(nbh, today), today)
        await _facilitator_action(ctx, thread, role)
    await publish(ctx, thread_signal(thread.id, Live.CLOSED))
    found = await resources_for_route(nbh, route) if route is not None else []
    return ClosedFacts(closure=closure, route=route, resources=found)
