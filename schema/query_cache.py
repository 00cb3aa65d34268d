"""Parsing and validation cached per worker (bounded), without changing how errors look.

Strawberry's ParserCache parses inside its extension hook, so a syntax error would escape the
path that shapes errors (BAD_USER_INPUT). Here a query that does not parse is left to
strawberry's own parse, which reports it as usual; lru_cache never caches an exception.
Measured in docs/benchmarks.md.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache

QUERY_CACHE_SIZE = 256  # distinct query texts kept parsed and validated, per worker


class ShapedParserCache(ParserCache):
    def __init__(self) -> None:
        super().__init__(maxsize=QUERY_CACHE_SIZE)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        except GraphQLError:
            pass  # strawberry parses it again below and reports the error the usual way
        yield


class BoundedValidationCache(ValidationCache):
    def __init__(self) -> None:
        super().__init__(maxsize=QUERY_CACHE_SIZE)
