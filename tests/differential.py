"""The planned executor against graphql-core's, on the same data: the oracle of issue 18.

``ExecutorPair`` holds two schemas built alike (the app's extensions, its error shaping), one
with the planned executor and one with graphql-core's. ``answers`` runs one document through
both, each with a fresh request context as the app makes it, and gives the two HTTP bodies
exactly as the app encodes them: a difference in a message, a path, a location, an extension,
a null or the order of keys is a difference in the bytes.

``LiveServer.gql`` (tests/support/servers.py) calls it after every query the test suite sends,
so every document of the suite is compared on the data the suite made; ``CIP_TEST_DOCUMENTS=path``
also writes them, one JSON line each, for a look or a replay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from strawberry.http import process_result

from auth.authenticate import Authenticator
from models.clock import Clock
from models.errors import Unauthenticated
from models.sealing import Sealer
from resolvers.request import CareContext
from schema.build import CipSchema, build_schema
from schema.planned import is_planned
from subgraph.app import make_authenticator, operation_steps
from subgraph.policy import Policy, policy_from
from subgraph.settings import Settings


def operation_type(query: str, operation_name: str | None = None) -> OperationType | None:
    """The type of the operation a document would run; None when it does not parse or names
    no single operation."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for op in operations:
        if (operation_name is None and len(operations) == 1) or (
            op.name is not None and op.name.value == operation_name
        ):
            return op.operation
    return None


@dataclass(frozen=True)
class Answers:
    planned: str
    core: str
    was_planned: bool


class ExecutorPair:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.planned: CipSchema = build_schema(
            dev=settings.is_dev, steps=operation_steps(settings), executor="planned"
        )
        self.core: CipSchema = build_schema(
            dev=settings.is_dev, steps=operation_steps(settings), executor="core"
        )
        self.policy: Policy = policy_from(settings)
        self.auth: Authenticator = make_authenticator(settings)

    async def _answer(
        self,
        schema: CipSchema,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        authorization: str | None,
    ) -> str:
        try:
            viewer = await self.auth.viewer(authorization)
        except Unauthenticated as error:
            return f"refused: {error.code}"
        context = CareContext(
            viewer=viewer,
            sealer=Sealer(self.settings.master_key, self.clock),
            clock=self.clock,
            policy=self.policy,
        )
        result = await schema.execute(
            query, variable_values=variables, context_value=context, operation_name=operation_name
        )
        return json.dumps(process_result(result), separators=(",", ":"))

    async def answers(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        authorization: str | None = None,
    ) -> Answers:
        core = await self._answer(self.core, query, variables, operation_name, authorization)
        planned = await self._answer(self.planned, query, variables, operation_name, authorization)
        return Answers(
            planned=planned,
            core=core,
            was_planned=is_planned(self.planned, query, variables, operation_name),
        )
