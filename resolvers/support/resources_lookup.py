"""Resources matching an escalation route, from the resource directory (CareResource rows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry
from tortoise.expressions import Q

from models.support import CareResource
from resolvers.enums import CareEnum
from resolvers.repair.rules import Route


@strawberry.enum(description="What kind of help a resource offers.")
class ResourceKind(CareEnum):
    CRISIS_LINE = "CRISIS_LINE"
    CLINICAL = "CLINICAL"
    MENTAL_HEALTH = "MENTAL_HEALTH"
    DOMESTIC_VIOLENCE = "DOMESTIC_VIOLENCE"
    HOUSING = "HOUSING"
    LEGAL = "LEGAL"
    GRIEF = "GRIEF"
    OTHER = "OTHER"


ROUTE_KINDS: dict[Route, tuple[ResourceKind, ...]] = {
    Route.STEWARD_EMERGENCY: (ResourceKind.CRISIS_LINE, ResourceKind.DOMESTIC_VIOLENCE),
    Route.EXTERNAL_SERVICES: (
        ResourceKind.CLINICAL,
        ResourceKind.MENTAL_HEALTH,
        ResourceKind.DOMESTIC_VIOLENCE,
        ResourceKind.HOUSING,
        ResourceKind.LEGAL,
        ResourceKind.GRIEF,
    ),
    Route.GOVERNANCE: (ResourceKind.OTHER,),
}


@dataclass(frozen=True)
class ResourceFacts:
    id: str
    name: str
    kind: ResourceKind
    contact: str
    description: str | None
    neighborhood: str | None


FIELDS = ("id", "name", "kind", "contact", "description", "neighborhood")


def to_facts(row: dict[str, Any]) -> ResourceFacts:
    """A CareResource row read with ``.values(*FIELDS)``."""
    return ResourceFacts(
        id=str(row["id"]),
        name=row["name"],
        kind=ResourceKind(row["kind"]),
        contact=row["contact"],
        description=row["description"],
        neighborhood=row["neighborhood"],
    )


def local_first(facts: list[ResourceFacts]) -> list[ResourceFacts]:
    """The neighbourhood's own entries before global ones; a stable sort keeps name order."""
    return sorted(facts, key=lambda f: f.neighborhood is None)


async def resources_for_route(neighborhood: str, route: Route) -> list[ResourceFacts]:
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
