"""Every root field is guarded: walks the built schema, so a new field without a guard fails.

Every Query, Mutation and Subscription field carries the DirectiveGuard (it enforces the
field's directives); every mutation and every subscription carries the RateGuard inside it,
so the DirectiveGuard refuses a caller before anything is counted (strawberry runs the
last-listed extension first). The
RateGuard counts code redemptions exactly for the mutations that take a ``code``: the mark
set where the field is declared (``member_mutation(..., redeems_code=True)``) must agree
with the arguments.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import strawberry
from starlette.requests import Request
from strawberry.schema.schema_converter import GraphQLCoreConverter

from auth.guard import DirectiveGuard
from auth.rate_guard import RateGuard
from auth.rate_limits import Limits, MemoryCounter, RateLimiter
from auth.viewer import ANONYMOUS, Viewer
from schema.build import build_schema
from schema.fields import member_field, member_mutation, member_subscription, public_field
from schema.pipeline import pipeline

pytestmark = pytest.mark.unit

# Added by strawberry's federation Schema: the SDL, which is public.
FEDERATION_FIELDS = frozenset({"_service"})


def root_guard_faults(schema: strawberry.Schema) -> list[str]:
    """One line for each root field whose guards are missing, misplaced or mismarked."""
    built = schema._schema
    faults = []
    for root in (built.query_type, built.mutation_type, built.subscription_type):
        if root is None:
            continue
        is_mutation = root is not built.query_type  # subscribing counts like a mutation
        for name, field in root.fields.items():
            if name in FEDERATION_FIELDS:
                continue
            where = f"{root.name}.{name}"
            definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
            extensions = list(definition.extensions) if definition is not None else []
            guards = [i for i, e in enumerate(extensions) if isinstance(e, DirectiveGuard)]
            rates = [e for e in extensions if isinstance(e, RateGuard)]
            if len(guards) != 1:
                faults.append(f"{where}: {len(guards)} DirectiveGuards, not 1")
            if not is_mutation:
                continue
            if len(rates) != 1:
                faults.append(f"{where}: {len(rates)} RateGuards, not 1")
                continue
            # Strawberry runs a field's extensions last-listed first.
            if guards and extensions.index(rates[0]) > guards[0]:
                faults.append(f"{where}: the RateGuard runs before the DirectiveGuard")
            takes_code = "code" in field.args
            if rates[0].redeems_code != takes_code:
                marked = "marked" if rates[0].redeems_code else "not marked"
                faults.append(f"{where}: {marked} redeems_code, takes_code={takes_code}")
    return faults


def test_every_root_field_of_cip_is_guarded() -> None:
    assert root_guard_faults(build_schema()) == []


def test_the_code_redeeming_mutations_are_marked_where_declared() -> None:
    mutation = build_schema().get_type_by_name("Mutation")
    assert mutation is not None
    marked = {
        f.name
        for f in mutation.fields  # type: ignore[union-attr]
        for e in f.extensions
        if isinstance(e, RateGuard) and e.redeems_code
    }
    assert marked == {"join_circle", "join_repair_thread", "accept_care_hold"}


async def _text() -> str:
    return "x"


async def _redeem(code: str) -> str:
    return code


@strawberry.type
class _Query:
    guarded: str = member_field(_text)
    open: str = public_field(_text)
    bare: str = strawberry.field(resolver=_text)


@strawberry.type
class _Mutation:
    fine: str = member_mutation(_redeem, redeems_code=True)
    no_rate: str = strawberry.mutation(resolver=_text, extensions=[DirectiveGuard()])
    no_guard: str = strawberry.mutation(resolver=_text, extensions=[RateGuard()])
    rate_first: str = strawberry.mutation(
        resolver=_text, extensions=[DirectiveGuard(), RateGuard()]
    )
    unmarked: str = member_mutation(_redeem)
    wrongly_marked: str = member_mutation(_text, redeems_code=True)


async def _stream() -> AsyncGenerator[str, None]:
    yield "x"


@strawberry.type
class _Subscription:
    fine: str = member_subscription(_stream)
    bare: str = strawberry.subscription(resolver=_stream)
    no_rate: str = strawberry.subscription(resolver=_stream, extensions=[DirectiveGuard()])


def test_the_walk_catches_unguarded_and_mismarked_fields() -> None:
    schema = strawberry.federation.Schema(
        query=_Query, mutation=_Mutation, subscription=_Subscription
    )
    assert root_guard_faults(schema) == [
        "Query.bare: 0 DirectiveGuards, not 1",
        "Mutation.noRate: 0 RateGuards, not 1",
        "Mutation.noGuard: 0 DirectiveGuards, not 1",
        "Mutation.rateFirst: the RateGuard runs before the DirectiveGuard",
        "Mutation.unmarked: not marked redeems_code, takes_code=True",
        "Mutation.wronglyMarked: marked redeems_code, takes_code=False",
        "Subscription.bare: 0 DirectiveGuards, not 1",
        "Subscription.bare: 0 RateGuards, not 1",
        "Subscription.noRate: 0 RateGuards, not 1",
    ]


def test_the_live_subscriptions_are_walked() -> None:
    built = build_schema()._schema
    assert built.subscription_type is not None
    assert set(built.subscription_type.fields) == {"circleActivity", "repairThreadActivity"}


@dataclass
class _Ctx:
    viewer: Viewer
    request: Request


@strawberry.type
class _OneMutation:
    fine: str = member_mutation(_redeem, redeems_code=True)


def test_a_caller_the_directive_guard_refuses_is_not_counted() -> None:
    limits = Limits(mutations_per_minute=1, address_mutations_per_minute=1)
    limiter = RateLimiter(b"k" * 32, MemoryCounter(), limits)
    app = SimpleNamespace(state=SimpleNamespace(rate_limiter=limiter, rate_client_header=None))
    scope = {"type": "http", "app": app, "headers": [], "client": ("192.0.2.1", 1)}
    schema = strawberry.federation.Schema(
        query=_Query, mutation=_OneMutation, extensions=[pipeline(dev=False)]
    )

    def codes(viewer: Viewer) -> list[str]:
        context = _Ctx(viewer=viewer, request=Request(scope))
        result = asyncio.run(schema.execute('mutation { fine(code: "c") }', context_value=context))
        return [e.extensions["code"] for e in result.errors or [] if e.extensions]

    assert [codes(ANONYMOUS) for _ in range(3)] == [["UNAUTHENTICATED"]] * 3
    member = Viewer(subject="p1")
    assert codes(member) == []  # the address's one mutation a minute is still unspent
    assert codes(member) == ["RATE_LIMITED"]
