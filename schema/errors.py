"""Shapes every error once: domain errors keep their code, the rest is masked.

Codes come from ``models.errors`` (the error tree). Validation and parse errors answer
BAD_USER_INPUT; "Did you mean" hints are removed outside dev. Anything unexpected becomes
INTERNAL_SERVER_ERROR with no detail, and is logged by type name only: exception messages can
carry SQL parameters, and those must never reach a log.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.types.execution import ExecutionResult

from models.errors import BadUserInput, CipError, NotFound
from models.sealing import SealError

log = logging.getLogger("cip.errors")
_SUGGESTION = re.compile(r"\s*Did you mean .*$")


def shape_error(error: GraphQLError, *, dev: bool) -> GraphQLError:
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    if isinstance(original, CipError):
        code, message = original.code, original.message
    elif isinstance(original, SealError):
        # A sealed object whose key was shredded by a concurrent close or purge, between the
        # lookup and the opening: it no longer exists, and answers as if it never had.
        code, message = NotFound.code, NotFound.default_message
    elif original is None or isinstance(original, GraphQLError):
        # Parse and validation errors (unknown field, bad enum value, bad Date literal).
        code = BadUserInput.code
        message = error.message if dev else _SUGGESTION.sub("", error.message)
    else:
        log.error("unexpected error: %s", type(original).__name__)
        code, message = "INTERNAL_SERVER_ERROR", "Internal server error."
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": code},
    )


def shape_result_errors(result: Any, *, dev: bool) -> None:
    """An operation's errors, shaped (schema/pipeline.py runs it after every operation)."""
    if isinstance(result, (GraphQLExecutionResult, ExecutionResult)) and result.errors:
        result.errors = [shape_error(e, dev=dev) for e in result.errors]


def shape_stream_errors(result: Any, *, dev: bool) -> None:
    """Each result of a subscription, shaped before the transport sends it."""
    if isinstance(result, (GraphQLExecutionResult, ExecutionResult)) and result.errors:
        result.errors = [e if _shaped(e) else shape_error(e, dev=dev) for e in result.errors]


def _shaped(error: GraphQLError) -> bool:
    return error.original_error is None and bool((error.extensions or {}).get("code"))
