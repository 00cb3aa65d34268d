"""Input rules and codes for asks, holds and repair threads."""

from __future__ import annotations

import datetime as dt

import pytest

from models.errors import BadUserInput
from models.pseudonym import code_hash
from resolvers import care_input, one_time_codes

pytestmark = pytest.mark.unit


def test_neighborhood_ids() -> None:
    assert care_input.neighborhood("elm-street") == "elm-street"
    for bad in ("", "a" * 65, "elm street", "elm\n", "elm\x00"):
        with pytest.raises(BadUserInput):
            care_input.neighborhood(bad)


def test_text_is_trimmed_bounded_and_not_blank() -> None:
    assert care_input.text("  hello ", "note", 10) == "hello"
    assert care_input.text("x" * 10, "note", 10) == "x" * 10
    for bad in ("", "   ", "x" * 11, "a\x00b"):
        with pytest.raises(BadUserInput):
            care_input.text(bad, "note", 10)


def test_sealed_note_is_opaque_and_size_limited() -> None:
    assert care_input.sealed_note(None) is None
    raw = "v1:🔒" + "x" * (care_input.SEALED_NOTE_MAX - 4)
    assert len(raw) == care_input.SEALED_NOTE_MAX
    assert care_input.sealed_note(raw) == raw.encode("utf-8")
    assert care_input.sealed_note(" {not json ") == b" {not json "  # never trimmed or parsed
    with pytest.raises(BadUserInput):
        care_input.sealed_note("x" * (care_input.SEALED_NOTE_MAX + 1))


def test_ids() -> None:
    assert care_input.parse_id("not-an-id") is None
    assert care_input.parse_id("") is None
    assert str(care_input.parse_id("6f1c1f14-5f08-4f43-9a4c-8f0f6c6d2a10")).startswith("6f1c")


def test_codes_are_random_hashed_and_valid_seven_days() -> None:
    code, hashed = one_time_codes.new_code()
    assert len(code) >= 22 and hashed == code_hash(code) and code not in hashed
    assert one_time_codes.new_code()[0] != code
    assert one_time_codes.hash_of(code) == hashed
    assert one_time_codes.hash_of("") is None
    assert one_time_codes.hash_of("x" * 500) is None
    today = dt.date(2026, 3, 2)
    expires = one_time_codes.expires_on(today)
    assert expires == dt.date(2026, 3, 9)
    assert one_time_codes.usable(expires, dt.date(2026, 3, 8))
    assert not one_time_codes.usable(expires, expires)
