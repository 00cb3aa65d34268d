"""The input rules (resolvers/input_rules.py), pure: text, display names, neighbourhood ids,
object ids, codes and opaque notes. Which argument takes which rule, and that every resolver
applies it, is tests/test_input_table.py."""

from __future__ import annotations

import uuid

import pytest

from models.errors import BadUserInput
from resolvers import input_rules

pytestmark = pytest.mark.unit

# Every kind of character a text rule refuses, each inside otherwise good text.
CONTROL = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f"]
LONE_SURROGATES = ["\ud800", "\udfff"]


def test_text_is_trimmed_then_bounded() -> None:
    assert input_rules.text("  hello ", "note", 10) == "hello"
    assert input_rules.text("x" * 10, "note", 10) == "x" * 10
    assert input_rules.text(" \t" + "x" * 10 + "\n ", "note", 10) == "x" * 10
    for bad in ("", "   ", "\n\t", "x" * 11):
        with pytest.raises(BadUserInput):
            input_rules.text(bad, "note", 10)


def test_text_keeps_tabs_and_line_breaks_inside() -> None:
    assert input_rules.text("one\ttwo\r\nthree", "body", 100) == "one\ttwo\r\nthree"
    assert input_rules.text("Zoë 🌱 é", "body", 100) == "Zoë 🌱 é"


@pytest.mark.parametrize("bad", CONTROL + LONE_SURROGATES)
def test_text_refuses_control_characters_and_lone_surrogates(bad: str) -> None:
    with pytest.raises(BadUserInput):
        input_rules.text(f"a{bad}b", "body", 100)


def test_optional_text() -> None:
    assert input_rules.optional_text(None, "rhythm", 10) is None
    assert input_rules.optional_text(" weekly ", "rhythm", 10) == "weekly"
    with pytest.raises(BadUserInput):
        input_rules.optional_text("", "rhythm", 10)


def test_display_names_are_sixty_characters_everywhere() -> None:
    assert input_rules.DISPLAY_NAME_MAX == 60
    assert input_rules.display_name("  Ada ") == "Ada"
    assert input_rules.display_name("x" * 60) == "x" * 60
    for bad in ("", " ", "x" * 61, "A\x00da", "A\ud800"):
        with pytest.raises(BadUserInput):
            input_rules.display_name(bad)


def test_neighborhood_ids() -> None:
    assert input_rules.neighborhood("elm-street") == "elm-street"
    assert input_rules.neighborhood("x" * 64) == "x" * 64
    assert input_rules.neighborhood("Zoë-Straße") == "Zoë-Straße"
    bad_ones = ["", "a" * 65, "elm street", " elm", "elm\n", "elm\t", "elm\u00a0", "elm\u200b"]
    for bad in bad_ones + [f"elm{c}" for c in CONTROL + LONE_SURROGATES]:
        with pytest.raises(BadUserInput):
            input_rules.neighborhood(bad)


def test_ids_take_the_one_form_cip_hands_out() -> None:
    some = uuid.uuid4()
    assert input_rules.parse_id(str(some)) == some
    assert input_rules.parse_id(str(some).upper()) == some
    for bad in (
        "",
        "not-an-id",
        some.hex,  # the same digits without dashes
        "{" + str(some) + "}",
        f"urn:uuid:{some}",
        f" {some} ",
        str(some).replace("-", "_"),
        "٠" * 8 + str(some)[8:],  # Arabic-Indic digits: int() would take them
        str(some)[:-1] + "\ud800",
        None,
        42,
    ):
        assert input_rules.parse_id(bad) is None, bad


def test_codes_are_trimmed_and_in_the_url_safe_alphabet() -> None:
    assert input_rules.code("  abc-_XYZ09 ") == "abc-_XYZ09"
    assert input_rules.code("x" * 128) == "x" * 128
    for bad in ("", "   ", "x" * 129, "ab cd", "ab+/", "a\x00b", "a\ud800", "café"):
        assert input_rules.code(bad) is None, bad


def test_sealed_note_is_opaque_and_size_limited() -> None:
    assert input_rules.sealed_note(None) is None
    raw = "v1:🔒" + "x" * (input_rules.SEALED_NOTE_MAX - 4)
    assert len(raw) == input_rules.SEALED_NOTE_MAX
    assert input_rules.sealed_note(raw) == raw.encode("utf-8")
    assert input_rules.sealed_note(" {not json ") == b" {not json "  # never trimmed or parsed
    assert input_rules.sealed_note("") == b""
    assert input_rules.sealed_note("a\x00b") == b"a\x00b"  # someone else's bytes: not read
    for bad in ("x" * (input_rules.SEALED_NOTE_MAX + 1), "note\ud800"):
        with pytest.raises(BadUserInput):
            input_rules.sealed_note(bad)


def test_first() -> None:
    assert input_rules.first(1, 100) == 1 and input_rules.first(100, 100) == 100
    for bad in (0, -1, 101):
        with pytest.raises(BadUserInput):
            input_rules.first(bad, 100)
