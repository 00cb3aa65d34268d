"""The directive guard on an inline schema, executed for real."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
import strawberry

from auth.directives import AggregateOnly
from auth.guard import DirectiveGuard, FieldRule, authorize, missing_scope_message, rule_for
from auth.viewer import AGGREGATE_READ, ANONYMOUS, COORDINATOR, Viewer
from models.errors import Forbidden, Unauthenticated
from resolvers.request import Policy
from schema.fields import member_field, public_field
from schema.pipeline import pipeline

pytestmark = pytest.mark.unit

POLICY = Policy(pseudonym_key=b"k" * 32, issuer="test", noise_key=b"r" * 32)


@dataclass
class Ctx:
    viewer: Viewer
    policy: Policy = POLICY


async def _mine() -> str:
    return "mine"


async def _agg() -> int:
    return 7


def _pub() -> str:
    return "public"


@strawberry.type
class Query:
    pub: str = public_field(_pub)
    mine: str = member_field(_mine)
    agg: int | None = strawberry.federation.field(
        resolver=_agg,
        requires_scopes=[[COORDINATOR], [AGGREGATE_READ]],
        directives=[AggregateOnly(min_cell=5)],
        extensions=[DirectiveGuard()],
    )


SCHEMA = strawberry.federation.Schema(
    query=Query, federation_version="2.9", extensions=[pipeline(dev=False)]
)
MEMBER = Viewer(subject="p1")
COORD = Viewer(subject="p2", scopes=frozenset({COORDINATOR}), neighborhoods=frozenset({"elm"}))
AI = Viewer(subject="p3", scopes=frozenset({AGGREGATE_READ}))


def run(query: str, viewer: Viewer) -> tuple[dict[str, object] | None, list[str]]:
    result = asyncio.run(SCHEMA.execute(query, context_value=Ctx(viewer)))
    codes = [e.extensions["code"] for e in result.errors or [] if e.extensions]
    return result.data, codes


def test_no_token_gets_public_fields_only() -> None:
    data, codes = run("{ pub mine }", ANONYMOUS)
    assert data is None  # mine is non-null, so the null propagates
    assert codes == ["UNAUTHENTICATED"]
    data, codes = run("{ pub agg }", ANONYMOUS)
    assert data == {"pub": "public", "agg": None} and codes == ["UNAUTHENTICATED"]


def test_a_member_reads_member_fields_but_not_aggregates() -> None:
    assert run("{ mine }", MEMBER) == ({"mine": "mine"}, [])
    data, codes = run("{ pub agg }", MEMBER)
    assert data == {"pub": "public", "agg": None}  # the rest of the response intact
    assert codes == ["FORBIDDEN"]


def test_a_coordinator_reads_aggregates() -> None:
    assert run("{ agg }", COORD) == ({"agg": 7}, [])


def test_an_ai_client_reads_aggregates_and_public_fields_only() -> None:
    assert run("{ pub agg }", AI) == ({"pub": "public", "agg": 7}, [])
    _, codes = run("{ mine }", AI)
    assert codes == ["FORBIDDEN"]


def test_rules_come_from_the_directives() -> None:
    assert rule_for(Query.__strawberry_definition__.get_field("mine").directives) == FieldRule(  # type: ignore[attr-defined,union-attr]
        authenticated=True
    )
    agg_rule = rule_for(Query.__strawberry_definition__.get_field("agg").directives)  # type: ignore[attr-defined,union-attr]
    assert agg_rule.min_cell == 5
    assert agg_rule.scope_sets == (frozenset({COORDINATOR}), frozenset({AGGREGATE_READ}))


def test_authorize_is_pure() -> None:
    authorize(ANONYMOUS, FieldRule())
    for viewer, rule, exc in [
        (ANONYMOUS, FieldRule(authenticated=True), Unauthenticated),
        (MEMBER, FieldRule(authenticated=True, scope_sets=(frozenset({COORDINATOR}),)), Forbidden),
        (AI, FieldRule(authenticated=True), Forbidden),
    ]:
        try:
            authorize(viewer, rule)
        except exc:
            continue
        raise AssertionError(f"{viewer} passed {rule}")


def test_viewer_neighbourhoods() -> None:
    assert COORD.coordinates("elm") and not COORD.coordinates("oak")
    assert not COORD.coordinates(None)
    everywhere = Viewer(subject="p", scopes=frozenset({COORDINATOR}), neighborhoods=frozenset("*"))
    assert everywhere.coordinates("oak") and everywhere.coordinates(None)
    assert not MEMBER.coordinates("elm")


def test_forbidden_says_what_the_token_lacks() -> None:
    member_rule = FieldRule(authenticated=True, scope_sets=(frozenset({COORDINATOR}),))
    try:
        authorize(MEMBER, member_rule)
    except Forbidden as refused:
        assert refused.code == "FORBIDDEN"
        assert "cip:coordinator" in refused.message and "`scope`" in refused.message
    else:
        raise AssertionError("a member passed a coordinator field")
    assert missing_scope_message((frozenset({COORDINATOR}), frozenset({AGGREGATE_READ}))) == (
        "This field needs the scope cip:coordinator or cip:aggregate:read in your token's "
        "`scope` claim."
    )
    other = Viewer(subject="p4", scopes=frozenset({COORDINATOR}), neighborhoods=frozenset({"oak"}))
    try:
        authorize(other, FieldRule(authenticated=True, min_cell=5), ["elm"])
    except Forbidden as refused:
        assert "does not act for this neighbourhood" in refused.message
        assert "`nbh` claim" in refused.message
    else:
        raise AssertionError("a coordinator of oak read elm")
    data, codes = run("{ pub agg }", MEMBER)
    assert codes == ["FORBIDDEN"]
