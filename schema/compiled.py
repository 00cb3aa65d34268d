"""Object plans compiled to one Python function each, for the answer that needs nothing else.

Walking a plan (schema/planned.py) still costs a loop turn, a kind test, a getattr and a
coercion call per field; a page of circles is mostly objects of plain fields (a member, an
update, its author), and that walk was the largest part of what CIP added to the raw driver
for myCircles (docs/benchmarks.md). Here such an object plan becomes the source of one
function, made once per plan: it reads each attribute, checks its type, and builds the
answer dict in the plan's order.

It answers only when every value is the simple case: a ``str`` for String and ID, a ``bool``
for Boolean, an ``int`` in range for Int, a date for Date (through the planner's own
coercion), a member for an enum, ``None`` for a nullable field, and for an object field an
object that its own compiled function answers. Anything else (a None in a non-null field,
an exception, an awaitable, another type, an attribute that raises) makes it answer
``MISS``, and the planner walks the object as before, which reports the error exactly as
graphql-core would: the compiled function never decides an error. An object with a resolver
field, a list field or another leaf type is not compiled.
"""

from __future__ import annotations

import datetime as dt
import keyword
import uuid
from collections.abc import Callable
from types import GeneratorType
from typing import TYPE_CHECKING, Any

from graphql import GraphQLBoolean, GraphQLEnumType, GraphQLID, GraphQLInt, GraphQLString

if TYPE_CHECKING:
    from schema.planned import Completion, FieldPlan, ObjectPlan

MISS: Any = object()  # the compiled function's "walk this object instead"

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
TYPENAME, LEAF, ATTR = 0, 1, 2  # schema/planned.py's field kinds this module compiles


def compile_plan(plan: ObjectPlan) -> Callable[[Any], Any] | None:
    """The plan's compiled function, or None when a field is not one it answers."""
    names: dict[str, Any] = {"MISS": MISS, "date": dt.date, "INT_MIN": INT_MIN}
    names["INT_MAX"] = INT_MAX
    body: list[str] = []
    results: list[str] = []
    for index, field in enumerate(plan.fields):
        value = f"f{index}"
        lines = _field_lines(field, value, names, index)
        if lines is None:
            return None
        body += lines
        results.append(f"{field.response_name!r}: {value}")
    source = "\n".join(
        [
            "def answer(s):",
            "    try:",
            *(f"        {line}" for line in body or ["pass"]),
            "    except Exception:",
            "        return MISS",
            "    return {" + ", ".join(results) + "}",
        ]
    )
    exec(compile(source, f"<compiled plan of {plan.type.name}>", "exec"), names)
    answer: Callable[[Any], Any] = names["answer"]
    return answer


def _field_lines(
    field: FieldPlan, value: str, names: dict[str, Any], index: int
) -> list[str] | None:
    if field.kind == TYPENAME:
        return [f"{value} = {field.typename!r}"]
    attr = field.attr
    if not attr.isidentifier() or keyword.iskeyword(attr):
        return None
    read = f"{value} = s.{attr}"
    if field.kind == LEAF:
        check = _leaf_check(field, value, names, index)
        if check is None:
            return None
        if field.non_null:
            return [read, *check]
        return [read, f"if {value} is not None:", *(f"    {line}" for line in check)]
    if field.kind == ATTR and field.completion is not None:
        inner = _object_function(field.completion)
        if inner is None:
            return None
        names[f"o{index}"] = inner
        names["plain"], names["answerable"] = PLAIN_OBJECTS, answerable
        answer = [
            f"if type({value}) not in plain and not answerable({value}): return MISS",
            f"{value} = o{index}({value})",
            f"if {value} is MISS: return MISS",
        ]
        if field.completion.non_null:
            return [read, f"if {value} is None: return MISS", *answer]
        return [read, f"if {value} is not None:", *(f"    {line}" for line in answer)]
    return None


# Classes whose instances are neither awaitable nor exceptions, one set for this module and
# schema/planned.py: each class is asked once, not each value (an object field's value of
# another class is awaited or raised by the planner's walk). Generators are asked every time
# (their flags decide).
PLAIN_OBJECTS: set[type] = {
    str,
    int,
    float,
    bool,
    type(None),
    dict,
    list,
    tuple,
    dt.date,
    dt.datetime,
}


def answerable(value: Any) -> bool:
    cls = type(value)
    if issubclass(cls, BaseException) or cls is GeneratorType or hasattr(cls, "__await__"):
        return False
    if "__await__" in getattr(value, "__dict__", ()):
        return False
    PLAIN_OBJECTS.add(cls)
    return True


def _leaf_check(
    field: FieldPlan, value: str, names: dict[str, Any], index: int
) -> list[str] | None:
    """Lines that leave the coerced value in ``value`` or return MISS."""
    leaf = field.leaf
    if leaf is GraphQLString:
        return [f"if type({value}) is not str: return MISS"]
    if leaf is GraphQLID:  # a row's UUID answers as its text, as graphql-core's ID does
        names["UUID"] = uuid.UUID
        return [
            f"if type({value}) is not str:",
            f"    if not isinstance({value}, UUID): return MISS",
            f"    {value} = str({value})",
        ]
    if leaf is GraphQLBoolean:
        return [f"if type({value}) is not bool: return MISS"]
    if leaf is GraphQLInt:
        return [f"if type({value}) is not int or not INT_MIN <= {value} <= INT_MAX: return MISS"]
    if field.coerce is None:
        return None
    names[f"c{index}"] = field.coerce
    if leaf is not None and leaf.name == "Date":
        return [
            f"if type({value}) is not date: return MISS",
            f"{value} = c{index}({value})",
        ]
    if isinstance(leaf, GraphQLEnumType):
        return [f"{value} = c{index}({value})", f"if {value} is None: return MISS"]
    return None


def _object_function(completion: Completion) -> Callable[[Any], Any] | None:
    """The compiled function of an object field's plan (not a list), if it has one."""
    inner = completion.inner if completion.non_null else completion
    if inner is None or inner.object is None or inner.is_list:
        return None
    return inner.object.fast
