"""Root-field helpers: each puts the directives on the field and the one guard that reads them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry

from auth.directives import AggregateOnly
from auth.guard import DirectiveGuard
from auth.rate_guard import RateGuard
from auth.viewer import COORDINATOR


def public_field(resolver: Callable[..., Any], *, description: str | None = None) -> Any:
    """Readable without a token."""
    return strawberry.federation.field(
        resolver=resolver, description=description, extensions=[DirectiveGuard()]
    )


def member_field(resolver: Callable[..., Any], *, description: str | None = None) -> Any:
    """For signed-in members: carries @authenticated."""
    return strawberry.federation.field(
        resolver=resolver,
        description=description,
        authenticated=True,
        extensions=[DirectiveGuard()],
    )


def coordinator_field(resolver: Callable[..., Any], *, description: str | None = None) -> Any:
    """For coordinators (any neighbourhood): @authenticated and @requiresScopes."""
    return strawberry.federation.field(
        resolver=resolver,
        description=description,
        authenticated=True,
        requires_scopes=[[COORDINATOR]],
        extensions=[DirectiveGuard()],
    )


def coordinator_mutation(resolver: Callable[..., Any], *, description: str | None = None) -> Any:
    return strawberry.federation.mutation(
        resolver=resolver,
        description=description,
        authenticated=True,
        requires_scopes=[[COORDINATOR]],
        extensions=[DirectiveGuard(), RateGuard()],
    )


def member_mutation(resolver: Callable[..., Any], *, description: str | None = None) -> Any:
    return strawberry.federation.mutation(
        resolver=resolver,
        description=description,
        authenticated=True,
        extensions=[DirectiveGuard(), RateGuard()],
    )


def aggregate_field(
    resolver: Callable[..., Any],
    *,
    scopes: list[list[str]],
    description: str | None = None,
    min_cell: int = 5,
) -> Any:
    """An aggregate: @requiresScopes and @aggregateOnly, both enforced by the one guard."""
    return strawberry.federation.field(
        resolver=resolver,
        description=description,
        requires_scopes=scopes,
        directives=[AggregateOnly(min_cell=min_cell)],
        extensions=[DirectiveGuard()],
    )
