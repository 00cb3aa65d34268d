"""CIP_KEYSTORE_URL: wrapped data keys in a database of their own, through a real `cip serve`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auth.viewer import COORDINATOR
from tests.support import cip_serve, clean_env, ok, rows

FORM = """mutation($i: FormCircleInput!) { formCircle(input: $i) { id } }"""
UPDATE = """mutation($c: ID!, $b: String!) { postCircleUpdate(circleId: $c, body: $b) { id } }"""
READ = """query($c: ID!) { circle(id: $c) { focus updates { body } } }"""
CLOSE = """mutation($c: ID!) { closeCircle(circleId: $c) }"""
HOLD = """mutation($n: ID!) { openCareHold(neighborhood: $n) { id } }"""
ASK = """mutation($n: ID!, $t: String!) { askForSupport(neighborhood: $n, note: $t) { id } }"""


def test_keys_live_apart_and_closing_shreds_them(tmp_path: Path) -> None:
    main, keys = tmp_path / "care.sqlite3", tmp_path / "keys.sqlite3"
    secret = "s" * 40
    env = clean_env(
        tmp_path,
        CIP_DATABASE_URL=f"sqlite://{main}",
        CIP_KEYSTORE_URL=f"sqlite://{keys}",
        CIP_DEV_JWT_SECRET=secret,
    )
    with cip_serve(env, tmp_path / "serve.log") as served:
        token = served.token("kofi", scopes=[COORDINATOR], nbh=["elm"])
        member = served.token("abena")

        def gql(query: str, variables: dict[str, object], who: str = token) -> Any:
            return ok(served.gql(query, variables, token=who))

        form = {
            "neighborhood": "elm",
            "focus": "Holding Efua",
            "displayName": "Kofi",
            "role": "FACILITATOR",
        }
        circle = gql(FORM, {"i": form})["formCircle"]["id"]
        gql(UPDATE, {"c": circle, "b": "Meals covered this week"})
        assert gql(READ, {"c": circle})["circle"] == {
            "focus": "Holding Efua",
            "updates": [{"body": "Meals covered this week"}],
        }
        gql(HOLD, {"n": "elm"})
        gql(ASK, {"n": "elm", "t": "I could use a hand"}, who=member)
        key_owners = {r[0] for r in rows(f"sqlite://{keys}", "SELECT owner FROM cip_data_key")}
        assert f"circle:{circle}" in key_owners
        found = rows(
            f"sqlite://{main}", "SELECT name FROM sqlite_master WHERE name = 'cip_data_key'"
        )
        assert found == []
        gql(CLOSE, {"c": circle})
    left = rows(f"sqlite://{keys}", "SELECT owner FROM cip_data_key")
    assert f"circle:{circle}" not in {r[0] for r in left}
