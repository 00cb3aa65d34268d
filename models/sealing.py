"""Sealed text: AES-GCM under a data key per owning object, data keys wrapped by the master key.

Each ciphertext is bound to its row and field through the authenticated data, so a ciphertext
moved to another row or field fails to open. ``shred(owner)`` deletes the wrapped data key:
whatever ciphertext of that owner survives anywhere (a backup, a dump) is unreadable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models import statements
from models.clock import Clock
from models.keystore import DataKey

NONCE_BYTES = 12
KEY_BYTES = 32


# Every page read opens its keys with this one statement (models/statements.py).
KEYS = "SELECT owner, wrapped FROM cip_data_key WHERE owner IN ({ids})"


def keystore_connection() -> str:
    """The name of the connection holding the key table (CIP_KEYSTORE_URL or the default)."""
    return str(DataKey._meta.default_connection)


class SealError(Exception):
    """A ciphertext that cannot be opened: wrong row, tampered, or its key was shredded."""


def owner_of(kind: str, object_id: uuid.UUID | str) -> str:
    return f"{kind}:{object_id}"


def row_aad(table: str, row_id: uuid.UUID | str, field: str) -> bytes:
    return f"{table}|{row_id}|{field}".encode()


def _aead(key: bytes | AESGCM) -> AESGCM:
    return key if isinstance(key, AESGCM) else AESGCM(key)


def _encrypt(key: bytes | AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _aead(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes | AESGCM, blob: bytes, aad: bytes) -> bytes:
    """Open a nonce-prefixed AES-GCM blob bound to ``aad``; SealError when it does not open."""
    return _decrypt(_aead(key), blob, aad)


def _decrypt(aead: AESGCM, blob: bytes, aad: bytes) -> bytes:
    if len(blob) <= NONCE_BYTES:
        raise SealError("ciphertext too short")
    try:
        return aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag as exc:
        raise SealError("ciphertext does not open") from exc


def wrap_key(master_key: bytes | AESGCM, owner: str, data_key: bytes) -> bytes:
    return _encrypt(master_key, data_key, b"cip-data-key|" + owner.encode())


def unwrap_key(master_key: bytes | AESGCM, owner: str, wrapped: bytes) -> bytes:
    return decrypt(master_key, wrapped, b"cip-data-key|" + owner.encode())


class Sealer:
    """Seals and opens text for owners. Make one per request: it caches unwrapped keys."""

    def __init__(self, master_key: bytes, clock: Clock) -> None:
        if len(master_key) != KEY_BYTES:
            raise ValueError("the master key must be 32 bytes")
        self._master = AESGCM(master_key)
        self._clock = clock
        # Unwrapped data keys, ready to use (a page opens a hundred texts under a few keys).
        self._keys: dict[str, AESGCM] = {}

    async def create_key(self, owner: str) -> None:
        data_key = AESGCM.generate_key(bit_length=256)
        await DataKey.create(
            owner=owner,
            wrapped=wrap_key(self._master, owner, data_key),
            created_on=self._clock.today(),
        )
        self._keys[owner] = AESGCM(data_key)

    async def _key(self, owner: str) -> AESGCM:
        key = self._keys.get(owner)
        if key is None:
            row = await DataKey.get_or_none(owner=owner)
            if row is None:
                raise SealError("no data key for this owner")
            key = AESGCM(unwrap_key(self._master, owner, bytes(row.wrapped)))
            self._keys[owner] = key
        return key

    async def preload(self, owners: list[str]) -> None:
        """Unwrap the keys of many owners with one query (lists)."""
        missing = [o for o in owners if o not in self._keys]
        if not missing:
            return
        rows = await statements.select(KEYS, missing, connection=keystore_connection())
        for row in rows:
            owner, wrapped = row["owner"], bytes(row["wrapped"])
            self._keys[owner] = AESGCM(unwrap_key(self._master, owner, wrapped))

    async def seal(self, owner: str, aad: bytes, text: str) -> bytes:
        return _encrypt(await self._key(owner), text.encode(), aad)

    async def open(self, owner: str, aad: bytes, blob: bytes) -> str:
        return decrypt(await self._key(owner), bytes(blob), aad).decode()

    def opener(self, owner: str) -> Callable[[bytes, bytes], str]:
        """``open`` for an owner whose key ``preload`` has looked up, without an await and
        with the key looked up once (a page opens a circle's names and updates under one
        key): ``opener(owner)(aad, blob)``. A key that preload did not find does not exist
        (or was shredded since): each text answers SealError, as ``open`` does."""
        key = self._keys.get(owner)

        def open_text(aad: bytes, blob: bytes) -> str:
            if key is None:
                raise SealError("no data key for this owner")
            return _decrypt(key, bytes(blob), aad).decode()

        return open_text

    async def shred(self, owner: str) -> None:
        self._keys.pop(owner, None)
        await DataKey.filter(owner=owner).delete()
