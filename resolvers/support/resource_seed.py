"""Seeding the global resource directory from an operator-edited JSON file."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tortoise.transactions import in_transaction

from models.errors import BadUserInput
from models.support import CareResource
from resolvers import input_rules
from resolvers.support import resources
from resolvers.support.resources_lookup import ResourceKind

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "models" / "data" / "resources.default.json"
RESOURCE_KINDS = tuple(ResourceKind)
PLACEHOLDER = "REPLACE-ME"


class ResourceFileError(Exception):
    """The file cannot be seeded; the message names the entry and what to fix."""


@dataclass(frozen=True)
class SeedEntry:
    name: str
    kind: ResourceKind
    contact: str
    description: str | None


def parse_resource_file(text: str, *, source: str = "resources file") -> list[SeedEntry]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResourceFileError(f"{source} is not valid JSON (line {exc.lineno})") from exc
    items = document.get("resources") if isinstance(document, dict) else None
    if not isinstance(items, list) or not items:
        raise ResourceFileError(f'{source} needs a non-empty "resources" list')
    entries = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ResourceFileError(f"{source}: entry {i} is not an object")
        name, kind, contact = item.get("name"), item.get("kind"), item.get("contact")
        description = item.get("description")
        name = _text(name, "name", resources.NAME_MAX, f"{source}: entry {i}")
        if kind not in RESOURCE_KINDS:
            raise ResourceFileError(
                f"{source}: entry {i} ({name}) has kind {kind!r}; use one of "
                + ", ".join(RESOURCE_KINDS)
            )
        where = f"{source}: entry {i} ({name})"
        contact = _text(contact, "contact", resources.CONTACT_MAX, where)
        if description is not None and not isinstance(description, str):
            raise ResourceFileError(f"{where} description must be text")
        try:
            description = input_rules.optional_text(
                description, "description", resources.DESCRIPTION_MAX, blank_is_none=True
            )
        except BadUserInput as exc:
            raise ResourceFileError(f"{where}: {exc}") from exc
        entries.append(SeedEntry(name, ResourceKind(kind), contact, description))
    return entries


def _text(value: object, field: str, limit: int, where: str) -> str:
    """The API's own rule for the field (resolvers/input_rules.py), said as a file error."""
    if not isinstance(value, str):
        raise ResourceFileError(f"{where} needs a {field}")
    try:
        return input_rules.text(value, field, limit)
    except BadUserInput as exc:
        raise ResourceFileError(f"{where} needs a {field}: {exc}") from exc


def placeholders(entries: list[SeedEntry]) -> list[str]:
    """Names of entries whose contact still says REPLACE-ME."""
    return [e.name for e in entries if PLACEHOLDER in e.contact]


async def seed_global(
    entries: list[SeedEntry], progress: Callable[[str], None] | None = None
) -> tuple[int, int]:
    """Insert global entries, replacing global entries of the same name. (added, replaced)."""
    added = replaced = 0
    async with in_transaction("default"):
        for entry in entries:
            fields = {
                "kind": entry.kind,
                "contact": entry.contact,
                "description": entry.description,
            }
            updated = await CareResource.filter(neighborhood=None, name=entry.name).update(**fields)
            if updated:
                replaced += 1
            else:
                await CareResource.create(
                    neighborhood=None,
                    name=entry.name,
                    kind=entry.kind,
                    contact=entry.contact,
                    description=entry.description,
                )
                added += 1
            if progress is not None:
                progress(f"{entry.kind:<18} {entry.name}")
    return added, replaced
