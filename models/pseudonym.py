"""Pseudonyms: the only form in which a member is ever stored.

A token's ``iss|sub`` becomes the base pseudonym (HMAC-SHA256 under CIP_PSEUDONYM_KEY). The
base pseudonym is never stored: each capability stores its own, an HMAC of the base one under
a key derived from CIP_PSEUDONYM_KEY for that capability, so a dump cannot tell that the same
person is in a circle, a repair thread, an ask and the peer channel. (Existing rows were
re-keyed in place by ``models.db.rekey_pseudonyms``: the capability pseudonym is a function
of the stored base one.) Lookups stay one indexed equality on the capability's column.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping
from functools import lru_cache

CIRCLES = "circles"
REPAIR = "repair"
ASKS_HOLDS = "asks-holds"  # asks and care holds: an ask taken becomes a hold
SUPPORT = "support"  # coordinator support: the well-being check and the peer channel
COUNTS = "coordinator-counts"  # the coordinators' weekly action counts
CAPABILITIES = (CIRCLES, REPAIR, ASKS_HOLDS, SUPPORT, COUNTS)


def pseudonym(key: bytes, iss: str, sub: str) -> str:
    """HMAC-SHA256(key, iss|sub) in hex. Not reversible and not joinable without the key."""
    return hmac.digest(key, f"{iss}|{sub}".encode(), "sha256").hex()


@lru_cache(maxsize=len(CAPABILITIES) * 4)
def capability_key(key: bytes, capability: str) -> bytes:
    """The key of one capability's pseudonyms, derived from CIP_PSEUDONYM_KEY (made once per
    key and capability in a process)."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")
    return hmac.digest(key, f"cip-capability-pseudonym-v1|{capability}".encode(), "sha256")


def rekeyed(derived: bytes, base: str) -> str:
    """The capability pseudonym of a base pseudonym, under the capability's derived key."""
    return hmac.digest(derived, base.encode(), "sha256").hex()


class CapabilityPseudonyms(Mapping[str, str]):
    """Every capability's pseudonym of one base pseudonym, each made the first time it is
    asked for: a request uses one or two of the five."""

    __slots__ = ("_base", "_key", "_made")

    def __init__(self, key: bytes, base: str) -> None:
        self._key = key
        self._base = base
        self._made: dict[str, str] = {}

    def __getitem__(self, capability: str) -> str:
        made = self._made.get(capability)
        if made is None:
            if capability not in CAPABILITIES:
                raise KeyError(capability)
            made = self._made[capability] = rekeyed(
                capability_key(self._key, capability), self._base
            )
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(CAPABILITIES)

    def __len__(self) -> int:
        return len(CAPABILITIES)


def capability_pseudonyms(key: bytes, base: str) -> Mapping[str, str]:
    """Every capability's pseudonym of one base pseudonym, made when first asked for."""
    return CapabilityPseudonyms(key, base)


def for_capability(key: bytes, capability: str, iss: str, sub: str) -> str:
    return rekeyed(capability_key(key, capability), pseudonym(key, iss, sub))


def peer_tag(support_pseudonym: str, post_id: str) -> str:
    """What a peer post keeps to answer ``mine``: a hash of its author's support pseudonym
    and its own id. It differs for every post, so no column ties two posts together or to an
    author; only the author's own request, holding their pseudonym, can recompute it."""
    return hmac.new(
        support_pseudonym.encode(), f"peer-post|{post_id}".encode(), hashlib.sha256
    ).hexdigest()


def code_hash(code: str) -> str:
    """What is stored of an invite or transfer code: its SHA-256."""
    return hashlib.sha256(code.encode()).hexdigest()
