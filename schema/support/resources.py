"""Care resources (the directory of real help beyond CIP): the type and its kinds."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.request import CareContext
from resolvers.support import resources
from resolvers.support.resources_lookup import ResourceFacts, ResourceKind
from schema.fields import coordinator_mutation, member_field


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
            kind=facts.kind,
            contact=facts.contact,
            description=facts.description,
            neighborhood=strawberry.ID(facts.neighborhood) if facts.neighborhood else None,
        )


@strawberry.input(description="A resource for the directory; neighborhood null for a global one.")
class ResourceInput:
    name: str
    kind: ResourceKind
    contact: str
    # UNSET (omitted) keeps the SDL without defaults, as the contract has it; it means null.
    description: str | None = strawberry.UNSET
    neighborhood: strawberry.ID | None = strawberry.UNSET

    def to_draft(self) -> resources.ResourceDraft:
        description = self.description if isinstance(self.description, str) else None
        nbh = self.neighborhood
        return resources.ResourceDraft(
            name=self.name,
            kind=self.kind,
            contact=self.contact,
            description=description,
            neighborhood=str(nbh) if isinstance(nbh, str) else None,
        )


async def resolve_resources(
    # UNSET keeps the SDL's argument without a default, as the contract has it.
    neighborhood: strawberry.ID | None = strawberry.UNSET,
) -> list[CareResource]:
    nbh = None if neighborhood is None or neighborhood is strawberry.UNSET else str(neighborhood)
    return [CareResource.from_facts(f) for f in await resources.directory(nbh)]


async def resolve_add_resource(info: Info[CareContext, None], input: ResourceInput) -> CareResource:
    return CareResource.from_facts(await resources.add(info.context, input.to_draft()))


async def resolve_remove_resource(info: Info[CareContext, None], id: strawberry.ID) -> bool:
    return await resources.remove(info.context, str(id))


@strawberry.type
class ResourceQuery:
    resources: list[CareResource] = member_field(
        resolve_resources,
        description="Real help beyond CIP, which is not clinical or crisis care: the "
        "neighbourhood's resources first, then those open to everyone.",
    )


@strawberry.type
class ResourceMutation:
    add_resource: CareResource = coordinator_mutation(
        resolve_add_resource,
        description="Coordinators of the neighbourhood add a resource; a global one (no "
        "neighbourhood) needs a token acting for every neighbourhood.",
    )
    remove_resource: bool = coordinator_mutation(
        resolve_remove_resource,
        description="Coordinators remove a resource they keep.",
    )
