"""CIP_KEYSTORE_URL: wrapped data keys in a database of their own, through a real `cip serve`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from auth.devtokens import mint_dev_token
from tests.served import serving
from tests.test_cli import clean_env

FORM = """mutation($i: FormCircleInput!) { formCircle(input: $i) { id } }"""
UPDATE = """mutation($c: ID!, $b: String!) { postCircleUpdate(circleId: $c, body: $b) { id } }"""
READ = """query($c: ID!) { circle(id: $c) { focus updates { body } } }"""
CLOSE = """mutation($c: ID!) { closeCircle(circleId: $c) }"""
HOLD = """mutation($n: ID!) { openCareHold(neighborhood: $n) { id } }"""
ASK = """mutation($n: ID!, $t: String!) { askForSupport(neighborhood: $n, note: $t) { id } }"""


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_keys_live_apart_and_closing_shreds_them(tmp_path: Path) -> None:
    main, keys = tmp_path / "care.sqlite3", tmp_path / "keys.sqlite3"
    secret = "s" * 40
    env = clean_env(
        tmp_path,
        CIP_DATABASE_URL=f"sqlite://{main}",
        CIP_KEYSTORE_URL=f"sqlite://{keys}",
        CIP_DEV_JWT_SECRET=secret,
    )
    token = mint_dev_token(
        secret=secret.encode(),
        issuer="cip-dev",
        audience="cip",
        sub="kofi",
        scopes=["cip:coordinator"],
        neighborhoods=["elm"],
    )
    member = mint_dev_token(secret=secret.encode(), issuer="cip-dev", audience="cip", sub="abena")
    with serving(env) as base:

        def gql(query: str, variables: dict[str, object], who: str = token) -> dict[str, object]:
            body = httpx.post(
                f"{base}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {who}"},
            ).json()
            assert "errors" not in body, body
            return dict(body["data"])

        form = {
            "neighborhood": "elm",
            "focus": "Holding Efua",
            "displayName": "Kofi",
            "role": "FACILITATOR",
        }
        circle = gql(FORM, {"i": form})["formCircle"]["id"]  # type: ignore[index]
        gql(UPDATE, {"c": circle, "b": "Meals covered this week"})
        assert gql(READ, {"c": circle})["circle"] == {
            "focus": "Holding Efua",
            "updates": [{"body": "Meals covered this week"}],
        }
        gql(HOLD, {"n": "elm"})
        gql(ASK, {"n": "elm", "t": "I could use a hand"}, who=member)
        key_owners = {r[0] for r in rows(keys, "SELECT owner FROM cip_data_key")}
        assert f"circle:{circle}" in key_owners
        assert rows(main, "SELECT name FROM sqlite_master WHERE name = 'cip_data_key'") == []
        gql(CLOSE, {"c": circle})
    assert f"circle:{circle}" not in {r[0] for r in rows(keys, "SELECT owner FROM cip_data_key")}
