"""Rows that cannot be linked: one person in a circle, a repair thread, an ask, a hold, the
well-being check, the peer channel and the action counts is a different pseudonym in each, and
none of them is the pseudonym of `iss|sub` itself (models/pseudonym.py)."""

from __future__ import annotations

import os

import pytest

from auth.viewer import COORDINATOR
from models.pseudonym import (
    CAPABILITIES,
    capability_key,
    capability_pseudonyms,
    for_capability,
    peer_tag,
    pseudonym,
    rekeyed,
)
from tests.support import GraphQLResponse, LiveServer

KEY = os.urandom(32)

FORM = """mutation($n: ID!) { formCircle(input: {neighborhood: $n, focus: "Holding Sam",
  displayName: "Ama", role: FOCUS}) { id } }"""
ASK = """mutation($n: ID!) { askForSupport(neighborhood: $n, note: "a hand") { id } }"""
THREAD = """mutation($n: ID!) { openRepairThread(input: {neighborhood: $n,
  myRole: HARMED_PARTY, displayName: "Ama"}) { id } }"""
HOLD = """mutation($n: ID!) { openCareHold(neighborhood: $n) { id } }"""
ANSWER = """mutation { answerWellbeingCheck(hasSupport: true, wantsPeerConnection: false) {
  due } }"""
MINE = """{ myCircles { id } mySupportAsks { id } myRepairThreads { id } }"""


def test_each_capability_has_its_own_pseudonym() -> None:
    base = pseudonym(KEY, "https://id.example.org/", "alice")
    each = capability_pseudonyms(KEY, base)
    assert set(each) == set(CAPABILITIES)
    assert len(set(each.values()) | {base}) == len(CAPABILITIES) + 1
    for capability, value in each.items():
        assert value == rekeyed(capability_key(KEY, capability), base)
        assert value == for_capability(KEY, capability, "https://id.example.org/", "alice")
        assert value != for_capability(
            os.urandom(32), capability, "https://id.example.org/", "alice"
        )
    with pytest.raises(ValueError):
        capability_key(KEY, "somewhere-else")


def test_a_peer_tag_differs_for_every_post() -> None:
    me = for_capability(KEY, "support", "iss", "kofi")
    assert peer_tag(me, "post-1") != peer_tag(me, "post-2")
    assert peer_tag(me, "post-1") == peer_tag(me, "post-1")
    assert peer_tag(for_capability(KEY, "support", "iss", "efua"), "post-1") != peer_tag(
        me, "post-1"
    )


def ok(resp: GraphQLResponse) -> object:
    assert not resp.errors, resp.errors
    return resp.data


def test_a_dump_cannot_link_one_person_across_capabilities(server: LiveServer, nbh: str) -> None:
    sub = f"coord-{os.urandom(4).hex()}"
    token = server.token(sub, scopes=[COORDINATOR], nbh=[nbh])
    for query in (FORM, ASK, THREAD, HOLD):
        ok(server.gql(query, {"n": nbh}, token=token))
    ok(server.gql(ANSWER, token=token))
    stored = {
        "circle": server.sql(
            "SELECT m.member FROM cip_circle_member m JOIN cip_circle c ON c.id = m.circle_id "
            f"WHERE c.neighborhood = '{nbh}'"
        ),
        "ask": server.sql(f"SELECT asker FROM cip_support_ask WHERE neighborhood = '{nbh}'"),
        "thread": server.sql(
            "SELECT p.member FROM cip_repair_party p JOIN cip_repair_thread t "
            f"ON t.id = p.thread_id WHERE t.neighborhood = '{nbh}'"
        ),
        "hold": server.sql(f"SELECT holder FROM cip_care_hold WHERE neighborhood = '{nbh}'"),
    }
    values = {name: rows[0][0] for name, rows in stored.items()}
    assert all(len(rows) == 1 for rows in stored.values())
    assert len(set(values.values())) == 3  # the ask and the hold share asks-and-holds
    assert values["ask"] == values["hold"]
    base = pseudonym(server.settings.pseudonym_key, server.settings.jwt_issuer, sub)
    assert base.encode() not in server.dump()
    # Lookups still find the caller's own rows, each with one indexed equality.
    mine = ok(server.gql(MINE, token=token))
    assert mine is not None and all(len(v) == 1 for v in mine.values())  # type: ignore[attr-defined]
