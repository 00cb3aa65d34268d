"""Input rules for asks, holds and repair threads: pure checks, BAD_USER_INPUT before any write."""

from __future__ import annotations

import uuid

from models.errors import BadUserInput
from resolvers.text_rules import require_text

NEIGHBORHOOD_MAX = 64  # the width of every neighborhood column
ASK_NOTE_MAX = 2_000
SEALED_NOTE_MAX = 8_192
DISPLAY_NAME_MAX = 80
ENTRY_BODY_MAX = 4_000


def neighborhood(raw: str) -> str:
    """A neighbourhood id as given: 1 to 64 characters, no spaces or control characters."""
    if not raw or len(raw) > NEIGHBORHOOD_MAX:
        raise BadUserInput(f"neighborhood must be 1 to {NEIGHBORHOOD_MAX} characters.")
    if any(c.isspace() or not c.isprintable() for c in raw):
        raise BadUserInput("neighborhood must not contain spaces or control characters.")
    return raw


def text(raw: str, field: str, limit: int) -> str:
    """Member-written text, trimmed: not blank, at most ``limit`` characters, no NUL."""
    value = require_text(raw, field=field, max_chars=limit)
    if "\x00" in value:
        raise BadUserInput(f"{field} must not contain NUL characters.")
    return value


def sealed_note(raw: str | None) -> bytes | None:
    """The coordinator tool's opaque note: only its size is checked, never its content."""
    if raw is None:
        return None
    if len(raw) > SEALED_NOTE_MAX:
        raise BadUserInput(f"sealedNote must be at most {SEALED_NOTE_MAX} characters.")
    return raw.encode("utf-8")


def parse_id(raw: str) -> uuid.UUID | None:
    """An object id, or None for anything that is not one (answered like an unknown id)."""
    try:
        return uuid.UUID(raw)
    except (ValueError, AttributeError, TypeError):
        return None
