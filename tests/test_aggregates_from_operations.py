"""Releases from rows written by the real operations (asks, holds, repair) over real days."""

from __future__ import annotations

import datetime as dt

from resolvers.aggregates.events import Metric as m
from tests.support import VIEW, WEEK, LiveServer, cell, frozen_on, gauge_published, published, shown

OPEN_HOLD = "mutation($n: ID!) { openCareHold(neighborhood: $n) { id } }"
CLOSE_HOLD = "mutation($h: ID!) { closeCareHold(id: $h) }"
ASK = "mutation($n: ID!, $t: String!) { askForSupport(neighborhood: $n, note: $t) { id } }"
TAKE = "mutation($a: ID!) { takeSupportAsk(id: $a) { id } }"
REPAIR = "mutation($i: OpenRepairInput!) { openRepairThread(input: $i) { id } }"


def test_operations_of_a_week_are_released_the_next_week(
    server: LiveServer, nbh: str, sub: str
) -> None:
    coordinators = [
        server.token(f"{sub}-c{i}", scopes=["cip:coordinator"], nbh=[nbh]) for i in range(3)
    ]
    holds: list[str] = []
    with frozen_on(server, WEEK):  # Monday of ISO week 2026-W09
        for i in range(6):
            resp = server.gql(OPEN_HOLD, {"n": nbh}, token=coordinators[i % 3])
            holds.append(resp.data["openCareHold"]["id"])
        asks = [
            server.gql(ASK, {"n": nbh, "t": f"note {i}"}, token=server.token(f"{sub}-m{i}")).data[
                "askForSupport"
            ]["id"]
            for i in range(6)
        ]
        assert server.gql(TAKE, {"a": asks[0]}, token=coordinators[0]).errors == []
        for i in range(5):
            opened = server.gql(
                REPAIR,
                {"i": {"neighborhood": nbh, "myRole": "HARMED_PARTY", "displayName": "R"}},
                token=server.token(f"{sub}-r{i}"),
            )
            assert opened.errors == []
    with frozen_on(server, WEEK + dt.timedelta(days=8)):  # Tuesday of the next week
        view = server.gql(VIEW, {"n": nbh, "w": 14}, token=coordinators[0]).data[
            "careCoordinationView"
        ]
        assert view["asOf"] == "2026-03-01"
        # 6 opened + 1 from an ask; the served values are the published ones.
        for field, metric, true in [
            ("openHolds", m.GAUGE_HOLDS_OPEN, 7),
            ("openSupportAsks", m.GAUGE_ASKS_OPEN, 5),
            ("activeRepairThreads", m.GAUGE_REPAIR_ACTIVE, 5),
        ]:
            assert view[field] == shown(gauge_published(server, nbh, metric, true)), field
        assert view["holdsWaitingOver7Days"] == {"value": 0, "suppressed": False}  # no record
        if view["careLoad"]["coordinators"][
            "suppressed"
        ]:  # 3 coordinators, published below 5: no spread shown
            assert view["careLoad"]["gini"] is None

        # New activity inside the current week leaves the served release as it was.
        assert server.gql(CLOSE_HOLD, {"h": holds[0]}, token=coordinators[0]).errors == []
        again = server.gql(VIEW, {"n": nbh, "w": 14}, token=coordinators[1]).data[
            "careCoordinationView"
        ]
        assert {k: v for k, v in again.items() if k != "careLoad"} == {
            k: v for k, v in view.items() if k != "careLoad"
        }
    with frozen_on(server, WEEK + dt.timedelta(days=15)):  # the week after: holds waited
        later = server.gql(VIEW, {"n": nbh, "w": 14}, token=coordinators[0]).data[
            "careCoordinationView"
        ]
        monday = WEEK + dt.timedelta(days=7)
        holds = cell(server, nbh, m.GAUGE_HOLDS_OPEN, None, monday)
        waiting = cell(server, nbh, m.GAUGE_HOLDS_WAITING, None, monday)
        assert holds.value == 6 and waiting.value == 6
        assert later["openHolds"] == shown(published(server, holds))
        assert later["holdsWaitingOver7Days"] == shown(published(server, waiting))
