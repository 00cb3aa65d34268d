"""What CIP is not: careScope."""

from __future__ import annotations

import strawberry

from resolvers.care_scope import CareScopeFacts, care_scope
from schema.fields import public_field


@strawberry.type(
    description=(
        "What CIP can and cannot hold. CIP is not therapy, not crisis intervention, not "
        "clinical care and not a replacement for professional support."
    )
)
class CareScope:
    is_not: list[str] = strawberry.field(
        description="Statements of what CIP is not (not therapy, not crisis intervention, "
        "not clinical care, not a replacement for professional support)."
    )
    can_hold: list[str]
    cannot_hold: list[str]

    @classmethod
    def from_facts(cls, facts: CareScopeFacts) -> CareScope:
        return cls(
            is_not=list(facts.is_not),
            can_hold=list(facts.can_hold),
            cannot_hold=list(facts.cannot_hold),
        )


def resolve_care_scope() -> CareScope:
    return CareScope.from_facts(care_scope())


@strawberry.type
class ScopeQuery:
    care_scope: CareScope = public_field(
        resolve_care_scope,
        description="Public, readable without a token: what CIP is and is not. CIP is not "
        "therapy, crisis intervention or clinical care.",
    )
