"""Coordinator action counts under concurrency."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.circles import FORM, actions, coordinator
from tests.support import LiveServer


def test_simultaneous_first_actions_of_a_week_all_count(server: LiveServer, nbh: str) -> None:
    """The first actions of a coordinator in a week race to create the weekly row."""
    coord = coordinator(server, nbh)
    payload = {"neighborhood": nbh, "focus": "x", "displayName": "A", "role": "FACILITATOR"}

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

            return list(await asyncio.gather(*(one() for _ in range(6))))

    bodies = asyncio.run(race())
    assert [b.get("errors") for b in bodies] == [None] * 6
    assert actions(server, nbh, coord) == 6
