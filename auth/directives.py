"""CIP's own schema directive, exported to the supergraph with @composeDirective."""

from __future__ import annotations

from strawberry.federation.schema_directive import schema_directive
from strawberry.schema_directive import Location

AGGREGATE_ONLY_URL = "https://integral-commons.org/cip/v1.0"


@schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="aggregateOnly",
    description=(
        "Marks a field whose value is an aggregate over care data: resolved only for the "
        "scopes in its @requiresScopes, every count below minCell suppressed."
    ),
    compose=True,
    import_url=AGGREGATE_ONLY_URL,
)
class AggregateOnly:
    min_cell: int = 5
