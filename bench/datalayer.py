"""The data layer alone: the statements one circle(id) request sends, with the same SQL and
values, through CIP's path (``models.statements``: Tortoise's client and its driver, with
CIP's SQLite engine) and through the raw endpoint's (``bench.raw``'s bare driver). Nothing
else: no HTTP, no GraphQL, no sealing; rows come back as dicts on both paths.

``cip bench instructions`` measures it as the scenario ``circle(id) data layer``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from models import statements
from models.sealing import KEYS, keystore_connection, owner_of
from resolvers.circles import statements as circle_sql
from resolvers.circles.sealing import key_owner

NAME = "circle(id) data layer"
FIRST = 20  # updates(first: 20), as the scenarios ask


@dataclass(frozen=True)
class Statement:
    sql: str
    ids: Sequence[Any]
    params: Sequence[Any]
    keystore: bool = False  # the key table's connection (CIP_KEYSTORE_URL)


def circle_statements(member: str, circle_id: uuid.UUID, today: dt.date) -> list[Statement]:
    """What reads.circle, members_of and updates_of send for one circle with nothing expired
    (the purge's DELETE runs only when the look before it finds something)."""
    assert key_owner(circle_id) == owner_of("circle", circle_id)
    return [
        Statement(circle_sql.ONE, (), (member, circle_id)),
        Statement(KEYS, (owner_of("circle", circle_id),), (), keystore=True),
        Statement(circle_sql.MEMBERS, (circle_id,), ()),
        Statement(circle_sql.EXPIRED_UPDATES, (circle_id,), (today,)),
        Statement(circle_sql.NEWEST_UPDATES, (circle_id,), (FIRST,)),
    ]


async def through_cip(batch: Sequence[Statement]) -> int:
    """Each statement through ``models.statements.select``; the number of rows read."""
    rows = 0
    for s in batch:
        connection = keystore_connection() if s.keystore else "default"
        rows += len(await statements.select(s.sql, s.ids, s.params, connection=connection))
    return rows


async def through_raw(store: Any, batch: Sequence[Statement]) -> int:
    """Each statement through the raw endpoint's store (bench/raw.py)."""
    rows = 0
    for s in batch:
        rows += len(await store.select(s.sql, s.ids, s.params))
    return rows
