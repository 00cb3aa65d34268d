"""The planner's leaf coercions (schema/planned.py leaf_coercion): the same value as the
type's own coercion for every input, with a date's text kept and enum members looked up."""

from __future__ import annotations

import datetime as dt

import pytest

from resolvers.circles.rules import Role
from schema.build import build_schema
from schema.planned import DATE_TEXTS_KEPT, leaf_coercion

pytestmark = pytest.mark.unit

SCHEMA = build_schema()._schema


def test_dates_are_coerced_as_strawberry_does_and_kept_bounded() -> None:
    date_type = SCHEMA.get_type("Date")
    own = date_type.coerce_output_value  # type: ignore[union-attr]
    fast = leaf_coercion(date_type)  # type: ignore[arg-type]
    assert fast is not own
    day = dt.date(2026, 12, 1)
    assert fast(day) == own(day) == "2026-12-01"
    assert fast(day) is fast(day)  # the text is kept
    moment = dt.datetime(2026, 12, 1, 10, 30)
    assert fast(moment) == own(moment) == "2026-12-01T10:30:00"  # not a date: the type's own
    for offset in range(DATE_TEXTS_KEPT + 50):  # past the bound: still right
        d = dt.date(2000, 1, 1) + dt.timedelta(days=offset)
        assert fast(d) == d.isoformat()


def test_enum_members_are_coerced_as_strawberry_does() -> None:
    role_type = SCHEMA.get_type("CircleRole")
    own = role_type.coerce_output_value  # type: ignore[union-attr]
    fast = leaf_coercion(role_type)  # type: ignore[arg-type]
    for member in Role:
        assert fast(member) == own(member)
    # Not a member: the type's own coercion decides (and its error is the same).
    assert fast("FACILITATOR") == own("FACILITATOR")
    with pytest.raises(Exception) as fast_error:
        fast("NOBODY")
    with pytest.raises(Exception) as own_error:
        own("NOBODY")
    assert str(fast_error.value) == str(own_error.value)


def test_other_leaves_keep_their_own_coercion() -> None:
    for name in ("String", "ID", "Int", "Boolean"):
        leaf = SCHEMA.get_type(name)
        assert leaf_coercion(leaf) == leaf.coerce_output_value  # type: ignore[arg-type,union-attr]
