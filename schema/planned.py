"""A planned executor: graphql-core's answers, without its per-field machinery.

graphql-core completes every field of an answer the same general way: a ResolveInfo and a
Path per field, ``complete_value`` through the type's wrappers, three awaitable checks. For
an answer of ~900 fields that is most of a request's CPU (docs/benchmarks.md). Here a
validated operation is planned once against the schema, with graphql-core's own
``collect_fields`` (fragments, aliases, merging, ``@include``/``@skip`` on literals and
variables), and kept per worker; executing then walks the plan:

- leaf fields (scalars and enums) of strawberry's basic fields (no resolver, no extension)
  are read with ``getattr`` and coerced by the type directly: no ResolveInfo, no Path (one is
  made only for an error), no ``complete_value``;
- other basic fields (objects, lists) are read the same way and completed by the plan;
- fields with a resolver get graphql-core's ResolveInfo (strawberry's), their coerced
  arguments (computed once when they are literals) and strawberry's resolver chain, so the
  directive guard and the rate guard run exactly where they run under graphql-core;
- awaitables are gathered exactly as graphql-core gathers them (per object, per list, with
  ``gather_with_cancel``), so DataLoaders batch the same and errors arrive in the same order.

Errors are located, propagated through non-null fields and collected by graphql-core's own
``handle_field_error``. An operation the planner does not cover (introspection, abstract
types, ``is_type_of`` checks, ``@defer``/``@stream``, fragment variables, middleware, an abort
signal, a disabled error propagation) is executed by graphql-core, whole. ``CIP_EXECUTOR=core``
turns the planner off. ``tests/test_executor_differential.py`` holds the two to the same JSON.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    Undefined,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    parse,
    validate,
    visit,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import (
    FieldDetailsList,
    GroupedFieldSet,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import get_argument_values
from graphql.language import ArgumentNode, DirectiveNode, ListValueNode, ObjectValueNode, Visitor
from graphql.pyutils import Path, inspect, is_iterable
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from graphql.type import GraphQLID, GraphQLString
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.compiled import MISS, PLAIN_OBJECTS, answerable, compile_plan

PLAN_CACHE_SIZE = 256  # planned operations kept per worker (the query cache keeps 256 documents)

# How a field of a plan is executed.
TYPENAME = 0  # __typename: the parent type's name
LEAF = 1  # a basic field of a scalar or enum type: getattr, then the type's coercion
ATTR = 2  # a basic field of another type: getattr, then completion by the plan
RESOLVE = 3  # a field with a resolver: ResolveInfo, arguments, strawberry's resolver chain


# Classes whose instances are never awaitable: ``is_awaitable`` (a Python call) is asked once
# per class, not once per value (the one set of schema/compiled.py).
_PLAIN = PLAIN_OBJECTS


def _fast_awaitable(is_awaitable: Callable[[Any], bool]) -> Callable[[Any], bool]:
    plain = _PLAIN

    def awaitable(value: Any) -> bool:
        cls = type(value)
        if cls in plain:
            return False
        if is_awaitable(value):
            return True
        answerable(value)  # keeps the class in the plain set when it may be (never exceptions)
        return False

    return awaitable


DATE_TEXTS_KEPT = 4096  # distinct dates kept as their ISO text, per worker


def leaf_coercion(leaf: GraphQLLeafType) -> Callable[[Any], Any]:
    """The leaf type's own coercion, or one that gives the same value for less: strawberry's
    Date serializes with ``isoformat`` (about 2,700 instructions a call, formatted in C each
    time), so a date's text is kept once made; a strawberry enum's coercion scans its values
    for each value, so its members are looked up directly. Anything else: the type's own."""
    coerce = leaf.coerce_output_value
    if leaf.name == "Date" and _is_isoformat(coerce):
        return _cached_isoformat(coerce)
    members = getattr(leaf, "wrapped_cls", None)
    if (
        isinstance(leaf, GraphQLEnumType)
        and isinstance(members, type)
        and issubclass(members, Enum)
    ):
        try:
            names = {id(member): (member, coerce(member)) for member in members}
        except Exception:
            return coerce
        return _by_member(names, coerce)
    return coerce


def _is_isoformat(coerce: Callable[[Any], Any]) -> bool:
    sample = dt.date(2001, 2, 3)
    try:
        return bool(coerce(sample) == "2001-02-03")
    except Exception:
        return False


def _cached_isoformat(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    texts: dict[dt.date, str] = {}
    date = dt.date

    def isoformat(value: Any) -> Any:
        if type(value) is not date:
            return coerce(value)
        text = texts.get(value)
        if text is None:
            text = coerce(value)
            if len(texts) < DATE_TEXTS_KEPT:
                texts[value] = text
        return text

    return isoformat


def _by_member(
    names: dict[int, tuple[Any, Any]], coerce: Callable[[Any], Any]
) -> Callable[[Any], Any]:
    def by_member(value: Any) -> Any:
        known = names.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        return coerce(value)

    return by_member


class Unplanned(Exception):
    """The operation uses something the planner leaves to graphql-core."""


@dataclass(slots=True)
class Completion:
    """How a value of one output type is completed (graphql-core's complete_value, planned)."""

    type: GraphQLOutputType
    non_null: bool = False
    inner: Completion | None = None  # of a non-null or list type
    is_list: bool = False
    leaf: GraphQLLeafType | None = None
    object: ObjectPlan | None = None


@dataclass(slots=True)
class FieldPlan:
    response_name: str
    kind: int
    details: FieldDetailsList
    nodes: list[FieldNode]
    return_type: GraphQLOutputType
    field_def: GraphQLField | None = None
    parent: GraphQLObjectType | None = None
    typename: str = ""
    attr: str = ""
    # LEAF: the leaf type's coercion, and whether a str is already its own coerced value
    coerce: Callable[[Any], Any] | None = None
    leaf: GraphQLLeafType | None = None
    str_is_coerced: bool = False
    non_null: bool = False
    null_message: str = ""
    resolve: Callable[..., Any] | None = None
    args: dict[str, Any] | None = None  # literal arguments coerced once; None: per request
    has_args: bool = False
    completion: Completion | None = None


@dataclass(slots=True)
class ObjectPlan:
    type: GraphQLObjectType
    fields: list[FieldPlan]
    # The plan compiled to one function (schema/compiled.py), when its fields allow it.
    fast: Callable[[Any], Any] | None = None


@dataclass(slots=True)
class OperationPlan:
    root: ObjectPlan
    serially: bool


@dataclass(slots=True)
class _Planned:
    """A cache entry: the operation (kept alive, so its id is not reused) and its plans."""

    operation: OperationDefinitionNode
    directive_variables: tuple[str, ...]
    plans: dict[tuple[Any, ...], OperationPlan | None]


_CACHE: OrderedDict[tuple[int, int], _Planned] = OrderedDict()


def _directive_variables(
    operation: OperationDefinitionNode, fragments: Iterable[Any]
) -> tuple[str, ...]:
    """Variables that @include/@skip read: a plan holds for one set of their values."""
    names: list[str] = []

    class Collect(Visitor):
        def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
            if node.name.value in ("include", "skip"):
                for argument in node.arguments or ():
                    if isinstance(argument.value, VariableNode):
                        names.append(argument.value.name.value)

    visit(operation, Collect())
    for fragment in fragments:
        visit(fragment, Collect())
    return tuple(sorted(set(names)))


def _literal_only(arguments: Iterable[ArgumentNode]) -> bool:
    """Arguments without variables and without lists or objects (whose values a resolver
    could change): their coerced values can be computed once and shared."""
    for argument in arguments:
        if isinstance(argument.value, (VariableNode, ListValueNode, ObjectValueNode)):
            return False
    return True


class PlannedExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with a planned path for the operations the planner covers."""

    _planned = False

    # ------------------------------------------------------------------ planning
    def _plannable(self) -> bool:
        return not (
            self.abort_signal is not None
            or not self.error_propagation
            or (self.middleware_manager is not None and self.middleware_manager.middlewares)
            or self.operation.operation == OperationType.SUBSCRIPTION
        )

    def _fresh_plan(self) -> OperationPlan | None:
        try:
            return self._plan_operation()
        except (Unplanned, GraphQLError, RecursionError):
            return None

    def _plan(self) -> OperationPlan | None:
        """The operation's plan (made on first use, then kept), or None for graphql-core."""
        if not self._plannable():
            return None
        key = (id(self.schema), id(self.operation))
        entry = _CACHE.get(key)
        if entry is None or entry.operation is not self.operation:
            defs = [f.definition for f in self.fragments.values()]
            entry = _Planned(self.operation, _directive_variables(self.operation, defs), {})
            _CACHE[key] = entry
            while len(_CACHE) > PLAN_CACHE_SIZE:
                _CACHE.popitem(last=False)
        else:
            _CACHE.move_to_end(key)
        coerced = self.variable_values.coerced
        values = tuple(coerced.get(name) for name in entry.directive_variables)
        if values not in entry.plans:
            entry.plans[values] = self._fresh_plan()
        return entry.plans[values]

    def _plan_operation(self) -> OperationPlan:
        if any(f.variable_signatures for f in self.fragments.values()):
            raise Unplanned("fragment variables")
        root_type = self.schema.get_root_type(self.operation.operation)
        if root_type is None:
            raise Unplanned("no root type")
        grouped, defer_usages, _forbidden = collect_fields(
            self.schema,
            self.fragments,
            self.variable_values,
            root_type,
            self.operation,
            self.hide_suggestions,
        )
        if defer_usages:
            raise Unplanned("@defer")
        for details in grouped.values():
            if details[0].node.name.value in ("__schema", "__type"):
                raise Unplanned("introspection")
        return OperationPlan(
            root=self._plan_object(root_type, grouped),
            serially=self.operation.operation == OperationType.MUTATION,
        )

    def _plan_object(self, parent: GraphQLObjectType, grouped: GroupedFieldSet) -> ObjectPlan:
        if parent.is_type_of is not None:
            raise Unplanned("is_type_of")
        schema: GraphQLSchema = self.schema
        fields: list[FieldPlan] = []
        for response_name, details in grouped.items():
            if any(d.fragment_variable_values is not None or d.defer_usage for d in details):
                raise Unplanned("fragment variables or @defer")
            node = details[0].node
            name = node.name.value
            field_def = schema.get_field(parent, name)
            if field_def is None:
                continue  # graphql-core leaves an unknown field out of the answer
            nodes = [d.node for d in details]
            plan = FieldPlan(
                response_name, RESOLVE, details, nodes, field_def.type, field_def, parent
            )
            if name == "__typename":
                plan.kind, plan.typename = TYPENAME, parent.name
                fields.append(plan)
                continue
            strawberry_field: Any = (field_def.extensions or {}).get("strawberry-definition")
            resolve = field_def.resolve
            basic = (
                strawberry_field is not None
                and resolve is not None
                and getattr(resolve, "_is_default", False)
                and strawberry_field.default_resolver is getattr
            )
            named = field_def.type.of_type if is_non_null_type(field_def.type) else field_def.type
            if basic and is_leaf_type(named):
                plan.kind = LEAF
                plan.attr = strawberry_field.python_name
                plan.coerce = leaf_coercion(named)
                plan.leaf = named
                plan.str_is_coerced = named is GraphQLString or named is GraphQLID
                plan.non_null = is_non_null_type(field_def.type)
                plan.null_message = f"Cannot return null for non-nullable field {parent}.{name}."
                fields.append(plan)
                continue
            if basic:
                plan.kind, plan.attr = ATTR, strawberry_field.python_name
            else:
                if resolve is None:
                    raise Unplanned("graphql-core's default resolver")
                plan.resolve = resolve
                plan.has_args = bool(field_def.args or node.arguments)
                if plan.has_args and _literal_only(node.arguments or ()):
                    plan.args = get_argument_values(
                        field_def, node, self.variable_values, None, self.hide_suggestions
                    )
            plan.null_message = f"Cannot return null for non-nullable field {parent}.{name}."
            plan.completion = self._plan_completion(field_def.type, details)
            fields.append(plan)
        planned = ObjectPlan(parent, fields)
        planned.fast = compile_plan(planned)
        return planned

    def _plan_completion(self, type_: GraphQLOutputType, details: FieldDetailsList) -> Completion:
        if is_non_null_type(type_):
            return Completion(
                type_, non_null=True, inner=self._plan_completion(type_.of_type, details)
            )
        if is_list_type(type_):
            return Completion(
                type_, is_list=True, inner=self._plan_completion(type_.of_type, details)
            )
        if is_leaf_type(type_):
            return Completion(type_, leaf=type_)
        if is_abstract_type(type_) or not is_object_type(type_):
            raise Unplanned("abstract type")
        grouped, defer_usages, _forbidden = collect_subfields(
            self.schema,
            self.fragments,
            self.variable_values,
            self.operation,
            type_,
            details,
            self.hide_suggestions,
        )
        if defer_usages:
            raise Unplanned("@defer")
        return Completion(type_, object=self._plan_object(type_, grouped))

    # ------------------------------------------------------------------ execution
    def execute_operation(self, serially: bool | None = None) -> Any:
        plan = self._plan() if serially is None else None
        if plan is None:
            return super().execute_operation(serially)
        # As Executor.execute_operation, for a planned operation (no abort signal here).
        self._planned = True
        self.is_awaitable = _fast_awaitable(self.is_awaitable)  # type: ignore[assignment]
        try:
            if plan.serially:
                result = self._execute_serially(plan.root, self.root_value)
            else:
                result = self._execute_object(plan.root, self.root_value, None)
            if self.is_awaitable(result):

                async def await_result() -> Any:
                    try:
                        data = await result
                    except GraphQLError as error:
                        self.collected_errors.add(error, None)
                        return self.build_response(None)
                    return self.build_response(data)

                return await_result()
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.finish(self.build_response(None))
        return self.finish(self.build_response(result))

    def build_response(self, data: dict[str, Any] | None) -> Any:
        # A planned operation leaves no incremental work (no @defer, no @stream).
        if self._planned:
            return Executor.build_response(self, data)
        return super().build_response(data)

    def _execute_serially(self, plan: ObjectPlan, source: Any) -> Any:
        """As Executor.execute_fields_serially: each root mutation after the one before."""
        results: dict[str, Any] = {}
        fields = iter(plan.fields)
        parent_name = plan.type.name
        for field in fields:
            result = self._execute_field(
                field, plan.type, source, Path(None, field.response_name, parent_name)
            )
            if self.is_awaitable(result):

                async def rest(first: FieldPlan, pending: Awaitable[Any]) -> dict[str, Any]:
                    results[first.response_name] = await pending
                    for later in fields:
                        value = self._execute_field(
                            later, plan.type, source, Path(None, later.response_name, parent_name)
                        )
                        if self.is_awaitable(value):
                            value = await value
                        results[later.response_name] = value
                    return results

                return rest(field, result)
            results[field.response_name] = result
        return results

    def _execute_object(self, plan: ObjectPlan, source: Any, path: Path | None) -> Any:
        """As Executor.execute_fields, with leaf fields read directly (and the whole object
        by its compiled function when that answers)."""
        fast = plan.fast
        if fast is not None:
            answer = fast(source)
            if answer is not MISS:
                return answer
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        plain = _PLAIN
        awaitable_fields: list[str] = []
        parent = plan.type
        try:
            for field in plan.fields:
                name = field.response_name
                kind = field.kind
                if kind == LEAF:
                    try:
                        value = getattr(source, field.attr)
                        if field.str_is_coerced and type(value) is str:
                            results[name] = value
                            continue
                        if value is None:
                            if field.non_null:
                                raise TypeError(field.null_message)
                            results[name] = None
                            continue
                        if type(value) not in plain:
                            if isinstance(value, Exception):
                                raise value
                            if is_awaitable(value):
                                results[name] = self._complete_awaitable_leaf(
                                    field, value, Path(path, name, parent.name)
                                )
                                awaitable_fields.append(name)
                                continue
                        results[name] = _coerce_leaf(field, value)
                    except Exception as raw_error:
                        self.handle_field_error(
                            raw_error,
                            field.return_type,
                            field.details,
                            Path(path, name, parent.name),
                        )
                        results[name] = None
                    continue
                if kind == TYPENAME:
                    results[name] = field.typename
                    continue
                result = self._execute_field(field, parent, source, Path(path, name, parent.name))
                results[name] = result
                if type(result) not in plain and is_awaitable(result):
                    awaitable_fields.append(name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[f] for f in awaitable_fields])
            raise

        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    async def _complete_awaitable_leaf(self, field: FieldPlan, value: Any, path: Path) -> Any:
        try:
            resolved = await value
            if isinstance(resolved, Exception):
                raise resolved
            if resolved is None:
                if field.non_null:
                    raise TypeError(field.null_message)
                return None
            return _coerce_leaf(field, resolved)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.return_type, field.details, path)
            return None

    def _execute_field(
        self, field: FieldPlan, parent: GraphQLObjectType, source: Any, path: Path
    ) -> Any:
        """As Executor.execute_field: resolve (or read), then complete by the plan."""
        if field.kind == TYPENAME:
            return field.typename
        completion = field.completion
        assert completion is not None
        try:
            if field.kind == RESOLVE:
                assert field.resolve is not None and field.field_def is not None
                info = self.build_resolve_info(field.field_def, field.nodes, parent, path)
                if field.args is not None:
                    result = field.resolve(source, info, **field.args)
                elif field.has_args:
                    args = get_argument_values(
                        field.field_def,
                        field.nodes[0],
                        self.variable_values,
                        None,
                        self.hide_suggestions,
                    )
                    result = field.resolve(source, info, **args)
                else:
                    result = field.resolve(source, info)
            else:
                result = getattr(source, field.attr)
            if self.is_awaitable(result):
                return self._complete_awaitable_value(completion, field, path, result)
            completed = self._complete_value(completion, field, path, result)
            if self.is_awaitable(completed):

                async def await_completed() -> Any:
                    try:
                        return await completed
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, field.return_type, field.details, path)
                        return None

                return await_completed()
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.return_type, field.details, path)
            return None
        return completed

    async def _complete_awaitable_value(
        self, completion: Completion, field: FieldPlan, path: Path, result: Any
    ) -> Any:
        try:
            resolved = await result
            completed = self._complete_value(completion, field, path, resolved)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, completion.type, field.details, path)
            completed = None
        return completed

    def _complete_value(
        self, completion: Completion, field: FieldPlan, path: Path, result: Any
    ) -> Any:
        """As Executor.complete_value, by the plan."""
        if isinstance(result, Exception):
            raise result
        if completion.non_null:
            assert completion.inner is not None
            completed = self._complete_value(completion.inner, field, path, result)
            if completed is None:
                raise TypeError(field.null_message)
            return completed
        if result is None or result is Undefined:
            return None
        if completion.is_list:
            assert completion.inner is not None
            return self._complete_list(completion.inner, field, path, result)
        if completion.leaf is not None:
            return self.complete_leaf_value(completion.leaf, result)
        assert completion.object is not None
        return self._execute_object(completion.object, result, path)

    def _complete_list(self, item: Completion, field: FieldPlan, path: Path, result: Any) -> Any:
        """As Executor.complete_list_value and complete_iterable_value (no @stream here)."""
        if self.is_async_iterable(result):
            # Rare: let graphql-core complete it, with the info it needs.
            assert field.field_def is not None
            assert field.parent is not None
            info = self.build_resolve_info(field.field_def, field.nodes, field.parent, path)
            return self.complete_async_iterator_value(
                item.type,
                field.details,
                info,
                path,
                self.cancellable_iterable(result).__aiter__(),
                None,
            )
        if not is_iterable(result):
            raise GraphQLError(
                "Expected Iterable, but did not find one for field"
                f" '{field.parent}.{field.nodes[0].name.value}'."
            )
        is_awaitable = self.is_awaitable
        plain = _PLAIN
        completed_results: list[Any] = []
        append = completed_results.append
        awaitable_indices: list[int] = []
        iterator = iter(result)
        index = 0
        # Items a compiled object plan answers need no path (one is made for the others).
        fast, nullable = _compiled_items(item)
        try:
            for value in iterator:
                if fast is not None:
                    if value is None and nullable:
                        append(None)
                        index += 1
                        continue
                    if value is not None and (type(value) in PLAIN_OBJECTS or answerable(value)):
                        answer = fast(value)
                        if answer is not MISS:
                            append(answer)
                            index += 1
                            continue
                item_path = path.add_key(index, None)
                if type(value) not in plain and is_awaitable(value):
                    append(self._complete_awaitable_value(item, field, item_path, value))
                    awaitable_indices.append(index)
                else:
                    try:
                        completed = self._complete_value(item, field, item_path, value)
                        if type(completed) not in plain and is_awaitable(completed):
                            append(self._await_item(item, field, item_path, completed))
                            awaitable_indices.append(index)
                        else:
                            append(completed)
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, item.type, field.details, item_path)
                        append(None)
                index += 1
        except Exception:
            pending = [completed_results[i] for i in awaitable_indices]
            if pending:
                self.settle_in_background(pending)
            raise

        if not awaitable_indices:
            return completed_results

        async def get_completed_results() -> list[Any]:
            if len(awaitable_indices) == 1:
                i = awaitable_indices[0]
                completed_results[i] = await completed_results[i]
            else:
                awaited = await gather_with_cancel(
                    *(completed_results[i] for i in awaitable_indices)
                )
                for i, sub_result in zip(awaitable_indices, awaited, strict=True):
                    completed_results[i] = sub_result
            return completed_results

        return get_completed_results()

    async def _await_item(
        self, item: Completion, field: FieldPlan, path: Path, completed: Awaitable[Any]
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, item.type, field.details, path)
            return None


def _compiled_items(item: Completion) -> tuple[Callable[[Any], Any] | None, bool]:
    """The compiled function of a list's object items, and whether an item may be null."""
    inner = item.inner if item.non_null else item
    if inner is None or inner.object is None:
        return None, False
    return inner.object.fast, not item.non_null


def is_planned(
    schema: Any,
    query: str,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
) -> bool:
    """Whether the planner (not graphql-core) executes this document on a strawberry schema."""
    graphql_schema: GraphQLSchema = schema._schema
    try:
        document = parse(query)
    except GraphQLError:
        return False
    if validate(graphql_schema, document):
        return False
    executor = PlannedExecutor.build(
        graphql_schema, document, raw_variable_values=variables, operation_name=operation_name
    )
    if not isinstance(executor, PlannedExecutor):
        return False
    return executor._plannable() and executor._fresh_plan() is not None


def _coerce_leaf(field: FieldPlan, value: Any) -> Any:
    """As Executor.complete_leaf_value."""
    assert field.coerce is not None
    coerced = field.coerce(value)
    if coerced is Undefined or coerced is None:
        raise TypeError(
            f"Expected `{inspect(field.leaf)}.coerce_output_value("
            f"{inspect(value)})` to return non-nullable value, returned:"
            f" {inspect(coerced)}"
        )
    return coerced
