"""Resources matching an escalation route, from the resource directory (CareResource rows)."""

from __future__ import annotations

from dataclasses import dataclass

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
        .values("id", "name", "kind", "contact", "description", "neighborhood")
    )
    facts = [
        ResourceFacts(
            id=str(r["id"]),
            name=r["name"],
            kind=r["kind"],
            contact=r["contact"],
            description=r["description"],
            neighborhood=r["neighborhood"],
        )
        for r in rows
    ]
    # Local first: stable sort keeps the name order within each group.
    return sorted(facts, key=lambda f: f.neighborhood is None)
