"""The master key's two operations outside requests: the start-up key check and rotation.

Key check: a small wrapped key owned by ``cip:key-check`` is made on first start; every later
start must open it, so an instance given a missing or wrong CIP_MASTER_KEY refuses to start
instead of answering errors for every sealed field.

Rotation re-wraps every data key under a new master key, one transaction per batch, in owner
order. It is idempotent: a key that already opens under the new master key is left as it is,
so an interrupted rotation is finished by running it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.keystore import DataKey
from models.sealing import SealError, unwrap_key, wrap_key

KEY_CHECK_OWNER = "cip:key-check"
DEFAULT_BATCH = 500


class MasterKeyError(Exception):
    """The master key does not fit this database; the message is one line, safe to print."""


async def check_master_key(master: bytes, today: dt.date) -> bool:
    """Raise MasterKeyError unless ``master`` opens this database's keys; True when the
    key-check row was made now (first start)."""
    row = await DataKey.get_or_none(owner=KEY_CHECK_OWNER)
    if row is None:
        # A database sealed before the key check existed: its oldest key must open too.
        other = await DataKey.all().order_by("owner").first()
        if other is not None:
            _must_open(master, other.owner, bytes(other.wrapped))
        elif await _care_is_sealed():
            raise MasterKeyError(
                "the keystore holds no key but the care database holds sealed data; point "
                "CIP_KEYSTORE_URL (or CIP_DATA_DIR) at the keystore it was sealed with"
            )
        try:
            await DataKey.create(
                owner=KEY_CHECK_OWNER,
                wrapped=wrap_key(master, KEY_CHECK_OWNER, AESGCM.generate_key(bit_length=256)),
                created_on=today,
            )
            return True
        except IntegrityError:  # another instance starting at the same moment made it
            row = await DataKey.get(owner=KEY_CHECK_OWNER)
    _must_open(master, KEY_CHECK_OWNER, bytes(row.wrapped))
    return False


SEALED_TABLES = ("cip_circle", "cip_repair_thread", "cip_support_ask", "cip_peer_post")


async def _care_is_sealed() -> bool:
    """True when the care database holds a row whose text needs a data key (a keystore that
    is empty while this is true is the wrong keystore, not a first start)."""
    care = connections.get("default")
    for table in SEALED_TABLES:
        if await care.execute_query_dict(f"SELECT 1 FROM {table} LIMIT 1"):
            return True
    return False


def _must_open(master: bytes, owner: str, wrapped: bytes) -> None:
    try:
        unwrap_key(master, owner, wrapped)
    except SealError as exc:
        raise MasterKeyError(
            "CIP_MASTER_KEY does not open the keys in this database; start with the key they "
            "were sealed under (after `cip rotate-master-key`, the new one)"
        ) from exc


@dataclass
class Rotation:
    rewrapped: int = 0
    already: int = 0  # found under the new key already: an earlier, interrupted run
    batches: int = 0


async def rotate_master_key(
    old: bytes,
    new: bytes,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[Rotation], None] = lambda _: None,
) -> Rotation:
    """Re-wrap every data key from ``old`` to ``new``. A key that opens under neither stops
    the run with MasterKeyError; its batch is rolled back, earlier batches stay rotated."""
    if old == new:
        raise MasterKeyError("the new master key equals the current one; nothing to rotate")
    done = Rotation()
    connection = DataKey._meta.default_connection or "default"
    after = ""
    while True:
        async with in_transaction(connection):
            rows = (
                await DataKey.filter(owner__gt=after)
                .order_by("owner")
                .limit(batch_size)
                .select_for_update()
            )
            if not rows:
                break
            for row in rows:
                wrapped = bytes(row.wrapped)
                try:
                    key = unwrap_key(old, row.owner, wrapped)
                except SealError:
                    try:
                        unwrap_key(new, row.owner, wrapped)
                    except SealError as exc:
                        raise MasterKeyError(
                            "a data key opens under neither the current nor the new master "
                            "key; this batch was left as it was"
                        ) from exc
                    done.already += 1
                    continue
                await DataKey.filter(owner=row.owner).update(wrapped=wrap_key(new, row.owner, key))
                done.rewrapped += 1
            after = rows[-1].owner
        done.batches += 1
        progress(done)
    return done
