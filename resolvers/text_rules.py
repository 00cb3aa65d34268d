"""Limits on text members write: pure functions raising BadUserInput, nothing written."""

from __future__ import annotations

from models.errors import BadUserInput


def require_text(value: str, *, field: str, max_chars: int) -> str:
    """Trimmed text of 1..max_chars characters."""
    text = value.strip()
    if not text:
        raise BadUserInput(f"{field} must not be empty.")
    if len(text) > max_chars:
        raise BadUserInput(f"{field} must be at most {max_chars} characters.")
    return text
