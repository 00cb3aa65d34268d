"""Circles with the key table in a database of its own (CIP_KEYSTORE_URL)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.holds import CareHold
from tests.circles import CLOSE, FORM, POST, add_member, coordinator, form, ok, subject_of
from tests.support import LiveServer, dev_env


@pytest.fixture(scope="module")
def split_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("cip-split-keys")
    env = dev_env(
        data_dir,
        f"sqlite://{data_dir}/care.sqlite3",
        CIP_KEYSTORE_URL=f"sqlite://{data_dir}/keys.sqlite3",
    )
    live = LiveServer(env, "sqlite-split").start()
    try:
        yield live
    finally:
        live.stop()


def keys(server: LiveServer, cid: str) -> int:
    url = server.settings.keystore_url
    assert url is not None
    with sqlite3.connect(Path(url[len("sqlite://") :])) as conn:
        sql = "SELECT COUNT(*) FROM cip_data_key WHERE owner = ?"
        return int(conn.execute(sql, (f"circle:{cid}",)).fetchone()[0])


def test_circle_life_with_a_separate_key_database(split_server: LiveServer, nbh: str) -> None:
    server = split_server
    coord = coordinator(server, nbh)
    cid = form(server, coord, nbh)["id"]
    assert keys(server, cid) == 1
    kim = add_member(server, coord, cid)
    ok(server.gql(POST, {"id": cid, "body": "news"}, token=kim.token))
    ok(server.gql(CLOSE, {"id": cid}, token=coord.token))
    assert keys(server, cid) == 0
    assert server.sql(f"SELECT COUNT(*) FROM cip_circle WHERE id = '{cid}'")[0][0] == 0


def test_racing_formations_from_one_hold_leave_no_stray_key(
    split_server: LiveServer, nbh: str
) -> None:
    server = split_server
    coord = coordinator(server, nbh)

    async def make_hold() -> str:
        hold = await CareHold.create(
            neighborhood=nbh,
            status="OPEN",
            opened_on=server.clock.today(),
            holder=subject_of(server, coord.sub),
        )
        return str(hold.id)

    hold = server.run(make_hold())
    payload = {
        "neighborhood": nbh,
        "focus": "x",
        "displayName": "A",
        "role": "FACILITATOR",
        "fromHold": hold,
    }

    async def race() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:

            async def one() -> dict[str, Any]:
                resp = await client.post(
                    "/graphql",
                    json={"query": FORM, "variables": {"input": payload}},
                    headers={"Authorization": f"Bearer {coord.token}"},
                )
                body: dict[str, Any] = resp.json()
                return body

            return list(await asyncio.gather(*(one() for _ in range(4))))

    bodies = asyncio.run(race())
    formed = [b["data"]["formCircle"]["id"] for b in bodies if not b.get("errors")]
    refused = [b["errors"][0]["extensions"]["code"] for b in bodies if b.get("errors")]
    assert len(formed) == 1 and refused == ["INVALID_TRANSITION"] * 3
    circles = server.sql(f"SELECT id FROM cip_circle WHERE neighborhood = '{nbh}'")
    assert [str(r[0]) for r in circles] == formed
    assert keys(server, formed[0]) == 1
    url = server.settings.keystore_url
    assert url is not None
    with sqlite3.connect(Path(url[len("sqlite://") :])) as conn:
        owners = {r[0] for r in conn.execute("SELECT owner FROM cip_data_key")}
    all_circles = {f"circle:{r[0]}" for r in server.sql("SELECT id FROM cip_circle")}
    assert {o for o in owners if o.startswith("circle:")} == all_circles
