"""The one field extension that enforces what a field's directives declare.

``@authenticated`` means a verified token; ``@requiresScopes`` means one of its scope sets;
an AI-layer client (``cip:aggregate:read`` only) may read nothing but ``@aggregateOnly`` fields
and public ones. On an ``@aggregateOnly`` field the token's ``nbh`` must also cover the
``neighborhood`` argument (or every id of a ``neighborhoods`` list), and the result's counts
are shown by the caller's class (``auth/privacy.py``): exact with the coordinator floor, or
rounded with the AI-layer floor, never below the directive's ``minCell``. Rules are decided by
``authorize`` and ``cell_policy``, pure functions.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.federation.schema_directives import Authenticated, RequiresScopes
from strawberry.types import Info
from strawberry.types.field import StrawberryField
from strawberry.types.unset import UNSET

from auth.directives import AggregateOnly
from auth.privacy import CellPolicy, release_tree
from auth.viewer import NOT_THIS_NEIGHBORHOOD, Viewer
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


def field_neighborhoods(arguments: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The neighbourhoods a field's arguments name; None when they name none (or a null list)."""
    if arguments.get("neighborhood") is not None:
        return (str(arguments["neighborhood"]),)
    listed = arguments.get("neighborhoods")
    if listed is None or listed is UNSET:
        return None
    return tuple(str(n) for n in listed)


def missing_scope_message(scope_sets: Iterable[frozenset[str]]) -> str:
    """FORBIDDEN's message for a token without the scope a field needs: names the scope."""
    options = [" and ".join(sorted(s)) for s in scope_sets]
    needed = " or ".join(options)
    noun = "scope" if all(len(s) == 1 for s in scope_sets) else "scopes"
    return f"This field needs the {noun} {needed} in your token's `scope` claim."


def authorize(viewer: Viewer, rule: FieldRule, neighborhoods: Iterable[str] | None = None) -> None:
    """Raise Unauthenticated or Forbidden when ``viewer`` may not resolve a field with ``rule``.

    ``neighborhoods`` are those the field's arguments name; on an aggregate field the token
    must act for each of them.
    """
    if rule.public:
        return
    if not viewer.authenticated:
        raise Unauthenticated()
    if rule.scope_sets and not any(s <= viewer.scopes for s in rule.scope_sets):
        raise Forbidden(missing_scope_message(rule.scope_sets))
    if viewer.is_aggregate_client and rule.min_cell is None:
        raise Forbidden(
            "AI-layer clients (scope cip:aggregate:read without cip:coordinator) may read "
            "aggregate fields only."
        )
    if rule.min_cell is not None and neighborhoods is not None:
        if not all(viewer.acts_for(n) for n in neighborhoods):
            raise Forbidden(NOT_THIS_NEIGHBORHOOD)


def cell_policy(
    viewer: Viewer,
    rule: FieldRule,
    *,
    min_cell_coordinator: int,
    min_cell_ai: int,
) -> CellPolicy:
    """How an authorized caller sees counts: settings may raise the directive's floor, never
    lower it. Coordinators and everyone else (AI-layer clients) read the same published
    counts with their own floors."""
    floor = rule.min_cell or 0
    if viewer.is_coordinator:
        return CellPolicy(min_cell=max(floor, min_cell_coordinator))
    return CellPolicy(min_cell=max(floor, min_cell_ai))


def _cells(info: Info, rule: FieldRule) -> CellPolicy:
    policy = info.context.policy
    return cell_policy(
        info.context.viewer,
        rule,
        min_cell_coordinator=policy.min_cell_coordinator,
        min_cell_ai=policy.min_cell_ai,
    )


async def awaited(result: Any) -> Any:
    """A resolver's value: awaited, unless it is a subscription's async generator."""
    return await result if inspect.isawaitable(result) else result


class DirectiveGuard(FieldExtension):
    """Put on root fields: reads the field's directives once, checks every call."""

    rule: FieldRule

    def apply(self, field: StrawberryField) -> None:
        self.rule = rule_for(field.directives)

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        authorize(info.context.viewer, self.rule, field_neighborhoods(kwargs))
        result = next_(source, info, **kwargs)
        if self.rule.min_cell is not None:
            release_tree(result, _cells(info, self.rule))
        return result

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        authorize(info.context.viewer, self.rule, field_neighborhoods(kwargs))
        result = await awaited(next_(source, info, **kwargs))
        if self.rule.min_cell is not None:
            release_tree(result, _cells(info, self.rule))
        return result
