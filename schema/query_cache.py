"""Parsing and validation cached per worker (bounded), without changing how errors look.

Parsing: a bounded LRU cache keyed by the query text and the parser's options (the token
limit). A text that does not parse is not cached (lru_cache never caches an exception): the
caller leaves it to strawberry's own parse, which reports the error the usual way
(BAD_USER_INPUT), where strawberry's ParserCache would let it escape the path that shapes errors.

Validation: keyed by the parsed document itself, by identity (the parse cache hands back the
same object for the same text), with the schema and the rules. Strawberry's ValidationCache
keys an lru_cache on the document, and a document's hash is its frozen dataclass hash: every
node of the tree hashed in Python on every request. Measured in docs/benchmarks.md.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, validate

QUERY_CACHE_SIZE = 256  # distinct query texts kept parsed and validated, per worker

_parse = lru_cache(maxsize=QUERY_CACHE_SIZE)(parse)

_Key = tuple[int, int, tuple[Any, ...]]
# key -> (schema, document, errors): the schema and document are kept so their ids stay theirs
_validated: OrderedDict[_Key, tuple[GraphQLSchema, DocumentNode, list[GraphQLError]]] = (
    OrderedDict()
)


T = TypeVar("T")


def per_document(compute: Callable[[DocumentNode], T]) -> Callable[[DocumentNode], T]:
    """``compute`` of a parsed document, kept by the document's identity (bounded as the
    parse cache is): what depends on the document alone is worked out once per query text."""
    kept: OrderedDict[int, tuple[DocumentNode, T]] = OrderedDict()

    def of(document: DocumentNode) -> T:
        key = id(document)
        entry = kept.get(key)
        if entry is not None and entry[0] is document:
            kept.move_to_end(key)
            return entry[1]
        value = compute(document)
        kept[key] = (document, value)
        if len(kept) > QUERY_CACHE_SIZE:
            kept.popitem(last=False)
        return value

    return of


def parsed(query: str, options: Mapping[str, Any]) -> DocumentNode | None:
    """The query's document, or None when it does not parse."""
    try:
        return _parse(query, **options)
    except GraphQLError:
        return None


def validated(
    schema: GraphQLSchema, document: DocumentNode, rules: Sequence[Any]
) -> list[GraphQLError]:
    """graphql-core's validation errors for the document under these rules, kept once made."""
    rules = tuple(rules)
    key = (id(schema), id(document), rules)
    kept = _validated.get(key)
    if kept is not None and kept[0] is schema and kept[1] is document:
        _validated.move_to_end(key)
        return kept[2]
    errors = validate(schema, document, rules)
    _validated[key] = (schema, document, errors)
    if len(_validated) > QUERY_CACHE_SIZE:
        _validated.popitem(last=False)
    return errors
