"""Well-being checks and the peer channel, through the API on both databases."""

from __future__ import annotations

import datetime as dt

import pytest

from models.pseudonym import CAPABILITIES, SUPPORT
from resolvers.expiry import purge_all
from resolvers.support.wellbeing import is_due
from tests.support import LiveServer, coordinator_token, subject_of

CHECK = "{ wellbeingCheck { due lastAnsweredOn prompt } }"
ANSWER = """mutation($s: Boolean!, $p: Boolean!) {
  answerWellbeingCheck(hasSupport: $s, wantsPeerConnection: $p) { due lastAnsweredOn prompt } }"""
CHANNEL = "query($n: Int!) { peerChannel(first: $n) { id body postedOn expiresOn mine } }"
POST = "mutation($b: String!) { postToPeerChannel(body: $b) { id body postedOn expiresOn mine } }"
DAY = dt.date(2026, 3, 2)  # the `day` fixture's Monday


def test_is_due_rule() -> None:
    assert is_due(None, DAY, 14)
    assert not is_due(DAY - dt.timedelta(days=13), DAY, 14)
    assert is_due(DAY - dt.timedelta(days=14), DAY, 14)


def test_due_at_once_then_every_14_days(server: LiveServer, sub: str, day: dt.date) -> None:
    token = coordinator_token(server, sub, "elm")
    first = server.gql(CHECK, token=token)
    assert first.errors == [] and first.data["wellbeingCheck"]["due"] is True
    assert first.data["wellbeingCheck"]["lastAnsweredOn"] is None

    answered = server.gql(ANSWER, {"s": True, "p": False}, token=token)
    assert answered.data["answerWellbeingCheck"] == {
        "due": False,
        "lastAnsweredOn": day.isoformat(),
        "prompt": answered.data["answerWellbeingCheck"]["prompt"],
    }
    server.clock.set(day + dt.timedelta(days=13))
    assert server.gql(CHECK, token=token).data["wellbeingCheck"]["due"] is False
    server.clock.set(day + dt.timedelta(days=14))
    later = server.gql(CHECK, token=token).data["wellbeingCheck"]
    assert later == {**later, "due": True, "lastAnsweredOn": day.isoformat()}


def test_no_answer_value_is_stored_anywhere(server: LiveServer, sub: str, day: dt.date) -> None:
    token = coordinator_token(server, sub, "elm")
    server.gql(ANSWER, {"s": False, "p": False}, token=token)
    columns = (
        {r[1] for r in server.sql("PRAGMA table_info(cip_wellbeing_answer)")}
        if (server.backend == "sqlite")
        else {
            r[0]
            for r in server.sql(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'cip_wellbeing_answer'"
            )
        }
    )
    assert columns == {"coordinator", "answered_on"}
    metrics = server.sql("SELECT metric FROM cip_aggregate_count")
    assert not [r for r in metrics if "wellbeing" in str(r[0])]


def test_wanting_a_peer_conversation_posts_an_anonymous_note(
    server: LiveServer, sub: str, day: dt.date
) -> None:
    asker = coordinator_token(server, sub, "elm")
    other = coordinator_token(server, sub + "-other", "oak")
    server.gql(ANSWER, {"s": True, "p": True}, token=asker)
    posts = server.gql(CHANNEL, {"n": 100}, token=other).data["peerChannel"]
    notes = [p for p in posts if p["body"] == "A coordinator would welcome a peer conversation."]
    assert notes and all(p["mine"] is False for p in notes)
    # Not even the asker sees it as theirs: the note carries no author at all.
    mine = server.gql(CHANNEL, {"n": 100}, token=asker).data["peerChannel"]
    assert all(not p["mine"] for p in mine if p["id"] in {n["id"] for n in notes})
    rows = server.sql("SELECT mine_tag FROM cip_peer_post")
    assert (None,) in rows


def test_posts_are_sealed_marked_mine_and_purged_after_30_days(
    server: LiveServer, sub: str, day: dt.date
) -> None:
    alice, bob = (
        coordinator_token(server, sub + "-a", "elm"),
        coordinator_token(server, sub + "-b", "oak"),
    )
    body = f"Struggling after the Hassan family's news {sub}"
    server.clock.set(day + dt.timedelta(days=2))  # a Wednesday
    posted = server.gql(POST, {"b": body}, token=alice).data["postToPeerChannel"]
    # The week, not the day: posted as its Monday, and every post of that week expires
    # together, 30 to 36 days after it was written.
    assert posted["mine"] is True and posted["postedOn"] == str(day)
    assert posted["expiresOn"] == "2026-04-07"
    seen_by_bob = {
        p["id"]: p for p in server.gql(CHANNEL, {"n": 100}, token=bob).data["peerChannel"]
    }
    assert seen_by_bob[posted["id"]]["body"] == body
    assert seen_by_bob[posted["id"]]["mine"] is False
    assert body.encode() not in server.dump()
    assert sub.encode() not in server.dump()

    server.clock.set(day + dt.timedelta(days=37))
    after = server.gql(CHANNEL, {"n": 100}, token=bob).data["peerChannel"]
    assert posted["id"] not in {p["id"] for p in after}
    server.run(purge_all(day + dt.timedelta(days=37)))
    assert server.sql(f"SELECT id FROM cip_peer_post WHERE id = '{posted['id']}'") == []
    keys = server.sql(f"SELECT owner FROM cip_data_key WHERE owner = 'peer:{posted['id']}'")
    assert keys == []


def test_no_row_ties_a_post_to_its_author_or_to_another_post(
    server: LiveServer, sub: str, day: dt.date
) -> None:
    """Two posts of one coordinator: their rows share no value (each tag is the post's own),
    neither holds any of the author's pseudonyms, yet the author sees both as theirs."""
    alice = coordinator_token(server, sub + "-a", "elm")
    ids = [
        server.gql(POST, {"b": f"note {i}"}, token=alice).data["postToPeerChannel"]["id"]
        for i in range(2)
    ]
    tags = [server.sql(f"SELECT mine_tag FROM cip_peer_post WHERE id = '{i}'")[0][0] for i in ids]
    assert len(set(tags)) == 2 and None not in tags
    stored = {subject_of(server, sub + "-a", c) for c in CAPABILITIES}
    stored.add(subject_of(server, sub + "-a", SUPPORT))
    assert not stored & set(tags)
    mine = {
        p["id"]
        for p in server.gql(CHANNEL, {"n": 100}, token=alice).data["peerChannel"]
        if p["mine"]
    }
    assert set(ids) <= mine


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_bad_posts_are_refused_and_nothing_is_written(
    server: LiveServer, sub: str, body: str
) -> None:
    before = server.sql("SELECT COUNT(*) FROM cip_peer_post")
    resp = server.gql(POST, {"b": body}, token=coordinator_token(server, sub, "elm"))
    assert resp.codes == ["BAD_USER_INPUT"]
    assert server.sql("SELECT COUNT(*) FROM cip_peer_post") == before


def test_first_is_bounded(server: LiveServer, sub: str) -> None:
    for n in (0, 101):
        assert server.gql(CHANNEL, {"n": n}, token=coordinator_token(server, sub, "elm")).codes == [
            "BAD_USER_INPUT"
        ]


@pytest.mark.parametrize(
    "query",
    [CHECK, "{ peerChannel { id } }"],
)
def test_members_and_ai_clients_are_forbidden(server: LiveServer, sub: str, query: str) -> None:
    assert server.gql(query, token=server.token(sub)).codes == ["FORBIDDEN"]
    ai = server.token(sub, scopes=["cip:aggregate:read"], nbh=["*"])
    assert server.gql(query, token=ai).codes == ["FORBIDDEN"]
    assert server.gql(query).codes == ["UNAUTHENTICATED"]


def test_mutations_are_coordinator_only(server: LiveServer, sub: str) -> None:
    member = server.token(sub)
    assert server.gql(POST, {"b": "hi"}, token=member).codes == ["FORBIDDEN"]
    assert server.gql(ANSWER, {"s": True, "p": True}, token=member).codes == ["FORBIDDEN"]
    assert server.sql(f"SELECT * FROM cip_wellbeing_answer WHERE coordinator = '{sub}'") == []
