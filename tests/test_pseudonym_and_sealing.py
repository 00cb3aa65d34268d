from __future__ import annotations

import hashlib
import hmac
import os
import uuid

import pytest

from models.clock import Clock
from models.keystore import DataKey
from models.pseudonym import (
    CAPABILITIES,
    capability_pseudonyms,
    code_hash,
    for_capability,
    pseudonym,
)
from models.sealing import Sealer, SealError, owner_of, row_aad, unwrap_key, wrap_key
from tests.support import LiveServer

KEY = os.urandom(32)
ALICE = ("https://id.example.org/", "alice")


def test_pseudonym_is_stable_keyed_and_hides_the_subject() -> None:
    p = pseudonym(KEY, "https://id.example.org/", "alice")
    assert p == pseudonym(KEY, "https://id.example.org/", "alice")
    assert p != pseudonym(os.urandom(32), "https://id.example.org/", "alice")
    assert p != pseudonym(KEY, "https://other.example.org/", "alice")
    assert p != pseudonym(KEY, "https://id.example.org/", "bob")
    assert "alice" not in p and len(p) == 64


def test_capability_pseudonyms_are_the_stored_scheme_made_when_asked() -> None:
    """What rows store, whether asked for first or never: HMAC-SHA256 of the base pseudonym
    under HMAC-SHA256(key, "cip-capability-pseudonym-v1|" + capability), in hex."""
    base = pseudonym(KEY, "https://id.example.org/", "alice")
    assert base == hmac.new(KEY, b"https://id.example.org/|alice", hashlib.sha256).hexdigest()
    made = capability_pseudonyms(KEY, base)
    assert set(made) == set(CAPABILITIES) and len(made) == len(CAPABILITIES)
    for capability in reversed(CAPABILITIES):
        derived = hmac.new(
            KEY, f"cip-capability-pseudonym-v1|{capability}".encode(), hashlib.sha256
        ).digest()
        expected = hmac.new(derived, base.encode(), hashlib.sha256).hexdigest()
        assert made[capability] == expected == for_capability(KEY, capability, *ALICE)
    assert len(set(made.values())) == len(CAPABILITIES)
    assert made.get("unknown") is None
    with pytest.raises(KeyError):
        made["unknown"]


def test_code_hash_is_not_the_code() -> None:
    assert code_hash("abc") != "abc" and len(code_hash("abc")) == 64


def test_wrapped_keys_are_bound_to_their_owner() -> None:
    data_key = os.urandom(32)
    wrapped = wrap_key(KEY, "circle:1", data_key)
    assert unwrap_key(KEY, "circle:1", wrapped) == data_key
    with pytest.raises(SealError):
        unwrap_key(KEY, "circle:2", wrapped)
    with pytest.raises(SealError):
        unwrap_key(os.urandom(32), "circle:1", wrapped)


def test_seal_round_trip_tamper_swap_and_shred(server: LiveServer) -> None:
    async def scenario() -> None:
        sealer = Sealer(server.settings.master_key, Clock())
        owner = owner_of("circle", uuid.uuid4())
        await sealer.create_key(owner)
        aad = row_aad("cip_circle", "row-1", "focus")
        blob = await sealer.seal(owner, aad, "a hard winter for the Okafors")
        assert b"Okafors" not in blob

        fresh = Sealer(server.settings.master_key, Clock())  # a new request: no cached key
        assert await fresh.open(owner, aad, blob) == "a hard winter for the Okafors"

        tampered = blob[:-1] + bytes([blob[-1] ^ 1])
        with pytest.raises(SealError):
            await fresh.open(owner, aad, tampered)
        with pytest.raises(SealError):  # the same ciphertext moved to another row
            await fresh.open(owner, row_aad("cip_circle", "row-2", "focus"), blob)
        with pytest.raises(SealError):  # or another field
            await fresh.open(owner, row_aad("cip_circle", "row-1", "rhythm"), blob)

        await fresh.shred(owner)
        assert await DataKey.filter(owner=owner).count() == 0
        with pytest.raises(SealError):
            await Sealer(server.settings.master_key, Clock()).open(owner, aad, blob)

    server.run(scenario())


def test_a_preloaded_opener_opens_as_open_does(server: LiveServer) -> None:
    """Sealer.opener (the batched page reads): the same text as ``open``, the same refusals
    for a tampered or moved ciphertext, and SealError for an owner preload did not find."""

    async def scenario() -> None:
        sealer = Sealer(server.settings.master_key, Clock())
        owner, gone = owner_of("circle", uuid.uuid4()), owner_of("circle", uuid.uuid4())
        await sealer.create_key(owner)
        aad = row_aad("cip_circle_update", "row-1", "body")
        blob = await sealer.seal(owner, aad, "soup on Thursday")
        fresh = Sealer(server.settings.master_key, Clock())
        await fresh.preload([owner, gone])
        open_text = fresh.opener(owner)
        assert open_text(aad, blob) == "soup on Thursday" == await fresh.open(owner, aad, blob)
        assert open_text(aad, memoryview(blob)) == "soup on Thursday"  # as drivers give it
        for bad_aad, bad_blob in (
            (aad, blob[:-1] + bytes([blob[-1] ^ 1])),
            (row_aad("cip_circle_update", "row-2", "body"), blob),
            (aad, blob[:12]),
        ):
            with pytest.raises(SealError):
                open_text(bad_aad, bad_blob)
        with pytest.raises(SealError):
            fresh.opener(gone)(aad, blob)

    server.run(scenario())


def test_a_wrong_master_key_cannot_open(server: LiveServer) -> None:
    async def scenario() -> None:
        owner = owner_of("thread", uuid.uuid4())
        sealer = Sealer(server.settings.master_key, Clock())
        await sealer.create_key(owner)
        blob = await sealer.seal(owner, b"aad", "entry")
        with pytest.raises(SealError):
            await Sealer(os.urandom(32), Clock()).open(owner, b"aad", blob)
        await sealer.shred(owner)

    server.run(scenario())
