"""The repair path as pure rules: the lens order, who may move it, pause, invites and closing.

The harmed party sets the pace: anyone may propose the next lens, only the harmed party's
confirmation moves the thread, only the harmed party pauses and resumes, and while paused
nothing can be added, proposed or confirmed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

import strawberry

from models.errors import BadUserInput, Forbidden, InvalidTransition
from resolvers.enums import CareEnum


@strawberry.enum(
    name="RepairStage",
    description="The lenses of a repair thread, in order: IMPACT, NEEDS, ACCOUNTABILITY, "
    "PATH_FORWARD.",
)
class Stage(CareEnum):
    IMPACT = "IMPACT"
    NEEDS = "NEEDS"
    ACCOUNTABILITY = "ACCOUNTABILITY"
    PATH_FORWARD = "PATH_FORWARD"


@strawberry.enum(name="RepairRole", description="A person's place in a thread.")
class Role(CareEnum):
    HARMED_PARTY = "HARMED_PARTY"
    RESPONSIBLE_PARTY = "RESPONSIBLE_PARTY"
    FACILITATOR = "FACILITATOR"


@strawberry.enum(name="RepairClosure", description="How a thread ended.")
class Closure(CareEnum):
    COMPLETED = "COMPLETED"
    WITHDRAWN = "WITHDRAWN"
    ESCALATED = "ESCALATED"


@strawberry.enum(name="EscalationRoute", description="Where an escalated thread is sent on to.")
class Route(CareEnum):
    STEWARD_EMERGENCY = "STEWARD_EMERGENCY"
    GOVERNANCE = "GOVERNANCE"
    EXTERNAL_SERVICES = "EXTERNAL_SERVICES"


LENSES: tuple[Stage, ...] = (
    Stage.IMPACT,
    Stage.NEEDS,
    Stage.ACCOUNTABILITY,
    Stage.PATH_FORWARD,
)


@dataclass(frozen=True)
class ThreadState:
    stage: Stage = Stage.IMPACT
    paused: bool = False
    advance_proposed: bool = False


def next_stage(stage: Stage) -> Stage | None:
    i = LENSES.index(stage)
    return LENSES[i + 1] if i + 1 < len(LENSES) else None


def _not_paused(state: ThreadState) -> None:
    if state.paused:
        raise InvalidTransition("The harmed party has paused this thread.")


def check_add_entry(state: ThreadState) -> None:
    _not_paused(state)


def propose(state: ThreadState) -> ThreadState:
    """Any party asks to move on; proposing twice changes nothing."""
    _not_paused(state)
    if next_stage(state.stage) is None:
        raise InvalidTransition("PATH_FORWARD is the last lens.")
    return replace(state, advance_proposed=True)


def confirm(state: ThreadState, role: Role) -> ThreadState:
    """Only the harmed party moves the thread to the next lens, and only after a proposal."""
    if role is not Role.HARMED_PARTY:
        raise Forbidden("Only the harmed party can confirm moving to the next lens.")
    _not_paused(state)
    following = next_stage(state.stage)
    if following is None:
        raise InvalidTransition("PATH_FORWARD is the last lens.")
    if not state.advance_proposed:
        raise InvalidTransition("Nobody has proposed moving to the next lens.")
    return ThreadState(stage=following, paused=False, advance_proposed=False)


def pause(state: ThreadState, role: Role) -> ThreadState:
    if role is not Role.HARMED_PARTY:
        raise Forbidden("Only the harmed party can pause the thread.")
    if state.paused:
        raise InvalidTransition("The thread is already paused.")
    return replace(state, paused=True)


def resume(state: ThreadState, role: Role) -> ThreadState:
    if role is not Role.HARMED_PARTY:
        raise Forbidden("Only the harmed party can resume the thread.")
    if not state.paused:
        raise InvalidTransition("The thread is not paused.")
    return replace(state, paused=False)


def check_close(state: ThreadState, role: Role, closure: Closure, route: Route | None) -> None:
    """Who closes how. A thread is COMPLETED only from PATH_FORWARD, whoever closes it, the
    facilitator included: completing one the harmed party has not led there is the pressure
    the repair path forbids. The facilitator withdraws or escalates at any time; the harmed
    party withdraws at any time; the responsible party cannot close."""
    if closure is Closure.ESCALATED and route is None:
        raise BadUserInput("ESCALATED needs a route.")
    if closure is not Closure.ESCALATED and route is not None:
        raise BadUserInput("A route is given only with ESCALATED.")
    if not may_close(role, closure):
        raise Forbidden("Your role cannot close the thread this way.")
    if closure is Closure.COMPLETED and state.stage is not Stage.PATH_FORWARD:
        raise InvalidTransition("A thread is completed only from PATH_FORWARD.")


def may_close(role: Role, closure: Closure) -> bool:
    if role is Role.FACILITATOR:
        return True
    return role is Role.HARMED_PARTY and closure is not Closure.ESCALATED


def check_invite(role: Role, taken: Collection[Role]) -> None:
    """One person per role: an invite only for a role nobody holds yet."""
    if role in taken:
        raise InvalidTransition("Someone already holds that role in this thread.")


ROLE_ORDER: tuple[Role, ...] = (Role.HARMED_PARTY, Role.RESPONSIBLE_PARTY, Role.FACILITATOR)
