"""The planned executor answers byte for byte as graphql-core does (issue 18).

Every query of the suite is compared where it is sent (``LiveServer.gql``); here the
documents that reach the corners: fragments, aliases merged, ``@include``/``@skip`` on literals
and on variables, ``__typename``, literal and variable arguments, errors at the root and deep
in lists, null propagation through non-null fields, documents the planner leaves to
graphql-core, and documents generated from the schema by hypothesis-graphql
(``CIP_DIFFERENTIAL_EXAMPLES``, 40 by default; set it higher for a longer run).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import print_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries

from schema.build import build_schema
from schema.planned import is_planned
from tests.differential import Answers, ExecutorPair
from tests.support import (
    ADD_SLOT,
    POST,
    LiveServer,
    Person,
    add_member,
    coordinator,
    form,
    member,
    ok,
)

EXAMPLES = int(os.environ.get("CIP_DIFFERENTIAL_EXAMPLES", "40"))


@dataclass
class World:
    pair: ExecutorPair
    nbh: str
    me: Person
    other: Person
    coordinator: Person
    circle_id: str


@pytest.fixture(scope="module")
def world(server: LiveServer) -> World:
    nbh = f"n-diff-{server.backend}"
    me = member(server)
    circle = form(server, me, nbh, role="FOCUS", name="Robin")
    other = add_member(server, me, circle["id"], name="Kim")
    add_member(server, me, circle["id"], name="Lee")
    for body in ("first", "second", "third"):
        ok(server.gql(POST, {"id": circle["id"], "body": body}, token=other.token))
    soon = (server.clock.today() + dt.timedelta(days=3)).isoformat()
    ok(server.gql(ADD_SLOT, {"id": circle["id"], "on": soon, "task": "soup"}, me.token))
    form(server, me, nbh, role="SUPPORTER", focus="A second circle", name="Robin")
    return World(
        ExecutorPair(server.settings, server.clock),
        nbh,
        me,
        other,
        coordinator(server, nbh),
        circle["id"],
    )


def answers(
    server: LiveServer,
    world: World,
    query: str,
    variables: dict[str, Any] | None = None,
    who: Person | None = None,
    operation_name: str | None = None,
) -> Answers:
    who = who or world.me
    return server.run(world.pair.answers(query, variables, operation_name, f"Bearer {who.token}"))


SELECTION = """
  id neighborhood focus status myRole rhythm formedOn
  members { id displayName role isMe }
  updates(first: 20) { id body postedOn expiresOn author { id displayName } }
"""

# (name, document, variables): each is planned, and answers as graphql-core does.
PLANNED: list[tuple[str, str, dict[str, Any] | None]] = [
    ("myCircles", f"query {{ myCircles {{ {SELECTION} }} }}", None),
    ("circle by variable", f"query($id: ID!) {{ circle(id: $id) {{ {SELECTION} }} }}", {}),
    (
        "fragments, aliases, typename",
        """
        query Named {
          mine: myCircles { ...C __typename ... on SupportCircle { focus } }
          again: myCircles { id }
        }
        fragment C on SupportCircle {
          id __typename
          members { ...M }
          members { role }
          newest: updates(first: 1) { body author { ...M } }
          oldest: updates(first: 3) { id }
        }
        fragment M on CircleMember { displayName isMe __typename }
        """,
        None,
    ),
    (
        "include and skip on literals and variables",
        """
        query($yes: Boolean!, $no: Boolean = false) {
          myCircles {
            id @include(if: $yes)
            focus @skip(if: $yes)
            rhythm @include(if: $no)
            status @skip(if: false)
            members @include(if: true) { displayName @skip(if: $no) }
            ... @include(if: $yes) { formedOn }
          }
        }
        """,
        {"yes": True},
    ),
    (
        "include and skip, the other way",
        """
        query($yes: Boolean!, $no: Boolean = false) {
          myCircles {
            id @include(if: $yes)
            focus @skip(if: $yes)
            rhythm @include(if: $no)
            ... @include(if: $yes) { formedOn }
          }
        }
        """,
        {"yes": False, "no": True},
    ),
    (
        "argument from a variable",
        "query($f: Int!) { myCircles { updates(first: $f) { body } } }",
        {"f": 2},
    ),
    ("argument out of range", "{ myCircles { id updates(first: 0) { id } } }", None),
    (
        "not found at the root",
        '{ circle(id: "00000000-0000-0000-0000-000000000000") { id } }',
        None,
    ),
    (
        "not found beside data",
        '{ careScope { isNot } circle(id: "x") { id } myCircles { id } }',
        None,
    ),
    (
        "rota with dates",
        '{ myCircles { rota(from: "2020-01-01") { on task holder { isMe } } } }',
        None,
    ),
    ("public field", "{ careScope { isNot __typename } }", None),
    (
        "coordinator field refused to a member",
        "{ myCareHolds { id } wellbeingCheck { due } }",
        None,
    ),
    ("_service", "{ _service { sdl } }", None),
]


@pytest.mark.parametrize(("name", "query", "variables"), PLANNED, ids=[p[0] for p in PLANNED])
def test_planned_documents_answer_as_graphql_core(
    server: LiveServer, world: World, name: str, query: str, variables: dict[str, Any] | None
) -> None:
    if variables == {}:
        variables = {"id": world.circle_id}
    got = answers(server, world, query, variables)
    assert got.was_planned, name
    assert got.planned == got.core
    assert '"data"' in got.planned


def test_a_member_of_no_circle_and_an_anonymous_caller(server: LiveServer, world: World) -> None:
    query = f"query {{ myCircles {{ {SELECTION} }} }}"
    lonely = answers(server, world, query, who=member(server))
    assert lonely.planned == lonely.core == '{"data":{"myCircles":[]}}'
    anonymous = server.run(world.pair.answers(query))
    assert anonymous.planned == anonymous.core
    assert "UNAUTHENTICATED" in anonymous.planned


def test_null_propagates_through_non_null_fields_as_in_graphql_core(
    server: LiveServer, world: World
) -> None:
    # circle is nullable: its NOT_FOUND nulls that field only. updates is [CircleUpdate!]! in
    # myCircles: [SupportCircle!]!, so a bad `first` (a variable: validation cannot see it)
    # nulls every non-null field up to the root, and data with it.
    query = """
    query($f: Int!) { careScope { isNot }
      circle(id: "nope") { id members { id } }
      myCircles { id updates(first: $f) { id } members { displayName } } }
    """
    nullable = answers(server, world, query, {"f": 2})
    assert nullable.was_planned
    assert nullable.planned == nullable.core
    assert '"circle":null' in nullable.planned and '"path":["circle"]' in nullable.planned
    propagated = answers(server, world, query, {"f": 500})
    assert propagated.planned == propagated.core
    assert propagated.planned.startswith('{"data":null,"errors":[')
    assert "first must be between 1 and 100." in propagated.planned


UNPLANNED: list[tuple[str, str]] = [
    ("introspection", '{ __schema { queryType { name } } __type(name: "SupportCircle") { name } }'),
    ("entities (an abstract type)", "{ _entities(representations: []) { __typename } }"),
    ("a syntax error", "{ myCircles { id "),
    ("an unknown field", "{ myCircles { nope } }"),
]


@pytest.mark.parametrize(("name", "query"), UNPLANNED, ids=[u[0] for u in UNPLANNED])
def test_documents_left_to_graphql_core_answer_the_same(
    server: LiveServer, world: World, name: str, query: str
) -> None:
    got = answers(server, world, query)
    assert not got.was_planned, name
    assert got.planned == got.core


def test_mutations_are_planned() -> None:
    schema = build_schema()
    assert is_planned(schema, 'mutation { leaveCircle(circleId: "x") }')
    assert is_planned(
        schema, "mutation($id: ID!) { pauseCircle(circleId: $id) { id } }", {"id": "x"}
    )


def test_mutation_errors_answer_as_graphql_core(server: LiveServer, world: World) -> None:
    # Refused before any write (a closed/unknown circle, a bad argument): safe to run twice.
    for query in (
        'mutation { pauseCircle(circleId: "00000000-0000-0000-0000-000000000000") { id } }',
        'mutation { postCircleUpdate(circleId: "x", body: "") { id } leaveCircle(circleId: "y") }',
    ):
        got = answers(server, world, query)
        assert got.was_planned
        assert got.planned == got.core
        assert '"errors"' in got.planned


def _generated_queries() -> st.SearchStrategy[str]:
    sdl = print_schema(build_schema()._schema)
    return queries(sdl)


# A generated document can null its whole answer with an error in a non-null root field while
# sibling fields are still pending: graphql-core cancels them (gather_with_cancel), and a
# sibling's task cancelled before it started leaves strawberry's resolver coroutine unawaited
# (RuntimeWarning when it is freed). Both executors do it, alike; when the cyclic collector
# frees such a coroutine during this test decides whether pytest reports it, so that one
# warning is let through here, and nothing else.
UNAWAITED_RESOLVER = (
    "ignore:Exception ignored in.*GraphQLCoreConverter.from_resolver.*_async_resolver"
    ":pytest.PytestUnraisableExceptionWarning"
)


@pytest.mark.filterwarnings(UNAWAITED_RESOLVER)
@pytest.mark.parametrize("caller", ["member", "coordinator"])
def test_generated_documents_answer_as_graphql_core(
    server: LiveServer, world: World, caller: str
) -> None:
    who = world.me if caller == "member" else world.coordinator

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(_generated_queries())
    def check(query: str) -> None:
        got = answers(server, world, query, who=who)
        assert got.planned == got.core, query

    check()
