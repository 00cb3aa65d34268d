"""Circle rules free of I/O: roles, the size limit, who may do what, input checks.

Every check raises a domain error (BAD_USER_INPUT, FORBIDDEN, INVALID_TRANSITION) before
anything is written.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from models.errors import BadUserInput, Forbidden, InvalidTransition
from resolvers import input_rules
from resolvers.enums import CareEnum

MAX_MEMBERS = 8  # the facilitator is not counted
FOCUS_MAX = 200
UPDATE_MAX = 2_000
RHYTHM_MAX = 200
TASK_MAX = 200
UPDATES_FIRST_MAX = 100
ROTA_AHEAD_DAYS = 366  # how far ahead a rota slot may be planned


@strawberry.enum(
    name="CircleRole",
    description="A place in a circle: the person it holds (FOCUS), a SUPPORTER, or the "
    "coordinator who FACILITATES it.",
)
class Role(CareEnum):
    FOCUS = "FOCUS"
    SUPPORTER = "SUPPORTER"
    FACILITATOR = "FACILITATOR"


def counts_toward_limit(role: Role) -> bool:
    return role is not Role.FACILITATOR


def starting_count(role: Role) -> int:
    """member_count of a circle its former has just formed."""
    return 1 if counts_toward_limit(role) else 0


# ------------------------------------------------------------------ who may do what
def may_steward(role: Role, *, has_facilitator: bool, coordinates: bool) -> bool:
    """Pause, resume, close, invite a facilitator: the facilitator (while still coordinating
    the neighbourhood), the FOCUS member, or any member while the circle has no facilitator."""
    if role is Role.FACILITATOR:
        return coordinates
    return role is Role.FOCUS or not has_facilitator


def require_steward(role: Role, *, has_facilitator: bool, coordinates: bool) -> None:
    if not may_steward(role, has_facilitator=has_facilitator, coordinates=coordinates):
        raise Forbidden(
            "Only the facilitator or the focus member may do this while the circle has a "
            "facilitator."
        )


def check_invite(
    inviter: Role,
    invited: Role,
    *,
    has_facilitator: bool,
    has_focus: bool,
    coordinates: bool,
) -> None:
    """Who may invite whom. Any member invites supporters; a FOCUS invite only while the circle
    has no focus member; a FACILITATOR invite (a hand-over) only by a steward."""
    if invited is Role.FACILITATOR:
        require_steward(inviter, has_facilitator=has_facilitator, coordinates=coordinates)
    elif invited is Role.FOCUS and has_focus:
        raise InvalidTransition("This circle already has a focus member.")


def check_form(role: Role, *, coordinates: bool, from_hold: bool) -> None:
    if role is Role.FACILITATOR and not coordinates:
        raise Forbidden(
            "Only a coordinator of this neighbourhood can form a circle as facilitator."
        )
    if from_hold:
        if not coordinates:
            raise Forbidden("Only a coordinator can form a circle from a care hold.")
        if role is not Role.FACILITATOR:
            raise BadUserInput("A circle formed from a care hold is formed as its facilitator.")


# ------------------------------------------------------------------ input (input_rules)
def focus(raw: str) -> str:
    return input_rules.text(raw, "focus", FOCUS_MAX)


def update_body(raw: str) -> str:
    return input_rules.text(raw, "body", UPDATE_MAX)


def task(raw: str) -> str:
    return input_rules.text(raw, "task", TASK_MAX)


def rhythm(raw: str | None) -> str | None:
    """None clears the rhythm; an empty string is a mistake, not a way to clear it."""
    return input_rules.optional_text(raw, "rhythm", RHYTHM_MAX)


def updates_first(first: int) -> int:
    return input_rules.first(first, UPDATES_FIRST_MAX)


def slot_day(on: dt.date, today: dt.date) -> dt.date:
    if on < today:
        raise BadUserInput("A rota slot cannot be in the past.")
    if on > today + dt.timedelta(days=ROTA_AHEAD_DAYS):
        raise BadUserInput(f"A rota slot can be planned at most {ROTA_AHEAD_DAYS} days ahead.")
    return on


def rota_range(
    start: dt.date | None, end: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date | None]:
    """The days a rota query covers: from ``start`` (default today) to ``end`` (open)."""
    first = today if start is None else start
    if end is not None and end < first:
        raise BadUserInput("to must not be before from.")
    return first, end
