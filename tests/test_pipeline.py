"""The one schema extension (schema/pipeline.py), its runner and the query caches
(schema/query_cache.py): the order of the steps, what runs when an operation fails, that the
caches answer what graphql-core would and stay bounded, and that strawberry's own runner is
used whenever another extension is present."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import strawberry
from graphql import parse, specified_rules, validate
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionContext
from strawberry.types.graphql import OperationType

from schema import query_cache
from schema.build import CipSchema
from schema.pipeline import OperationStep, Pipeline, PipelineRunner, pipeline

pytestmark = pytest.mark.unit


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "hi"

    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("secret detail")


class Recorder(OperationStep):
    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    def prepare(self, context: ExecutionContext) -> None:
        self.log.append(f"prepare {self.name}")

    def check(self, context: ExecutionContext) -> None:
        self.log.append(f"check {self.name}")

    def finish(self, context: ExecutionContext) -> None:
        errors = context.result.errors if context.result is not None else None
        codes = [(e.extensions or {}).get("code") for e in errors or ()]
        self.log.append(f"finish {self.name} {codes}")


def _context() -> ExecutionContext:
    return ExecutionContext(
        query="{ hello }", schema=_schema([]), allowed_operations=frozenset({OperationType.QUERY})
    )


def _schema(steps: list[OperationStep], *more: Any) -> CipSchema:
    return CipSchema(
        query=Query, federation_version="2.9", extensions=[*more, pipeline(dev=False, steps=steps)]
    )


def test_steps_run_in_order_and_finish_sees_shaped_errors() -> None:
    log: list[str] = []
    schema = _schema([Recorder("a", log), Recorder("b", log)])
    result = asyncio.run(schema.execute("{ broken }"))
    assert result.errors is not None
    assert result.errors[0].message == "Internal server error."
    assert log == [
        "prepare a",
        "prepare b",
        "check a",
        "check b",
        "finish a ['INTERNAL_SERVER_ERROR']",
        "finish b ['INTERNAL_SERVER_ERROR']",
    ]


def test_a_document_that_does_not_parse_is_reported_and_finish_still_runs() -> None:
    log: list[str] = []
    schema = _schema([Recorder("a", log)])
    result = asyncio.run(schema.execute("{ hello "))
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT"}
    assert "Syntax Error" in result.errors[0].message
    assert log[0] == "prepare a" and log[-1].startswith("finish a")
    assert "check a" not in log  # nothing executes


def test_an_operation_that_raises_is_not_shaped_but_finished() -> None:
    """Through the runner as through strawberry's hooks: an exception inside the operation
    skips the shaping and the steps' finish runs (strawberry refuses a mutation over GET
    this way)."""
    log: list[str] = []
    cls = pipeline(dev=False, steps=[Recorder("a", log)])
    extension = cls()
    extension.execution_context = _context()
    runner = PipelineRunner(extension.execution_context, [extension])
    with pytest.raises(ValueError, match="refused"):
        with runner.operation():
            raise ValueError("refused")
    assert log == ["prepare a", "finish a []"]


def test_the_runner_and_strawberrys_hooks_give_the_same_answers() -> None:
    class Nothing(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            yield

    log_fast: list[str] = []
    log_hooks: list[str] = []
    fast = _schema([Recorder("a", log_fast)])
    hooks = _schema([Recorder("a", log_hooks)], Nothing)
    for query in ("{ hello }", "{ broken }", "{ nope }", "{ hello "):
        a = asyncio.run(fast.execute(query))
        b = asyncio.run(hooks.execute(query))
        assert (a.data, [e.formatted for e in a.errors or ()]) == (
            b.data,
            [e.formatted for e in b.errors or ()],
        )
    assert log_fast == log_hooks


def test_the_runner_leaves_other_extensions_to_strawberry() -> None:
    class Nothing(SchemaExtension):
        pass

    context = _context()
    only = PipelineRunner(context, [Pipeline()])
    mixed = PipelineRunner(context, [Nothing(), Pipeline()])
    assert type(only.operation()).__name__ == "_Phase"
    assert type(mixed.operation()).__name__ == "OperationContextManager"


def test_validation_is_kept_per_document_and_agrees_with_graphql_core() -> None:
    schema = _schema([])._schema
    document = parse("{ hello nope }")
    rules = tuple(specified_rules)
    first = query_cache.validated(schema, document, rules)
    assert [e.message for e in first] == [e.message for e in validate(schema, document, rules)]
    assert query_cache.validated(schema, document, rules) is first  # kept
    # An equal document parsed again is another object: validated on its own.
    again = parse("{ hello nope }")
    assert query_cache.validated(schema, again, rules) is not first


def test_per_document_memo_is_bounded_and_keyed_by_identity() -> None:
    calls: list[int] = []

    def count(document: Any) -> int:
        calls.append(1)
        return len(document.definitions)

    memo = query_cache.per_document(count)
    documents = [parse(f"{{ a{i} }}") for i in range(query_cache.QUERY_CACHE_SIZE + 10)]
    for d in documents:
        assert memo(d) == 1
    assert len(calls) == len(documents)
    memo(documents[-1])  # still kept
    assert len(calls) == len(documents)
    memo(documents[0])  # evicted long ago: computed again
    assert len(calls) == len(documents) + 1


def test_parsed_gives_none_for_a_text_that_does_not_parse() -> None:
    assert query_cache.parsed("{ hello ", {}) is None
    document = query_cache.parsed("{ hello }", {})
    assert document is not None and query_cache.parsed("{ hello }", {}) is document
