"""Assembles the federated Schema from the capability modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import strawberry
from graphql import GraphQLError
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.federation.schema_directives import Link
from strawberry.printer import print_schema
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.aggregates.care_view import CareViewQuery
from schema.asks_holds.asks import AskMutation, AskQuery
from schema.asks_holds.holds import HoldMutation, HoldQuery
from schema.circles.operations import CircleMutation, CircleQuery
from schema.live.activity import LiveSubscription
from schema.local_commons import LocalCommonsMutation
from schema.pipeline import OperationStep, PipelineRunner, pipeline
from schema.planned import PlannedExecutor
from schema.repair.threads import RepairMutation, RepairQuery
from schema.scope import ScopeQuery
from schema.support.coordinator_support import CoordinatorSupportMutation, CoordinatorSupportQuery
from schema.support.resources import ResourceMutation, ResourceQuery

FEDERATION_VERSION: Literal["2.9"] = "2.9"

QUERY_PARTS: tuple[type, ...] = (
    ScopeQuery,
    CareViewQuery,
    CoordinatorSupportQuery,
    AskQuery,
    HoldQuery,
    RepairQuery,
    ResourceQuery,
    CircleQuery,
)
MUTATION_PARTS: tuple[type, ...] = (
    CoordinatorSupportMutation,
    AskMutation,
    HoldMutation,
    RepairMutation,
    LocalCommonsMutation,
    ResourceMutation,
    CircleMutation,
)
SUBSCRIPTION_PARTS: tuple[type, ...] = (LiveSubscription,)


class CipSchema(strawberry.federation.Schema):
    def _add_link_directives(self, additional_directives: Any = None) -> None:
        super()._add_link_directives(additional_directives)
        # Link Federation 2 even before any federation directive is in use, so the
        # gateway never reads this subgraph as a Federation 1 schema.
        url = f"https://specs.apollo.dev/federation/v{FEDERATION_VERSION}"
        if not any(isinstance(d, Link) and d.url == url for d in self.schema_directives):
            self.schema_directives = [*self.schema_directives, Link(url=url, import_=[])]

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[Any]
    ) -> SchemaExtensionsRunner:
        return PipelineRunner(execution_context, extensions)

    def process_errors(
        self,
        errors: list[GraphQLError],  # noqa: ARG002
        execution_context: ExecutionContext | None = None,  # noqa: ARG002
    ) -> None:
        # Errors are shaped and logged without detail by ErrorShaping; nothing more here.
        return None


def build_schema(
    *, dev: bool = True, steps: Sequence[OperationStep] = (), executor: str = "planned"
) -> CipSchema:
    """``steps``: the app's query limits and request facts, run by the one extension of
    schema/pipeline.py beside error shaping and the query caches. ``executor``: ``planned``
    (schema/planned.py) or ``core`` (graphql-core's throughout)."""
    query = merge_types("Query", QUERY_PARTS)
    mutation: Any = merge_types("Mutation", MUTATION_PARTS) if MUTATION_PARTS else None
    subscription = merge_types("Subscription", SUBSCRIPTION_PARTS)
    return CipSchema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        federation_version=FEDERATION_VERSION,
        # One extension for every step (schema/pipeline.py): strawberry makes each extension's
        # hooks anew per request. Parsing and validating depend on the query text and the
        # schema only, never on the caller: both are cached per worker (schema/query_cache.py).
        extensions=[pipeline(dev=dev, steps=steps)],
        execution_context_class=PlannedExecutor if executor == "planned" else None,
    )


def export_sdl() -> str:
    """The SDL other tools compose: what `cip export-schema` writes."""
    return print_schema(build_schema()).rstrip() + "\n"
