"""Resources matching an escalation route, from the resource directory (CareResource rows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q

from models.support import CareResource

ROUTE_KINDS: dict[str, tuple[str, ...]] = {
    "STEWARD_EMERGENCY": ("CRISIS_LINE", "DOMESTIC_VIOLENCE"),
    "EXTERNAL_SERVICES": (
        "CLINICAL",
        "MENTAL_HEALTH",
        "DOMESTIC_VIOLENCE",
        "HOUSING",
        "LEGAL",
        "GRIEF",
    ),
    "GOVERNANCE": ("OTHER",),
}


@dataclass(frozen=True)
class ResourceFacts:
    id: str
    name: str
    kind: str
    contact: str
    description: str | None
    neighborhood: str | None


FIELDS = ("id", "name", "kind", "contact", "description", "neighborhood")


def to_facts(row: dict[str, Any]) -> ResourceFacts:
    """A CareResource row read with ``.values(*FIELDS)``."""
    return ResourceFacts(
        id=str(row["id"]),
        name=row["name"],
        kind=row["kind"],
        contact=row["contact"],
        description=row["description"],
        neighborhood=row["neighborhood"],
    )


def local_first(facts: list[ResourceFacts]) -> list[ResourceFacts]:
    """The neighbourhood's own entries before global ones; a stable sort keeps name order."""
    return sorted(facts, key=lambda f: f.neighborhood is None)


async def resources_for_route(neighborhood: str, route: str) -> list[ResourceFacts]:
    """The neighbourhood's own resources of the route's kinds first, then global ones."""
    kinds = ROUTE_KINDS.get(route)
    if not kinds:
        return []
    rows = (
        await CareResource.filter(
            Q(neighborhood=neighborhood) | Q(neighborhood__isnull=True), kind__in=kinds
        )
        .order_by("name")
        .values(*FIELDS)
    )
    return local_first([to_facts(r) for r in rows])
