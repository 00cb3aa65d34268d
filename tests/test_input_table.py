"""Every argument a caller types keeps its input rule, through the live API on both backends.

Generated from the built schema: each root field's String and ID arguments (at any depth of an
input type) are looked up in tests/input_cases.py (a new argument without a rule fails), the
operation is written from the schema, and every value that breaks the argument's rule is sent
with good values elsewhere: text, neighbourhoods and opaque notes answer BAD_USER_INPUT, ids
and codes answer exactly what a random id or code answers. A value at the rule's edge (text
padded around its limit, a 64-character neighbourhood, an opaque note of the full size) is let
through. Every call is made by a coordinator of every neighbourhood, a subject of its own,
so that nothing but the input rule can refuse it first.
"""

from __future__ import annotations

import functools
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
    get_nullable_type,
)

from schema.build import build_schema
from tests.input_cases import (
    ANSWER,
    OVERRIDES,
    RULES,
    SURROGATE,
    TYPED,
    baseline,
    passing,
    post,
    refused,
)
from tests.support import GraphQLResponse, LiveServer

COORDINATOR = "cip:coordinator"
TYPED_BY_GRAPHQL = {"Int", "Boolean", "Date"}


@dataclass(frozen=True)
class Root:
    kind: str  # Query or Mutation
    name: str
    field: GraphQLField


@functools.cache
def roots() -> dict[str, Root]:
    schema = build_schema()._schema
    found: dict[str, Root] = {}
    for root in (schema.query_type, schema.mutation_type):
        assert isinstance(root, GraphQLObjectType)
        for name, field in root.fields.items():
            if not name.startswith("_"):
                found[f"{root.name}.{name}"] = Root(root.name, name, field)
    return found


def _leaves(path: str, arg: GraphQLArgument | GraphQLInputField) -> list[tuple[str, str]]:
    """(path, named type) of every leaf below an argument, through input types."""
    named = get_named_type(arg.type)
    if isinstance(named, GraphQLInputObjectType):
        return [leaf for n, f in named.fields.items() for leaf in _leaves(f"{path}.{n}", f)]
    return [(path, named.name)]


def typed_arguments() -> dict[str, str]:
    """Every String or ID argument of every root field, as "Root.field.path": type name."""
    found: dict[str, str] = {}
    for key, root in roots().items():
        for name, arg in root.field.args.items():
            for path, type_name in _leaves(name, arg):
                if type_name in ("String", "ID"):
                    found[f"{key}.{path}"] = type_name
                else:
                    assert type_name in TYPED_BY_GRAPHQL or isinstance(
                        build_schema()._schema.get_type(type_name), GraphQLEnumType
                    ), f"{key}.{path}: {type_name} has no rule"
    return found


@pytest.mark.unit
def test_every_argument_a_caller_types_has_a_rule() -> None:
    found = typed_arguments()
    assert sorted(set(found) - set(RULES)) == [], "arguments without a rule"
    assert sorted(set(RULES) - set(found)) == [], "rules for arguments that are gone"
    # IDs are ids or neighbourhoods; strings are never either.
    for key, type_name in found.items():
        assert (RULES[key].kind in ("id", "neighborhood")) == (type_name == "ID"), key


# ---------------------------------------------------------------------------- the calls
def operation(key: str) -> str:
    root = roots()[key]
    decls = ", ".join(f"${n}: {a.type}" for n, a in root.field.args.items())
    args = ", ".join(f"{n}: ${n}" for n in root.field.args)
    named = get_named_type(root.field.type)
    selection = " { __typename }" if isinstance(named, GraphQLObjectType) else ""
    call = f"{root.name}({args})" if args else root.name
    head = f"{root.kind.lower()}({decls})" if decls else root.kind.lower()
    return f"{head} {{ {call}{selection} }}"


def _value(
    key: str, path: str, arg: GraphQLArgument | GraphQLInputField, ctx: dict[str, Any]
) -> Any:
    """A good value for one argument, or the value under test where ``path`` is the one."""
    named = get_named_type(arg.type)
    if isinstance(named, GraphQLInputObjectType):
        return {n: _value(key, f"{path}.{n}", f, ctx) for n, f in named.fields.items()}
    full = f"{key}.{path}"
    if full == ctx["under_test"]:
        value: Any = ctx["value"]
    elif path in OVERRIDES.get(key, {}):
        value = str(OVERRIDES[key][path]).replace("{nbh}", ctx["nbh"])
    elif not isinstance(arg.type, GraphQLNonNull):
        return None
    elif full in RULES:
        value = baseline(RULES[full], ctx["nbh"])
    elif isinstance(named, GraphQLEnumType):
        value = next(iter(named.values))
    elif named.name == "Date":
        value = ctx["today"]
    else:
        value = TYPED[path.rsplit(".", 1)[-1]]
    if isinstance(get_nullable_type(arg.type), GraphQLList):
        return [value]
    return value


def variables(key: str, ctx: dict[str, Any]) -> dict[str, Any]:
    return {n: _value(key, n, a, ctx) for n, a in roots()[key].field.args.items()}


def _split(argument: str) -> tuple[str, str]:
    """ "Mutation.formCircle.input.focus" -> ("Mutation.formCircle", "input.focus")."""
    kind, field, path = argument.split(".", 2)
    return f"{kind}.{field}", path


@pytest.mark.parametrize("argument", sorted(RULES))
def test_each_rule_holds_for_each_argument(server: LiveServer, nbh: str, argument: str) -> None:
    key, _ = _split(argument)
    rule = RULES[argument]
    query = operation(key)
    ctx: dict[str, Any] = {"nbh": nbh, "today": server.clock.today().isoformat()}

    def send(value: Any) -> GraphQLResponse:
        token = server.token(f"probe-{uuid.uuid4().hex[:10]}", scopes=[COORDINATOR], nbh=["*"])
        return post(
            server, query, variables(key, {**ctx, "under_test": argument, "value": value}), token
        )

    for bad in refused(rule):
        theirs = send(bad)
        if SURROGATE in bad:
            # Not text at all: the HTTP gate refuses it before any rule reads it, whatever the
            # argument and whether or not such an id exists (docs/security.md, Tokens and bytes).
            assert (theirs.status, theirs.codes) == (400, ["BAD_USER_INPUT"]), (argument, bad)
            continue
        assert theirs.codes == [ANSWER[rule.kind]], (argument, bad, theirs.body)
        if rule.kind in ("id", "code"):
            random = str(uuid.uuid4()) if rule.kind == "id" else secrets.token_urlsafe(24)
            twin = send(random)
            assert (theirs.status, theirs.body) == (twin.status, twin.body), (argument, bad)
    edge = passing(rule, nbh)
    if edge is not None:
        let_through = send(edge)
        assert let_through.status == 200, let_through.body
        assert "BAD_USER_INPUT" not in let_through.codes, (argument, let_through.body)
        assert "INTERNAL_SERVER_ERROR" not in let_through.codes, (argument, let_through.body)
