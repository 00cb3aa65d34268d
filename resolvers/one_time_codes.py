"""Transfer and invite codes: random, single use, valid seven days; only their hash is stored."""

from __future__ import annotations

import datetime as dt
import secrets

from models.pseudonym import code_hash

CODE_TTL_DAYS = 7
CODE_BYTES = 24  # 192 bits of randomness
CODE_MAX_LENGTH = 128  # longer input cannot be a code of ours


def new_code() -> tuple[str, str]:
    """A fresh code and the hash that is stored in its place."""
    code = secrets.token_urlsafe(CODE_BYTES)
    return code, code_hash(code)


def expires_on(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=CODE_TTL_DAYS)


def usable(expires: dt.date, today: dt.date) -> bool:
    """A code is usable up to the day before its expiresOn day."""
    return today < expires


def hash_of(code: str) -> str | None:
    """The stored form to look up, or None for input that cannot be a code."""
    if not code or len(code) > CODE_MAX_LENGTH:
        return None
    return code_hash(code)
