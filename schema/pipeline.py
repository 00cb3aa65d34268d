"""Every step CIP adds to strawberry's handling of an operation, in one schema extension.

Strawberry makes each extension anew for every request and, for every phase (operation,
parse, validate, execute), one context manager per extension hook: five extensions cost
about 4% of a circle(id) request's instructions (docs/benchmarks.md). Here one extension
runs, in this order:

- the operation: each step's ``prepare`` (the query limits set the parser's token limit and
  add their validation rules), the operation itself, its errors shaped (schema/errors.py),
  then each step's ``finish`` (the request facts note the operation's name), which runs also
  when strawberry refuses the operation;
- parsing and validation from the bounded caches of schema/query_cache.py;
- before execution, each step's ``check`` (the ``first`` ranges): a step may set a result,
  which strawberry then answers instead of executing;
- each result of a subscription: its errors shaped before the transport sends it.

A step keeps no state of a request: one instance serves every request.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionContext

from schema.errors import shape_result_errors, shape_stream_errors
from schema.query_cache import parsed, validated


class OperationStep:
    """One concern's part in an operation; every method is optional."""

    def prepare(self, context: ExecutionContext) -> None:
        """Before parsing."""

    def check(self, context: ExecutionContext) -> None:
        """After validation, before execution."""

    def finish(self, context: ExecutionContext) -> None:
        """After the operation, whatever happened to it."""


class Pipeline(SchemaExtension):
    """Configured by :func:`pipeline`; strawberry makes one instance per operation."""

    dev: bool = False
    steps: tuple[OperationStep, ...] = ()

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        steps = self.steps
        try:
            for step in steps:
                step.prepare(context)
            yield
            shape_result_errors(context.result, dev=self.dev)
        finally:
            for step in steps:
                step.finish(context)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            # None when the text does not parse: strawberry parses it and reports the error.
            context.graphql_document = parsed(context.query, context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.validation_rules:
            context.pre_execution_errors = validated(
                context.schema._schema, document, context.validation_rules
            )
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        for step in self.steps:
            step.check(context)
        yield

    def on_stream_result(self, result: Any) -> Iterator[None]:
        shape_stream_errors(result, dev=self.dev)
        yield


def pipeline(*, dev: bool, steps: Sequence[OperationStep] = ()) -> type[Pipeline]:
    """The extension class for a schema: ``dev`` shapes errors for development (their
    messages kept), ``steps`` run in the order given."""
    name = "PipelineDev" if dev else "PipelineProd"
    return type(name, (Pipeline,), {"dev": dev, "steps": tuple(steps)})
