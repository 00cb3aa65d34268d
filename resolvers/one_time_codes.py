"""One-time codes (circle invites, repair invites, hold transfers): random, single use, valid
seven days; only their hash is stored.

``redeem`` is the one way a code is used. Every refusal (a malformed, unknown, expired or
spent code, or one this caller may not use) answers INVITE_INVALID alike, and a refusal never
spends the code: the code is deleted in the same transaction as the work it pays for, so any
error rolls the deletion back and the code's rightful holder can still use it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tortoise.models import Model
from tortoise.transactions import in_transaction

from models.errors import InviteInvalid
from models.pseudonym import code_hash
from resolvers import input_rules

CODE_TTL_DAYS = 7
CODE_BYTES = 24  # 192 bits of randomness


R = TypeVar("R", bound=Model)  # a code table: code_hash (the key) and expires_on
T = TypeVar("T")


@dataclass(frozen=True)
class Issued:
    code: str  # shown once, to the caller who asked for it
    hashed: str  # what is stored
    expires_on: dt.date


def new_code() -> tuple[str, str]:
    """A fresh code and the hash that is stored in its place."""
    code = secrets.token_urlsafe(CODE_BYTES)
    return code, code_hash(code)


def expires_on(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=CODE_TTL_DAYS)


def issue(today: dt.date) -> Issued:
    code, hashed = new_code()
    return Issued(code=code, hashed=hashed, expires_on=expires_on(today))


def usable(expires: dt.date, today: dt.date) -> bool:
    """A code is usable up to the day before its expiresOn day."""
    return today < expires


def hash_of(code: str) -> str | None:
    """The stored form to look up (of the trimmed code), or None for input that cannot be a
    code of ours."""
    value = input_rules.code(code)
    return None if value is None else code_hash(value)


async def redeem(
    table: type[R],
    raw_code: str,
    today: dt.date,
    *,
    related: str,
    may_use: Callable[[R], Awaitable[bool]],
    use: Callable[[R], Awaitable[T]],
) -> T:
    """Spend the code in ``table`` and do ``use`` with its row (the object it is for loaded as
    ``related``), all in one transaction; ``use``'s answer is the answer.

    ``may_use`` says whether this caller may use a live code; when it says no the caller is
    answered like an unknown code. One lookup (a join) whatever the code, so a code this caller
    cannot use costs what an unknown one does.
    """
    hashed = hash_of(raw_code)
    if hashed is not None:
        # This code, if found past its day, is spent by time: forget it. Only this one: the
        # others are deleted by the expiry purge (resolvers/expiry.py); no request does
        # global work. The same one statement whether the code exists or not.
        await table.filter(code_hash=hashed, expires_on__lte=today).delete()
    async with in_transaction("default"):
        row = None
        if hashed is not None:
            row = await table.filter(code_hash=hashed).select_related(related).first()
        if row is None or not usable(_expiry(row), today) or not await may_use(row):
            raise InviteInvalid()
        # Single use: whoever deletes the row uses the code; a failure in ``use`` rolls it back.
        if not await table.filter(code_hash=hashed, expires_on__gt=today).delete():
            raise InviteInvalid()
        return await use(row)


def _expiry(row: Model) -> dt.date:
    expires: dt.date = getattr(row, "expires_on")  # noqa: B009 - every code table has it
    return expires
