"""Repair threads: the thread, its parties, entries, invites, closing, and the operations."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from resolvers.repair import threads as repair
from resolvers.repair import view as repair_view
from resolvers.repair.rules import Closure, Role, Route, Stage
from resolvers.repair.threads import ClosedFacts, InviteFacts
from resolvers.repair.view import EntryFacts, PartyFacts, ThreadFacts
from resolvers.request import CareContext
from schema.fields import member_field, member_mutation
from schema.notices import NOT_CLINICAL
from schema.support.resources import CareResource


@strawberry.type(description="A role in the thread: joined, or invited and not yet joined.")
class RepairParticipant:
    role: Role
    display_name: str | None
    joined: bool
    is_me: bool

    @classmethod
    def from_facts(cls, facts: PartyFacts) -> RepairParticipant:
        return cls(
            role=facts.role,
            display_name=facts.display_name,
            joined=facts.joined,
            is_me=facts.is_me,
        )


@strawberry.type(description="What one party wrote under one lens; sealed at rest.")
class RepairEntry:
    id: strawberry.ID
    stage: Stage
    author: Role
    body: str
    posted_on: dt.date

    @classmethod
    def from_facts(cls, facts: EntryFacts) -> RepairEntry:
        return cls(
            id=strawberry.ID(facts.id),
            stage=facts.stage,
            author=facts.author,
            body=facts.body,
            posted_on=facts.posted_on,
        )


async def resolve_entries(
    root: RepairThread, info: Info[CareContext, None], stage: Stage | None = strawberry.UNSET
) -> list[RepairEntry]:
    # Entries are read again through the membership lookup: the thread object alone is
    # no permission.
    chosen = stage if isinstance(stage, Stage) else None
    found = await repair_view.entries(info.context, str(root.id), chosen)
    return [RepairEntry.from_facts(f) for f in found]


@strawberry.type(
    description="A private, harmed-party-paced path through harm or conflict, seen only by "
    "its parties and facilitator. It is not mediation by professionals, not a legal process."
    + NOT_CLINICAL
)
class RepairThread:
    id: strawberry.ID
    neighborhood: strawberry.ID
    stage: Stage
    my_role: Role
    parties: list[RepairParticipant]
    advance_proposed: bool = strawberry.field(
        description="True while a move to the next lens waits for the harmed party's confirmation."
    )
    paused: bool = strawberry.field(
        description="True while the harmed party has paused the thread; entries, proposals "
        "and confirmations wait."
    )
    opened_on: dt.date

    entries: list[RepairEntry] = strawberry.field(
        resolver=resolve_entries,
        description="The thread's entries, oldest first: all of them, or one lens's.",
    )

    @classmethod
    def from_facts(cls, facts: ThreadFacts) -> RepairThread:
        return cls(
            id=strawberry.ID(facts.id),
            neighborhood=strawberry.ID(facts.neighborhood),
            stage=facts.stage,
            my_role=facts.my_role,
            parties=[RepairParticipant.from_facts(p) for p in facts.parties],
            advance_proposed=facts.advance_proposed,
            paused=facts.paused,
            opened_on=facts.opened_on,
        )


@strawberry.type(description="A single-use code, valid 7 days, for one role in a thread.")
class RepairInvite:
    code: str
    role: Role
    expires_on: dt.date

    @classmethod
    def from_facts(cls, facts: InviteFacts) -> RepairInvite:
        return cls(code=facts.code, role=facts.role, expires_on=facts.expires_on)


@strawberry.type(
    description="A closed thread: everything in it is deleted; an escalation lists the "
    "resources for its route."
)
class RepairClosed:
    closure: Closure
    route: Route | None
    resources: list[CareResource]

    @classmethod
    def from_facts(cls, facts: ClosedFacts) -> RepairClosed:
        return cls(
            closure=facts.closure,
            route=facts.route,
            resources=[CareResource.from_facts(r) for r in facts.resources],
        )


@strawberry.input(description="Opening a repair thread.")
class OpenRepairInput:
    neighborhood: strawberry.ID
    my_role: Role = strawberry.field(
        description="HARMED_PARTY, RESPONSIBLE_PARTY, or FACILITATOR (coordinators only)."
    )
    display_name: str = strawberry.field(description="How the caller appears in this thread.")


Ctx = Info[CareContext, None]


async def resolve_my_repair_threads(info: Ctx) -> list[RepairThread]:
    return [RepairThread.from_facts(t) for t in await repair_view.my_repair_threads(info.context)]


async def resolve_repair_thread(info: Ctx, id: strawberry.ID) -> RepairThread | None:
    return RepairThread.from_facts(await repair_view.repair_thread(info.context, str(id)))


async def resolve_open_repair_thread(info: Ctx, input: OpenRepairInput) -> RepairThread:
    facts = await repair.open_repair_thread(
        info.context, str(input.neighborhood), input.my_role, input.display_name
    )
    return RepairThread.from_facts(facts)


async def resolve_create_repair_invite(
    info: Ctx, thread_id: strawberry.ID, role: Role
) -> RepairInvite:
    return RepairInvite.from_facts(
        await repair.create_repair_invite(info.context, str(thread_id), role)
    )


async def resolve_join_repair_thread(info: Ctx, code: str, display_name: str) -> RepairThread:
    facts = await repair.join_repair_thread(info.context, code, display_name)
    return RepairThread.from_facts(facts)


async def resolve_add_repair_entry(info: Ctx, thread_id: strawberry.ID, body: str) -> RepairEntry:
    return RepairEntry.from_facts(await repair.add_repair_entry(info.context, str(thread_id), body))


async def resolve_propose(info: Ctx, thread_id: strawberry.ID) -> RepairThread:
    return RepairThread.from_facts(await repair.propose_advance(info.context, str(thread_id)))


async def resolve_confirm(info: Ctx, thread_id: strawberry.ID) -> RepairThread:
    return RepairThread.from_facts(await repair.confirm_advance(info.context, str(thread_id)))


async def resolve_pause(info: Ctx, thread_id: strawberry.ID) -> RepairThread:
    return RepairThread.from_facts(await repair.pause_thread(info.context, str(thread_id)))


async def resolve_resume(info: Ctx, thread_id: strawberry.ID) -> RepairThread:
    return RepairThread.from_facts(await repair.resume_thread(info.context, str(thread_id)))


async def resolve_close(
    info: Ctx, thread_id: strawberry.ID, closure: Closure, route: Route | None = strawberry.UNSET
) -> RepairClosed:
    chosen = route if isinstance(route, Route) else None
    facts = await repair.close_repair_thread(info.context, str(thread_id), closure, chosen)
    return RepairClosed.from_facts(facts)


@strawberry.type
class RepairQuery:
    my_repair_threads: list[RepairThread] = member_field(
        resolve_my_repair_threads, description="The threads the caller is a party of."
    )
    repair_thread: RepairThread | None = member_field(
        resolve_repair_thread,
        description="One thread of the caller's; NOT_FOUND for any other id.",
    )


@strawberry.type
class RepairMutation:
    open_repair_thread: RepairThread = member_mutation(
        resolve_open_repair_thread, description="Open a thread in the caller's chosen role."
    )
    create_repair_invite: RepairInvite = member_mutation(
        resolve_create_repair_invite, description="Any party invites someone to an open role."
    )
    join_repair_thread: RepairThread = member_mutation(
        resolve_join_repair_thread,
        description="Join a thread with an invite code.",
        redeems_code=True,
    )
    add_repair_entry: RepairEntry = member_mutation(
        resolve_add_repair_entry, description="Write under the thread's current lens."
    )
    propose_repair_advance: RepairThread = member_mutation(
        resolve_propose, description="Ask to move to the next lens."
    )
    confirm_repair_advance: RepairThread = member_mutation(
        resolve_confirm,
        description="The harmed party moves the thread to the next lens; nobody else can.",
    )
    pause_repair_thread: RepairThread = member_mutation(
        resolve_pause, description="The harmed party pauses the thread."
    )
    resume_repair_thread: RepairThread = member_mutation(
        resolve_resume, description="The harmed party resumes the thread."
    )
    close_repair_thread: RepairClosed = member_mutation(
        resolve_close,
        description="Close the thread: its entries are deleted and its key destroyed.",
    )
