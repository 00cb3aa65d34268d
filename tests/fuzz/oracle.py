"""What a fuzzed answer must never be, whatever was asked: a server error, a stack trace, an error
code outside the contract, or a value the caller's role may not see.

The role rules are read from the committed SDL (schema/cip.graphql), not from the code that
enforces them: @authenticated, @requiresScopes and @aggregateOnly on each root field. Pure
functions; tests/fuzz/test_oracle.py shows each rule catching what it should.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    ListValueNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationDefinitionNode,
    StringValueNode,
    parse,
)

from models.errors import ERROR_CODES

SDL_PATH = Path(__file__).resolve().parents[2] / "schema" / "cip.graphql"
AGGREGATE_READ = "cip:aggregate:read"
COORDINATOR = "cip:coordinator"
# What a leaked trace or driver error looks like in a body.
TRACE_MARKERS = ("Traceback", 'File "/', "asyncpg", "sqlite3.", "tortoise.", "site-packages")


@dataclass(frozen=True)
class FieldRule:
    authenticated: bool
    scope_sets: tuple[frozenset[str], ...]
    aggregate: bool

    @property
    def public(self) -> bool:
        return not self.authenticated and not self.scope_sets


@dataclass(frozen=True)
class Role:
    name: str
    scopes: frozenset[str] = frozenset()
    neighborhoods: frozenset[str] = frozenset()
    signed_in: bool = True

    @property
    def ai_only(self) -> bool:
        return AGGREGATE_READ in self.scopes and COORDINATOR not in self.scopes

    def acts_for(self, neighborhood: str) -> bool:
        return "*" in self.neighborhoods or neighborhood in self.neighborhoods

    def may(self, rule: FieldRule) -> bool:
        """Whether the SDL lets this role have a non-null value of a root field at all."""
        if rule.public:
            return True
        if not self.signed_in:
            return False
        if rule.scope_sets and not any(s <= self.scopes for s in rule.scope_sets):
            return False
        return rule.aggregate or not self.ai_only


def root_rules(sdl: str | None = None) -> dict[str, FieldRule]:
    """``"Query.field"`` / ``"Mutation.field"`` -> the rule its directives declare."""
    doc = parse(sdl if sdl is not None else SDL_PATH.read_text())
    rules: dict[str, FieldRule] = {}
    for node in doc.definitions:
        if not isinstance(node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
            continue
        if node.name.value not in ("Query", "Mutation"):
            continue
        for field in node.fields or ():
            names = {d.name.value for d in field.directives or ()}
            scope_sets: tuple[frozenset[str], ...] = ()
            for d in field.directives or ():
                if d.name.value == "requiresScopes":
                    (arg,) = d.arguments
                    assert isinstance(arg.value, ListValueNode)
                    scope_sets = tuple(
                        frozenset(s.value for s in inner.values if isinstance(s, StringValueNode))
                        for inner in arg.value.values
                        if isinstance(inner, ListValueNode)
                    )
            rules[f"{node.name.value}.{field.name.value}"] = FieldRule(
                authenticated="authenticated" in names,
                scope_sets=scope_sets,
                aggregate="aggregateOnly" in names,
            )
    return rules


def root_fields(document: str) -> tuple[str, dict[str, str]]:
    """The operation type ("Query"/"Mutation") and response key -> root field name."""
    doc: DocumentNode = parse(document)
    op = next(d for d in doc.definitions if isinstance(d, OperationDefinitionNode))
    kind = "Mutation" if op.operation.value == "mutation" else "Query"
    keys = {
        (s.alias or s.name).value: s.name.value
        for s in op.selection_set.selections
        if isinstance(s, FieldNode)
    }
    return kind, keys


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def _count_problems(role: Role, field: str, value: Any) -> Iterator[str]:
    """Aggregate trees: only the caller's neighbourhoods; counts released as its class sees
    them (suppressed means null; AI-layer counts are multiples of 5; coordinators see no
    count from 1 to 4)."""
    for obj in _walk(value):
        nbh = obj.get("neighborhood")
        if isinstance(nbh, str) and not role.acts_for(nbh):
            yield f"{field}: {role.name} got neighbourhood {nbh!r} its token does not act for"
        if "value" in obj and obj.get("suppressed") is True and obj["value"] is not None:
            yield f"{field}: a suppressed count carries a value"
        count = obj.get("value")
        if isinstance(count, int) and not isinstance(count, bool):
            if role.ai_only and count % 5:
                yield f"{field}: {role.name} got an unrounded count {count}"
            if not role.ai_only and 0 < count < 5:
                yield f"{field}: {role.name} got a small count {count}"


def _traces(text: str, where: str) -> list[str]:
    return [f"trace marker {m!r} in {where}" for m in TRACE_MARKERS if m in text]


def problems(
    role: Role, document: str, status: int, text: str, rules: dict[str, FieldRule]
) -> list[str]:
    """Everything wrong with one answer; empty when it is fine."""
    found: list[str] = []
    if status >= 500:
        found.append(f"HTTP {status}")
    try:
        body = json.loads(text)
    except ValueError:
        return [*found, *_traces(text, "body"), "body is not JSON"]
    if not isinstance(body, dict):
        return [*found, "body is not a JSON object"]
    for error in body.get("errors") or []:
        # Only errors: data may rightly echo whatever text the caller sent.
        found += _traces(json.dumps(error), "error")
        ext = error.get("extensions") or {}
        code = ext.get("code")
        if code == "INTERNAL_SERVER_ERROR":
            found.append("INTERNAL_SERVER_ERROR")
        elif code not in ERROR_CODES:
            found.append(f"error code {code!r} is not in the contract")
        if set(ext) - {"code"}:
            found.append(f"error extensions carry {sorted(set(ext) - {'code'})}")
    data = body.get("data")
    if not isinstance(data, dict):
        return found
    kind, keys = root_fields(document)
    for key, value in data.items():
        if value is None or key not in keys or keys[key].startswith("_"):
            continue
        name = f"{kind}.{keys[key]}"
        rule = rules.get(name)
        if rule is None:
            found.append(f"{name} is not in the SDL")
            continue
        if not role.may(rule):
            found.append(f"{role.name} got a value for {name}")
        elif rule.aggregate:
            found += list(_count_problems(role, name, value))
    return found
