"""Persisted operations: Apollo's persisted-query extension against a manifest of allowed ones.

A request names its operation by ``extensions.persistedQuery.sha256Hash`` (hex SHA-256 of the
operation text), with or without the text. The manifest is Apollo's persisted query manifest
(what ``@apollo/generate-persisted-query-manifest`` writes)::

    {"format": "apollo-persisted-query-manifest", "version": 1,
     "operations": [{"id": "<sha256 hex of body>", "name": "MyCircles",
                     "type": "query", "body": "query MyCircles { ... }"}]}

With CIP_PERSISTED_ONLY on, an operation whose hash is not in the manifest is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from subgraph.settings import ConfigError

MANIFEST_FORMAT = "apollo-persisted-query-manifest"


class Refused(Exception):
    """A request refused before parsing; answered as BAD_USER_INPUT with ``message``."""

    def __init__(self, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def load_manifest(path: Path) -> dict[str, str]:
    """hash -> operation text; ConfigError (one line) for anything malformed."""
    name = "CIP_PERSISTED_MANIFEST"
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{name} {path} is not readable JSON") from exc
    if not isinstance(raw, dict) or raw.get("format") != MANIFEST_FORMAT:
        raise ConfigError(f'{name} must be an object with "format": "{MANIFEST_FORMAT}"')
    operations = raw.get("operations")
    if not isinstance(operations, list):
        raise ConfigError(f'{name} needs an "operations" list')
    allowed: dict[str, str] = {}
    for entry in operations:
        body = entry.get("body") if isinstance(entry, dict) else None
        op_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(body, str) or not isinstance(op_id, str):
            raise ConfigError(f'{name}: every operation needs a string "id" and "body"')
        if sha256_hex(body) != op_id.lower():
            raise ConfigError(f"{name}: operation {op_id[:12]}... has an id that is not its hash")
        allowed[op_id.lower()] = body
    return allowed


@dataclass(frozen=True)
class PersistedOperations:
    manifest: Mapping[str, str]
    only: bool


def resolve(item: Mapping[str, Any], persisted: PersistedOperations | None) -> dict[str, Any]:
    """Check one operation of a request (a JSON object) against the persisted-operation rules."""
    out = dict(item)
    extensions = item.get("extensions")
    pq = extensions.get("persistedQuery") if isinstance(extensions, Mapping) else None
    digest = pq.get("sha256Hash") if isinstance(pq, Mapping) else None
    if pq is not None and not isinstance(digest, str):
        raise Refused("extensions.persistedQuery needs a sha256Hash string.")
    digest = digest.lower() if isinstance(digest, str) else None
    query = item.get("query")
    if isinstance(query, str) and query and digest is not None and sha256_hex(query) != digest:
        raise Refused("The persisted operation's sha256Hash does not match its query.")
    if persisted is None:
        if digest is not None and not query:
            raise Refused("Persisted operations are not enabled here; send the query text.")
        return out
    if digest is not None and not query:
        text = persisted.manifest.get(digest)
        if text is None:
            raise Refused("This persisted operation is not known here.")
        out["query"] = text
    if persisted.only:
        known = digest or (sha256_hex(query) if isinstance(query, str) else None)
        if known is None or known not in persisted.manifest:
            raise Refused("Only persisted operations are accepted here; this one is not listed.")
    return out
