"""Sealing a circle's texts: the circle's data key, the table names in each text's AAD."""

from __future__ import annotations

import uuid

from models.sealing import Sealer, owner_of, row_aad

CIRCLE = "cip_circle"
MEMBER = "cip_circle_member"
UPDATE = "cip_circle_update"
SLOT = "cip_rota_slot"


def key_owner(circle_id: uuid.UUID) -> str:
    return owner_of("circle", circle_id)


async def seal(
    sealer: Sealer, circle_id: uuid.UUID, table: str, row_id: uuid.UUID, field: str, text: str
) -> bytes:
    return await sealer.seal(key_owner(circle_id), row_aad(table, row_id, field), text)


async def unseal(
    sealer: Sealer, circle_id: uuid.UUID, table: str, row_id: uuid.UUID, field: str, blob: bytes
) -> str:
    return await sealer.open(key_owner(circle_id), row_aad(table, row_id, field), blob)
