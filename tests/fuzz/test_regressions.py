"""What the fuzzing run found, kept as plain regression tests on both backends. PostgreSQL
refuses NUL in text columns, so NUL must be refused by an input rule first (BAD_USER_INPUT) or
stored sealed (bytes): never INTERNAL_SERVER_ERROR. The sweep of every typed argument with NUL,
control characters, lone surrogates, blank and oversized strings is the schema-generated table
of tests/test_input_table.py."""

from __future__ import annotations

from tests.support import LiveServer


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
