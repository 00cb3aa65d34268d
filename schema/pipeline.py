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

A step keeps no state of a request: one instance serves every request. CIP's schema runs the
phases through :class:`PipelineRunner`, without strawberry's per-request hook machinery.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
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
    """Configured by :func:`pipeline`; strawberry makes one instance per operation. Its
    phases are plain methods: :class:`PipelineRunner` calls them directly, and the hooks
    below (strawberry's own runner, for a schema that is not CIP's) call the same methods."""

    dev: bool = False
    steps: tuple[OperationStep, ...] = ()

    # ------------------------------------------------------------------ the phases
    def begin_operation(self) -> None:
        for step in self.steps:
            step.prepare(self.execution_context)

    def end_operation(self, failed: bool) -> None:
        """After the operation; ``failed``: it raised (its errors are not shaped then)."""
        try:
            if not failed:
                shape_result_errors(self.execution_context.result, dev=self.dev)
        finally:
            for step in self.steps:
                step.finish(self.execution_context)

    def parse(self) -> None:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            # None when the text does not parse: strawberry parses it and reports the error.
            context.graphql_document = parsed(context.query, context.parse_options)

    def validate(self) -> None:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.validation_rules:
            context.pre_execution_errors = validated(
                context.schema._schema, document, context.validation_rules
            )

    def before_execute(self) -> None:
        for step in self.steps:
            step.check(self.execution_context)

    # ------------------------------------------------------------------ strawberry's hooks
    def on_operation(self) -> Iterator[None]:
        self.begin_operation()
        try:
            yield
        except BaseException:
            self.end_operation(failed=True)
            raise
        self.end_operation(failed=False)

    def on_parse(self) -> Iterator[None]:
        self.parse()
        yield

    def on_validate(self) -> Iterator[None]:
        self.validate()
        yield

    def on_execute(self) -> Iterator[None]:
        self.before_execute()
        yield

    def on_stream_result(self, result: Any) -> Iterator[None]:
        shape_stream_errors(result, dev=self.dev)
        yield


class _Phase:
    """A phase as a plain context manager (sync and async): ``enter`` before, ``leave`` after
    with whether the block raised. An exception is never swallowed."""

    __slots__ = ("_enter", "_leave")

    def __init__(
        self, enter: Callable[[], None], leave: Callable[[bool], None] | None = None
    ) -> None:
        self._enter = enter
        self._leave = leave

    def __enter__(self) -> None:
        self._enter()

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self._leave is not None:
            self._leave(kind is not None)

    async def __aenter__(self) -> None:
        self._enter()

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self._leave is not None:
            self._leave(kind is not None)


class PipelineRunner(SchemaExtensionsRunner):
    """Strawberry's extension runner for a schema whose only extension is the pipeline: each
    phase calls the pipeline's method directly. Strawberry's own runner builds, for every
    phase of every request, an exit stack and a context-manager wrapper per hook (about a
    tenth of a small request's instructions, docs/benchmarks.md). With other extensions
    present, strawberry's own runner runs them all."""

    def __init__(self, execution_context: ExecutionContext, extensions: list[Any]) -> None:
        super().__init__(execution_context, extensions)
        only = extensions[0] if len(extensions) == 1 else None
        self._pipeline = only if isinstance(only, Pipeline) else None

    def operation(self) -> Any:
        p = self._pipeline
        return super().operation() if p is None else _Phase(p.begin_operation, p.end_operation)

    def parsing(self) -> Any:
        p = self._pipeline
        return super().parsing() if p is None else _Phase(p.parse)

    def validation(self) -> Any:
        p = self._pipeline
        return super().validation() if p is None else _Phase(p.validate)

    def executing(self) -> Any:
        p = self._pipeline
        return super().executing() if p is None else _Phase(p.before_execute)

    def on_stream_result(self, result: Any) -> Any:
        p = self._pipeline
        if p is None:
            return super().on_stream_result(result)
        dev = p.dev
        return _Phase(lambda: shape_stream_errors(result, dev=dev))


def pipeline(*, dev: bool, steps: Sequence[OperationStep] = ()) -> type[Pipeline]:
    """The extension class for a schema: ``dev`` shapes errors for development (their
    messages kept), ``steps`` run in the order given."""
    name = "PipelineDev" if dev else "PipelineProd"
    return type(name, (Pipeline,), {"dev": dev, "steps": tuple(steps)})
