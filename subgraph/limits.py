"""Query limits checked before anything executes: tokens, depth, aliases, `first` arguments.

The token limit is enforced by graphql-core's parser (it stops reading at the limit), depth and
aliases by validation rules, introspection by graphql-core's NoSchemaIntrospectionCustomRule, and
`first` ranges (variables included) just before execution, as a step of every operation
(schema/pipeline.py). Every violation is a GraphQL error without an original exception, which
error shaping (schema/errors.py) answers as BAD_USER_INPUT with its message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    ASTValidationRule,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    VariableNode,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.types.execution import ExecutionContext

from schema.pipeline import OperationStep
from schema.query_cache import per_document

FIRST_MIN = 1
FIRST_MAX = 100


def _depth(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: frozenset[str],
    budget: int,
) -> int:
    """Deepest field nesting below ``selection_set``; stops counting once past ``budget``.

    Introspection fields (``__schema``, ``__type``) are not counted: their nesting is bounded by
    the schema, and they are switched off as a whole in prod (CIP_INTROSPECTION).
    """
    if selection_set is None or budget < 0:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue
            below = _depth(selection.selection_set, fragments, seen, budget - 1)
            deepest = max(deepest, 1 + below)
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, seen, budget))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:  # unknown or cyclic: other rules report it
                continue
            inner = _depth(fragment.selection_set, fragments, seen | {name}, budget)
            deepest = max(deepest, inner)
        if deepest > budget:
            break
    return deepest


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def depth_rule(max_depth: int) -> type[ASTValidationRule]:
    class DepthLimit(ASTValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> None:
            fragments = _fragments(node)
            for definition in node.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                depth = _depth(definition.selection_set, fragments, frozenset(), max_depth)
                if depth > max_depth:
                    self.report_error(
                        GraphQLError(
                            f"The operation is nested more than {max_depth} levels deep; "
                            "ask for less at once.",
                            definition,
                        )
                    )

    return DepthLimit


def alias_rule(max_aliases: int) -> type[ASTValidationRule]:
    class AliasLimit(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.aliases = 0

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.alias is not None:
                self.aliases += 1

        def leave_document(self, node: DocumentNode, *_: Any) -> None:
            if self.aliases > max_aliases:
                self.report_error(
                    GraphQLError(
                        f"The document uses {self.aliases} aliases; at most {max_aliases} "
                        "are allowed.",
                        node,
                    )
                )

    return AliasLimit


# A `first:` argument of a document: its node, and its literal value or its variable's name
# with that variable's default.
_FirstSite = tuple[ArgumentNode, int | None, str | None, int | None]


def _first_sites(document: DocumentNode) -> list[_FirstSite]:
    defaults: dict[str, int] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for var in definition.variable_definitions or ():
                if isinstance(var.default_value, IntValueNode):
                    defaults[var.variable.name.value] = int(var.default_value.value)
    sites: list[_FirstSite] = []
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        if isinstance(node, FieldNode):
            for argument in node.arguments or ():
                if argument.name.value != "first":
                    continue
                if isinstance(argument.value, IntValueNode):
                    sites.append((argument, int(argument.value.value), None, None))
                elif isinstance(argument.value, VariableNode):
                    name = argument.value.name.value
                    sites.append((argument, None, name, defaults.get(name)))
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
    return sites


_sites = per_document(_first_sites)


def first_violation(
    document: DocumentNode, variables: Mapping[str, Any] | None
) -> GraphQLError | None:
    """The first `first:` argument (literal or variable) outside FIRST_MIN..FIRST_MAX. Where
    the document's `first:` arguments are is found once per document (``per_document``)."""
    for argument, literal, name, default in _sites(document):
        value: Any = literal
        if name is not None:
            value = (variables or {}).get(name, default)
        if isinstance(value, int) and not FIRST_MIN <= value <= FIRST_MAX:
            return GraphQLError(f"first must be between {FIRST_MIN} and {FIRST_MAX}.", argument)
    return None


class QueryLimits(OperationStep):
    """The limits of one configuration, a step of every operation (schema/pipeline.py)."""

    def __init__(self, max_tokens: int, rules: tuple[type[ASTValidationRule], ...]) -> None:
        self.max_tokens = max_tokens
        self.rules = rules

    def prepare(self, context: ExecutionContext) -> None:
        context.parse_options["max_tokens"] = self.max_tokens
        context.validation_rules = (*context.validation_rules, *self.rules)

    def check(self, context: ExecutionContext) -> None:
        document = context.graphql_document
        if document is not None and context.result is None:
            error = first_violation(document, context.variables)
            if error is not None:
                # A result set before execution makes strawberry skip executing the operation.
                context.result = ExecutionResult(data=None, errors=[error])


def query_limits(
    *, max_depth: int, max_aliases: int, max_tokens: int, introspection: bool
) -> QueryLimits:
    rules: list[type[ASTValidationRule]] = [depth_rule(max_depth), alias_rule(max_aliases)]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return QueryLimits(max_tokens, tuple(rules))
