"""Root-field helpers: each puts the directives on the field and the guards that read them.

Every root field carries the DirectiveGuard; every mutation also carries the RateGuard, told
here whether the mutation redeems a code (tests/test_root_guards.py walks the schema for both).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry

from auth.directives import AggregateOnly
from auth.guard import DirectiveGuard
from auth.rate_guard import RateGuard
from auth.viewer import COORDINATOR

Resolver = Callable[..., Any]


def _root_field(
    resolver: Resolver,
    description: str | None,
    *,
    mutation: bool = False,
    redeems_code: bool = False,
    **directives: Any,
) -> Any:
    # Strawberry runs the last-listed extension first: the DirectiveGuard refuses a caller
    # before the RateGuard counts the attempt.
    extensions: list[Any] = [DirectiveGuard()]
    if mutation:
        extensions.insert(0, RateGuard(redeems_code=redeems_code))
    return strawberry.federation.field(
        resolver=resolver, description=description, extensions=extensions, **directives
    )


def member_subscription(resolver: Resolver, *, description: str | None = None) -> Any:
    """A live stream for signed-in members: @authenticated; subscribing counts against the
    rate limits like a mutation (the DirectiveGuard refuses first)."""
    return strawberry.federation.field(
        resolver=resolver,
        description=description,
        extensions=[RateGuard(), DirectiveGuard()],
        authenticated=True,
        is_subscription=True,
    )


def public_field(resolver: Resolver, *, description: str | None = None) -> Any:
    """Readable without a token."""
    return _root_field(resolver, description)


def member_field(resolver: Resolver, *, description: str | None = None) -> Any:
    """For signed-in members: carries @authenticated."""
    return _root_field(resolver, description, authenticated=True)


def coordinator_field(resolver: Resolver, *, description: str | None = None) -> Any:
    """For coordinators (any neighbourhood): @authenticated and @requiresScopes."""
    return _root_field(resolver, description, authenticated=True, requires_scopes=[[COORDINATOR]])


def coordinator_mutation(
    resolver: Resolver, *, description: str | None = None, redeems_code: bool = False
) -> Any:
    """A coordinator's mutation; ``redeems_code`` when it takes an invite or transfer code."""
    return _root_field(
        resolver,
        description,
        mutation=True,
        redeems_code=redeems_code,
        authenticated=True,
        requires_scopes=[[COORDINATOR]],
    )


def member_mutation(
    resolver: Resolver, *, description: str | None = None, redeems_code: bool = False
) -> Any:
    """A signed-in member's mutation; ``redeems_code`` when it takes an invite code."""
    return _root_field(
        resolver, description, mutation=True, redeems_code=redeems_code, authenticated=True
    )


def aggregate_field(
    resolver: Resolver,
    *,
    scopes: list[list[str]],
    description: str | None = None,
    min_cell: int = 5,
) -> Any:
    """An aggregate: @requiresScopes and @aggregateOnly, both enforced by the one guard."""
    return _root_field(
        resolver,
        description,
        requires_scopes=scopes,
        directives=[AggregateOnly(min_cell=min_cell)],
    )
