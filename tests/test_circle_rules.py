"""Circle rules without I/O: who may do what, and input checks."""

from __future__ import annotations

import datetime as dt

import pytest

from models.errors import BadUserInput, Forbidden, InvalidTransition
from resolvers.circles import rules
from resolvers.circles.rules import Role

pytestmark = pytest.mark.unit

TODAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("role", "has_facilitator", "coordinates", "allowed"),
    [
        (Role.FACILITATOR, True, True, True),
        (Role.FACILITATOR, True, False, False),  # no longer coordinating the neighbourhood
        (Role.FOCUS, True, False, True),
        (Role.SUPPORTER, True, False, False),
        (Role.SUPPORTER, False, False, True),
        (Role.FOCUS, False, False, True),
    ],
)
def test_stewards(role: Role, has_facilitator: bool, coordinates: bool, allowed: bool) -> None:
    result = rules.may_steward(role, has_facilitator=has_facilitator, coordinates=coordinates)
    assert result is allowed
    if not allowed:
        with pytest.raises(Forbidden):
            rules.require_steward(role, has_facilitator=has_facilitator, coordinates=coordinates)


def test_invites() -> None:
    kw = {"has_facilitator": True, "has_focus": False, "coordinates": False}
    rules.check_invite(Role.SUPPORTER, Role.SUPPORTER, **kw)
    rules.check_invite(Role.SUPPORTER, Role.FOCUS, **kw)
    with pytest.raises(Forbidden):
        rules.check_invite(Role.SUPPORTER, Role.FACILITATOR, **kw)
    rules.check_invite(Role.FOCUS, Role.FACILITATOR, **kw)
    with pytest.raises(InvalidTransition):
        rules.check_invite(Role.FOCUS, Role.FOCUS, **{**kw, "has_focus": True})
    rules.check_invite(Role.SUPPORTER, Role.FACILITATOR, **{**kw, "has_facilitator": False})


def test_forming() -> None:
    rules.check_form(Role.FACILITATOR, coordinates=True, from_hold=True)
    rules.check_form(Role.FOCUS, coordinates=False, from_hold=False)
    with pytest.raises(Forbidden):
        rules.check_form(Role.FACILITATOR, coordinates=False, from_hold=False)
    with pytest.raises(Forbidden):
        rules.check_form(Role.SUPPORTER, coordinates=False, from_hold=True)
    with pytest.raises(BadUserInput):
        rules.check_form(Role.SUPPORTER, coordinates=True, from_hold=True)


def test_the_facilitator_is_not_counted() -> None:
    assert rules.starting_count(Role.FACILITATOR) == 0
    assert rules.starting_count(Role.FOCUS) == rules.starting_count(Role.SUPPORTER) == 1
    assert rules.MAX_MEMBERS == 8


@pytest.mark.parametrize(
    ("check", "limit"),
    [
        (rules.focus, 200),
        (rules.update_body, 2000),
        (rules.task, 200),
    ],
)
def test_text_limits(check: object, limit: int) -> None:
    assert callable(check)
    assert check("  a  ") == "a"
    assert check("x" * limit) == "x" * limit
    for bad in ("", "   ", "x" * (limit + 1), "a\x00b"):
        with pytest.raises(BadUserInput):
            check(bad)


def test_rhythm_none_clears_but_empty_is_refused() -> None:
    assert rules.rhythm(None) is None
    assert rules.rhythm("Sundays") == "Sundays"
    with pytest.raises(BadUserInput):
        rules.rhythm("")


def test_updates_first() -> None:
    assert rules.updates_first(1) == 1 and rules.updates_first(100) == 100
    for bad in (0, -1, 101):
        with pytest.raises(BadUserInput):
            rules.updates_first(bad)


def test_slot_days() -> None:
    assert rules.slot_day(TODAY, TODAY) == TODAY
    with pytest.raises(BadUserInput):
        rules.slot_day(TODAY - dt.timedelta(days=1), TODAY)
    with pytest.raises(BadUserInput):
        rules.slot_day(TODAY + dt.timedelta(days=367), TODAY)


def test_rota_range() -> None:
    assert rules.rota_range(None, None, TODAY) == (TODAY, None)
    start = TODAY - dt.timedelta(days=3)
    assert rules.rota_range(start, TODAY, TODAY) == (start, TODAY)
    with pytest.raises(BadUserInput):
        rules.rota_range(TODAY, start, TODAY)
