"""Every rule for what a caller types: free text, display names, neighbourhood ids, object ids,
one-time codes and the coordinator tool's opaque notes. Pure functions, called by every
resolver before anything is looked up or written.

Text and neighbourhoods that break a rule raise BadUserInput. Ids and codes are never refused
here: input that cannot be one answers None, and the caller answers it exactly like an unknown
id (NOT_FOUND) or code (INVITE_INVALID), so a malformed probe tells nothing a random one does not.
"""

from __future__ import annotations

import re
import uuid

from models.errors import BadUserInput

NEIGHBORHOOD_MAX = 64  # the width of every neighborhood column
DISPLAY_NAME_MAX = 60  # circles and repair threads alike
CODE_MAX = 128  # longer input cannot be one of our codes
SEALED_NOTE_MAX = 8_192

# C0 and C1 control characters and DEL, except tab, line feed and carriage return, which
# multi-line text needs.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A lone surrogate is not Unicode text: it cannot be encoded, sealed or stored.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_CODE = re.compile(r"[A-Za-z0-9_-]+")  # the url-safe alphabet our codes are written in


def _valid_unicode(value: str, field: str) -> None:
    if _SURROGATE.search(value):
        raise BadUserInput(f"{field} must be valid Unicode text.")


def text(raw: str, field: str, limit: int) -> str:
    """Member-written text, trimmed: not blank, at most ``limit`` characters, valid Unicode, no
    NUL or other control characters (tab and line breaks are allowed)."""
    value = raw.strip()
    if not value:
        raise BadUserInput(f"{field} must not be empty.")
    if len(value) > limit:
        raise BadUserInput(f"{field} must be at most {limit} characters.")
    _valid_unicode(value, field)
    if _CONTROL.search(value):
        raise BadUserInput(f"{field} must not contain NUL or other control characters.")
    return value


def optional_text(
    raw: str | None, field: str, limit: int, *, blank_is_none: bool = False
) -> str | None:
    """None stays None (nothing given, or cleared). Blank text is a mistake, not a way to clear
    (a rhythm), unless ``blank_is_none`` (an optional field of an input: blank is not given)."""
    if raw is None or (blank_is_none and not raw.strip()):
        return None
    return text(raw, field, limit)


def display_name(raw: str) -> str:
    """The name a member shows inside one circle or repair thread."""
    return text(raw, "displayName", DISPLAY_NAME_MAX)


def neighborhood(raw: str, field: str = "neighborhood") -> str:
    """A neighbourhood id as given, never trimmed: 1 to 64 characters, none of them space,
    control, format or other unprintable characters."""
    if not raw or len(raw) > NEIGHBORHOOD_MAX:
        raise BadUserInput(f"{field} must be 1 to {NEIGHBORHOOD_MAX} characters.")
    if any(c.isspace() or not c.isprintable() for c in raw):
        raise BadUserInput(f"{field} must not contain spaces or control characters.")
    return raw


def parse_id(raw: object) -> uuid.UUID | None:
    """An object id in the one form CIP hands out (8-4-4-4-12 hexadecimal digits), or None for
    anything else (answered like an unknown id)."""
    if not isinstance(raw, str) or not _UUID.fullmatch(raw):
        return None
    return uuid.UUID(raw)


def code(raw: str) -> str | None:
    """A one-time code, trimmed, or None for input that cannot be one of ours (answered like
    an unknown code)."""
    value = raw.strip()
    if len(value) > CODE_MAX or not _CODE.fullmatch(value):
        return None
    return value


def sealed_note(raw: str | None, field: str = "sealedNote") -> bytes | None:
    """The coordinator tool's opaque note: never trimmed or read; only its size and that it is
    Unicode text are checked."""
    if raw is None:
        return None
    if len(raw) > SEALED_NOTE_MAX:
        raise BadUserInput(f"{field} must be at most {SEALED_NOTE_MAX} characters.")
    _valid_unicode(raw, field)
    return raw.encode("utf-8")


def first(value: int, limit: int, field: str = "first") -> int:
    """How many items a page asks for: 1 to ``limit``."""
    if not 1 <= value <= limit:
        raise BadUserInput(f"{field} must be between 1 and {limit}.")
    return value
