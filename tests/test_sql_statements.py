"""A constant number of SQL statements per request for myCircles and circle(id), whatever the
number of circles, members or updates (per-request DataLoaders; counted with CIP_COUNT_SQL)."""

from __future__ import annotations

from typing import Any

from tests.support import LiveServer, add_member, coordinator, form, member, ok

SELECTION = """
  id focus status myRole rhythm formedOn
  members { id displayName role isMe }
  updates(first: 20) { id body postedOn author { id displayName } }
"""
MY_CIRCLES = f"{{ myCircles {{ {SELECTION} }} }}"
CIRCLE = f"query($id: ID!) {{ circle(id: $id) {{ {SELECTION} }} }}"
POST = "mutation($id: ID!, $b: String!) { postCircleUpdate(circleId: $id, body: $b) { id } }"
MOST = 7  # what the circles code promises for these two queries


def statements(
    server: LiveServer, query: str, token: str, variables: dict[str, Any], found: bool = True
) -> int:
    response = server.client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert response.status_code == 200, body
    assert not body.get("errors") if found else body["errors"][0]["extensions"]["code"], body
    return int(response.headers["x-cip-sql-statements"])


def circles_for(server: LiveServer, nbh: str, circles: int, members: int, updates: int) -> Any:
    """A coordinator facilitating ``circles`` circles, each with members and updates."""
    lead = coordinator(server, nbh)
    ids = []
    for _ in range(circles):
        cid = form(server, lead, nbh)["id"]
        for _ in range(members):
            add_member(server, lead, cid)
        for k in range(updates):
            ok(server.gql(POST, {"id": cid, "b": f"update {k}"}, token=lead.token))
        ids.append(cid)
    return lead, ids


def test_statement_count_does_not_grow_with_circles_members_or_updates(
    server: LiveServer, nbh: str
) -> None:
    small, (small_id,) = circles_for(server, nbh, circles=1, members=0, updates=0)
    large, large_ids = circles_for(server, nbh, circles=5, members=3, updates=4)

    mine_small = statements(server, MY_CIRCLES, small.token, {})
    mine_large = statements(server, MY_CIRCLES, large.token, {})
    one_small = statements(server, CIRCLE, small.token, {"id": small_id})
    one_large = statements(server, CIRCLE, large.token, {"id": large_ids[-1]})

    assert mine_small == mine_large <= MOST, (mine_small, mine_large)
    assert one_small == one_large <= MOST, (one_small, one_large)


def test_a_stranger_costs_no_more_than_a_member(server: LiveServer, nbh: str) -> None:
    _, ids = circles_for(server, nbh, circles=1, members=1, updates=1)
    stranger = member(server)
    assert statements(server, MY_CIRCLES, stranger.token, {}) <= MOST
    assert statements(server, CIRCLE, stranger.token, {"id": ids[0]}, found=False) <= MOST


ASK = 'mutation($n: ID!) { askForSupport(neighborhood: $n, note: "a hand") { id } }'
MY_ASKS = "{ mySupportAsks { id } }"
PEERS = "{ peerChannel(first: 10) { id } }"


def test_no_read_does_global_work(server: LiveServer, nbh: str) -> None:
    """Expired asks and posts elsewhere do not cost a read anything: the read of the day
    after many expired runs the same statements as before, and deletes none of them (the
    background purge and `cip purge` do)."""
    import datetime as dt

    from auth.viewer import COORDINATOR

    start = dt.date(2026, 3, 2)
    server.clock.set(start)
    try:
        reader = server.token(f"reader-{nbh}", scopes=[COORDINATOR], nbh=[nbh])
        for k in range(6):
            ok(server.gql(ASK, {"n": f"{nbh}-{k}"}, token=server.token(f"asker-{nbh}-{k}")))
            server.gql('mutation { postToPeerChannel(body: "hello") { id } }', token=reader)
        before = (statements(server, MY_ASKS, reader, {}), statements(server, PEERS, reader, {}))
        server.clock.set(start + dt.timedelta(days=60))  # all of them expired
        server.gql('mutation { postToPeerChannel(body: "still here") { id } }', token=reader)
        count = f"SELECT COUNT(*) FROM cip_support_ask WHERE neighborhood LIKE '{nbh}-%'"
        after = (statements(server, MY_ASKS, reader, {}), statements(server, PEERS, reader, {}))
        assert after == before
        assert server.sql(count) == [(6,)]  # still there: hidden, not purged by the read
    finally:
        server.clock.set(None)
