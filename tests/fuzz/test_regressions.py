"""Inputs the fuzzer's generator favours, kept as plain regression tests on both backends:
NUL and other control characters, empty and very long strings, in every free-text argument.
PostgreSQL refuses NUL in text columns, so each must be refused by an input rule first
(BAD_USER_INPUT) or stored sealed (bytes): never INTERNAL_SERVER_ERROR."""

from __future__ import annotations

import pytest

from tests.support import LiveServer

NASTY = ["\x00", "a\x00b", "", " ", "\u202e\u0007", "x" * 10_000, "\ud7ff\ufffd"]

CALLS = [
    ('mutation($s: String!) { askForSupport(neighborhood: "NBH", note: $s) { id } }', False),
    ('mutation($s: ID!) { askForSupport(neighborhood: $s, note: "hi") { id } }', False),
    ('mutation($s: String) { openCareHold(neighborhood: "NBH", sealedNote: $s) { id } }', True),
    (
        'mutation($s: String!) { formCircle(input: {neighborhood: "NBH", focus: $s, '
        'displayName: "A", role: FACILITATOR}) { id } }',
        True,
    ),
    (
        'mutation($s: String!) { formCircle(input: {neighborhood: "NBH", focus: "f", '
        "displayName: $s, role: FACILITATOR}) { id } }",
        True,
    ),
    (
        'mutation($s: String!) { openRepairThread(input: {neighborhood: "NBH", '
        "myRole: HARMED_PARTY, displayName: $s}) { id } }",
        False,
    ),
    (
        'mutation($s: String!) { addResource(input: {name: $s, kind: OTHER, contact: "c", '
        'neighborhood: "NBH"}) { id } }',
        True,
    ),
    (
        'mutation($s: String!) { addResource(input: {name: "n", kind: OTHER, contact: $s, '
        'neighborhood: "NBH"}) { id } }',
        True,
    ),
    (
        'mutation($s: String) { addResource(input: {name: "n", kind: OTHER, contact: "c", '
        'neighborhood: "NBH", description: $s}) { id } }',
        True,
    ),
    ("mutation($s: String!) { postToPeerChannel(body: $s) { id } }", True),
    ("mutation($s: String!) { joinCircle(code: $s, displayName: $s) { id } }", False),
    ("mutation($s: String!) { acceptCareHold(code: $s) { id } }", True),
    ("mutation($s: String!) { joinRepairThread(code: $s, displayName: $s) { id } }", False),
    ("query($s: ID) { resources(neighborhood: $s) { id } }", False),
    ("query($s: ID!) { careWeeks(neighborhood: $s) { neighborhood } }", True),
    ("query($s: ID!) { careCoordinationView(neighborhood: $s) { neighborhood } }", True),
    ("query($s: ID!) { careSignals(neighborhoods: [$s]) { neighborhood } }", True),
    ("query($s: ID!) { supportAsks(neighborhood: $s) { id } }", True),
    ("mutation($s: ID!) { raiseStewardAlert(neighborhood: $s, urgency: SOON) }", False),
    ("mutation($s: ID!) { openCareHold(neighborhood: $s) { id } }", True),
]


@pytest.mark.parametrize("text", NASTY, ids=[repr(t)[:12] for t in NASTY])
def test_no_free_text_reaches_the_database_raw(server: LiveServer, nbh: str, text: str) -> None:
    member = server.token(f"nasty-{nbh}")
    coord = server.token(f"nasty-c-{nbh}", scopes=["cip:coordinator"], nbh=["*"])
    for query, as_coordinator in CALLS:
        resp = server.gql(
            query.replace("NBH", nbh), {"s": text}, token=coord if as_coordinator else member
        )
        assert resp.status < 500, (query, resp.body)
        assert "INTERNAL_SERVER_ERROR" not in resp.codes, (query, repr(text), resp.body)


def test_cases_the_fuzzing_run_found(server: LiveServer, nbh: str) -> None:
    """Both answered INTERNAL_SERVER_ERROR on PostgreSQL before their input rules caught NUL."""
    coord = server.token(f"found-{nbh}", scopes=["cip:coordinator"], nbh=["*"])
    add = """mutation($d: String) { addResource(input: {name: "Food bank", kind: OTHER,
      contact: "Hall", neighborhood: "NBH", description: $d}) { id } }""".replace("NBH", nbh)
    assert server.gql(add, {"d": "open\x00late"}, token=coord).codes == ["BAD_USER_INPUT"]
    weeks = "query($n: ID!) { careWeeks(neighborhood: $n) { neighborhood } }"
    for bad in ("\x00", f"{nbh}\x00"):
        assert server.gql(weeks, {"n": bad}, token=coord).codes == ["BAD_USER_INPUT"]
    assert server.gql(add, {"d": "open late"}, token=coord).errors == []
