"""Coordinator action counts under concurrency."""

from __future__ import annotations

from tests.support import FORM, LiveServer, action_count, concurrently, coordinator


def test_simultaneous_first_actions_of_a_week_all_count(server: LiveServer, nbh: str) -> None:
    """The first actions of a coordinator in a week race to create the weekly row."""
    coord = coordinator(server, nbh)
    payload = {"neighborhood": nbh, "focus": "x", "displayName": "A", "role": "FACILITATOR"}

    race = [server.call(FORM, {"input": payload}, coord.token) for _ in range(6)]
    bodies = [answer.body for answer in concurrently(race)]
    assert [b.get("errors") for b in bodies] == [None] * 6
    assert action_count(server, nbh, coord) == 6
