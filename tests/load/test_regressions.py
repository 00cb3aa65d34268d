"""What the load test found, kept as plain tests on both backends."""

from __future__ import annotations

from models.keystore import DataKey
from resolvers.asks_holds.asks import ask_owner
from tests.support import LiveServer

ASK = 'mutation($n: ID!) { askForSupport(neighborhood: $n, note: "the roof") { id } }'
MINE = "{ mySupportAsks { id note } }"
OPEN_ASKS = "query($n: ID!) { supportAsks(neighborhood: $n) { id note } }"


def test_an_ask_taken_while_being_listed_is_left_out(server: LiveServer, nbh: str) -> None:
    """Under load, a coordinator took an ask (row deleted, key shredded) between another
    request's listing and its decryption: INTERNAL_SERVER_ERROR. The state in between, a row
    whose key is already gone, must simply not be listed."""
    asker = server.token(f"asker-{nbh}")
    coord = server.token(f"coord-{nbh}", scopes=["cip:coordinator"], nbh=[nbh])
    kept = server.gql(ASK, {"n": nbh}, token=asker).data["askForSupport"]["id"]
    going = server.gql(ASK, {"n": nbh}, token=asker).data["askForSupport"]["id"]

    async def shred() -> None:  # the take's shred, caught half-way (row still there)
        await DataKey.filter(owner=ask_owner(going)).delete()

    server.run(shred())
    for query, variables, token, field in (
        (MINE, None, asker, "mySupportAsks"),
        (OPEN_ASKS, {"n": nbh}, coord, "supportAsks"),
    ):
        resp = server.gql(query, variables, token=token)
        assert resp.errors == [], resp.body
        assert [a["id"] for a in resp.data[field]] == [kept]
