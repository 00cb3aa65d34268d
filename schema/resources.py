"""Care resources (the directory of real help beyond CIP): the type and its kinds."""

from __future__ import annotations

import enum

import strawberry

from resolvers.resources_lookup import ResourceFacts


@strawberry.enum(description="What kind of help a resource offers.")
class ResourceKind(enum.Enum):
    CRISIS_LINE = "CRISIS_LINE"
    CLINICAL = "CLINICAL"
    MENTAL_HEALTH = "MENTAL_HEALTH"
    DOMESTIC_VIOLENCE = "DOMESTIC_VIOLENCE"
    HOUSING = "HOUSING"
    LEGAL = "LEGAL"
    GRIEF = "GRIEF"
    OTHER = "OTHER"


@strawberry.type(description="A source of help outside CIP: a line, a service, a place.")
class CareResource:
    id: strawberry.ID
    name: str
    kind: ResourceKind
    contact: str
    description: str | None
    neighborhood: strawberry.ID | None = strawberry.field(
        description="The neighbourhood it serves; null for a resource open to everyone."
    )

    @classmethod
    def from_facts(cls, facts: ResourceFacts) -> CareResource:
        return cls(
            id=strawberry.ID(facts.id),
            name=facts.name,
            kind=ResourceKind(facts.kind),
            contact=facts.contact,
            description=facts.description,
            neighborhood=strawberry.ID(facts.neighborhood) if facts.neighborhood else None,
        )
