"""The one field extension that enforces what a field's directives declare.

``@authenticated`` means a verified token; ``@requiresScopes`` means one of its scope sets;
an AI-layer client (``cip:aggregate:read`` only) may read nothing but ``@aggregateOnly`` fields
and public ones. Rules are decided by ``authorize``, a pure function.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.federation.schema_directives import Authenticated, RequiresScopes
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from auth.directives import AggregateOnly
from auth.viewer import Viewer
from models.errors import Forbidden, Unauthenticated


@dataclass(frozen=True)
class FieldRule:
    authenticated: bool = False
    scope_sets: tuple[frozenset[str], ...] = ()
    min_cell: int | None = None

    @property
    def public(self) -> bool:
        return not self.authenticated and not self.scope_sets


def rule_for(directives: Iterable[object]) -> FieldRule:
    authenticated = False
    scope_sets: tuple[frozenset[str], ...] = ()
    min_cell: int | None = None
    for directive in directives:
        if isinstance(directive, Authenticated):
            authenticated = True
        elif isinstance(directive, RequiresScopes):
            scope_sets = tuple(frozenset(s) for s in directive.scopes)
        elif isinstance(directive, AggregateOnly):
            min_cell = directive.min_cell
    return FieldRule(authenticated=authenticated, scope_sets=scope_sets, min_cell=min_cell)


def authorize(viewer: Viewer, rule: FieldRule) -> None:
    """Raise Unauthenticated or Forbidden when ``viewer`` may not resolve a field with ``rule``."""
    if rule.public:
        return
    if not viewer.authenticated:
        raise Unauthenticated()
    if rule.scope_sets and not any(s <= viewer.scopes for s in rule.scope_sets):
        raise Forbidden()
    if viewer.is_aggregate_client and rule.min_cell is None:
        raise Forbidden("AI-layer clients may read aggregate fields only.")


class DirectiveGuard(FieldExtension):
    """Put on root fields: reads the field's directives once, checks every call."""

    rule: FieldRule

    def apply(self, field: StrawberryField) -> None:
        self.rule = rule_for(field.directives)

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        authorize(info.context.viewer, self.rule)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        authorize(info.context.viewer, self.rule)
        return await next_(source, info, **kwargs)
