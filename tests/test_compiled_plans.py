"""Compiled object plans (schema/compiled.py) answer exactly as graphql-core does, and leave
every case that is not the simple one to the planner's walk: nulls in non-null fields, wrong
types, exceptions, awaitables, out-of-range integers, enum values that are not members."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from strawberry.http import process_result

from resolvers.circles.rules import Role
from schema import planned
from schema.build import CipSchema
from schema.compiled import MISS
from schema.pipeline import pipeline
from schema.planned import PlannedExecutor

pytestmark = pytest.mark.unit


@strawberry.type
class Inner:
    name: str
    flag: bool
    day: dt.date
    role: Role
    count: int


@strawberry.type
class Outer:
    id: strawberry.ID
    inner: Inner
    maybe: Inner | None
    label: str | None


def good_inner(**changes: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "name": "n",
        "flag": True,
        "day": dt.date(2026, 12, 1),
        "role": Role.FACILITATOR,
        "count": 3,
    }
    return SimpleNamespace(**(values | changes))


async def _pending() -> str:
    return "later"


def sources(pending: bool = True) -> list[Any]:
    inner = good_inner()
    return [
        SimpleNamespace(id="a", inner=inner, maybe=None, label=None),  # simple: compiled
        SimpleNamespace(id="b", inner=inner, maybe=good_inner(name="m"), label="x"),
        SimpleNamespace(id="c", inner=good_inner(name=None), maybe=None, label=None),  # null
        SimpleNamespace(id="d", inner=good_inner(flag="yes"), maybe=None, label=None),
        SimpleNamespace(id="e", inner=good_inner(count=2**40), maybe=None, label=None),
        SimpleNamespace(id="f", inner=good_inner(role="NOBODY"), maybe=None, label=None),
        SimpleNamespace(id="g", inner=good_inner(day="2026-12-01"), maybe=None, label=None),
        SimpleNamespace(id="h", inner=good_inner(), maybe=good_inner(count=None), label=5),
        SimpleNamespace(id="i", inner=ValueError("boom"), maybe=None, label=None),
        SimpleNamespace(id="j", inner=None, maybe=None, label=None),
        SimpleNamespace(id=7, inner=inner, maybe=None, label=None),  # an int ID: coerced
        *([SimpleNamespace(id="k", inner=inner, maybe=None, label=_pending())] if pending else []),
        None,  # a null item of a nullable list
    ]


@strawberry.type
class Query:
    @strawberry.field
    def outers(self) -> list[Outer | None]:
        return sources()  # type: ignore[return-value]

    @strawberry.field
    def lonely(self) -> Outer | None:
        """A null in a non-null object field whose selection reads nothing but __typename."""
        return SimpleNamespace(id="z", inner=None, maybe=None, label=None)  # type: ignore[return-value]

    @strawberry.field
    def strict(self) -> list[Outer]:
        return [s for s in sources(pending=False) if s is not None][:2]  # type: ignore[misc]


QUERY = """{
  lonely { id inner { __typename } }
  outers { __typename id label inner { name flag day role count } maybe { name count } }
  strict { id inner { __typename role } }
}"""


def _answer(executor: type | None) -> str:
    schema = CipSchema(
        query=Query,
        federation_version="2.9",
        extensions=[pipeline(dev=True)],
        execution_context_class=executor,
    )
    result = asyncio.run(schema.execute(QUERY))
    return json.dumps(process_result(result), sort_keys=False)


def test_compiled_plans_answer_as_graphql_core_in_every_case() -> None:
    planned_answer = _answer(PlannedExecutor)
    core_answer = _answer(None)
    assert planned_answer == core_answer
    answer = json.loads(planned_answer)
    assert answer["data"] is not None and len(answer["errors"]) >= 6  # the bad cases erred
    # The plans of both object types were compiled (so the simple rows went that way).
    compiled = {plan.type.name: plan.fast for plan in _object_plans()}
    assert {"Outer", "Inner"} <= set(compiled)
    assert compiled["Outer"] is not None and compiled["Inner"] is not None


def _object_plans() -> list[Any]:
    """Every object plan the planner keeps (schema/planned.py's cache), depth first."""
    found: list[Any] = []

    def walk(completion: Any) -> None:
        while completion is not None and completion.object is None:
            completion = completion.inner
        if completion is not None:
            found.append(completion.object)
            for field in completion.object.fields:
                walk(field.completion)

    for entry in planned._CACHE.values():
        for plan in entry.plans.values():
            if plan is not None:
                for field in plan.root.fields:
                    walk(field.completion)
    return found


def test_a_compiled_function_misses_rather_than_deciding_an_error() -> None:
    _answer(PlannedExecutor)
    outer_plans = [p for p in _object_plans() if p.type.name == "Outer" and len(p.fields) == 5]
    lonely = [p for p in _object_plans() if p.type.name == "Outer" and len(p.fields) == 2]
    assert lonely and lonely[0].fast is not None
    assert lonely[0].fast(SimpleNamespace(id="z", inner=None)) is MISS
    assert outer_plans
    fast = outer_plans[-1].fast
    assert fast is not None
    simple = SimpleNamespace(id="a", inner=good_inner(), maybe=None, label=None)
    assert fast(simple) == {
        "__typename": "Outer",
        "id": "a",
        "label": None,
        "inner": {
            "name": "n",
            "flag": True,
            "day": "2026-12-01",
            "role": "FACILITATOR",
            "count": 3,
        },
        "maybe": None,
    }
    for bad in (
        SimpleNamespace(id="a", inner=None, maybe=None, label=None),
        SimpleNamespace(id="a", inner=good_inner(count=True), maybe=None, label=None),
        SimpleNamespace(id="a", inner=good_inner(), maybe=None),  # no label attribute
        SimpleNamespace(id=1, inner=good_inner(), maybe=None, label=None),
    ):
        assert fast(bad) is MISS
