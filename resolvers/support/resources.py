"""The resource directory: real help beyond CIP, readable by every member.

A neighbourhood's coordinators keep its entries; global entries (no neighbourhood) belong to
coordinators whose token acts for every neighbourhood ("*"). The coordinator scope itself is
carried by the mutations' @requiresScopes (enforced by the DirectiveGuard). A coordinator
who may not manage an entry gets NOT_FOUND for it, like an unknown id.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q

from auth.viewer import ALL_NEIGHBORHOODS, NOT_THIS_NEIGHBORHOOD
from models.errors import Forbidden, NotFound
from models.support import CareResource
from resolvers import input_rules
from resolvers.request import CareContext
from resolvers.support.resources_lookup import (
    FIELDS,
    ResourceFacts,
    ResourceKind,
    local_first,
    to_facts,
)

NAME_MAX = 200
CONTACT_MAX = 500
DESCRIPTION_MAX = 2_000


@dataclass(frozen=True)
class ResourceDraft:
    name: str
    kind: ResourceKind
    contact: str
    description: str | None
    neighborhood: str | None


def clean_draft(draft: ResourceDraft) -> ResourceDraft:
    """BAD_USER_INPUT for empty or oversized fields, before anything is written."""
    return ResourceDraft(
        name=input_rules.text(draft.name, "name", NAME_MAX),
        kind=draft.kind,
        contact=input_rules.text(draft.contact, "contact", CONTACT_MAX),
        description=input_rules.optional_text(
            draft.description, "description", DESCRIPTION_MAX, blank_is_none=True
        ),
        neighborhood=(
            None if draft.neighborhood is None else input_rules.neighborhood(draft.neighborhood)
        ),
    )


async def directory(neighborhood: str | None) -> list[ResourceFacts]:
    """The neighbourhood's own entries first, then global ones; global only for None."""
    where = Q(neighborhood__isnull=True)
    if neighborhood is not None:
        where = where | Q(neighborhood=input_rules.neighborhood(neighborhood))
    rows = await CareResource.filter(where).order_by("name").values(*FIELDS)
    return local_first([to_facts(r) for r in rows])


async def add(ctx: CareContext, draft: ResourceDraft) -> ResourceFacts:
    clean = clean_draft(draft)
    if clean.neighborhood is None and ALL_NEIGHBORHOODS not in ctx.viewer.neighborhoods:
        raise Forbidden(
            "Global resources are kept by coordinators of every neighbourhood: a token whose "
            '`nbh` claim holds "*".'
        )
    if clean.neighborhood is not None and not ctx.viewer.coordinates(clean.neighborhood):
        raise Forbidden(NOT_THIS_NEIGHBORHOOD)
    row = await CareResource.create(
        name=clean.name,
        kind=clean.kind,
        contact=clean.contact,
        description=clean.description,
        neighborhood=clean.neighborhood,
    )
    return ResourceFacts(
        str(row.id), clean.name, clean.kind, clean.contact, clean.description, clean.neighborhood
    )


def _managed_by(ctx: CareContext) -> Q:
    """Entries the viewer may manage, folded into the lookup."""
    if ALL_NEIGHBORHOODS in ctx.viewer.neighborhoods:
        return Q()
    return Q(neighborhood__in=sorted(ctx.viewer.neighborhoods))


async def remove(ctx: CareContext, resource_id: str) -> bool:
    rid = input_rules.parse_id(resource_id)
    if rid is None:
        raise NotFound()
    deleted = await CareResource.filter(_managed_by(ctx), id=rid).delete()
    if not deleted:
        raise NotFound()
    return True
