"""Pseudonyms: the only form in which a member is ever stored."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(key: bytes, iss: str, sub: str) -> str:
    """HMAC-SHA256(key, iss|sub) in hex. Not reversible and not joinable without the key."""
    return hmac.new(key, f"{iss}|{sub}".encode(), hashlib.sha256).hexdigest()


def code_hash(code: str) -> str:
    """What is stored of an invite or transfer code: its SHA-256."""
    return hashlib.sha256(code.encode()).hexdigest()
