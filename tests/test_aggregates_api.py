"""The aggregate fields over HTTP on both backends, from rows written as the use cases write
them (``tests/aggregates_support.py``)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from auth.privacy import keyed_round, rounding_key
from auth.viewer import AGGREGATE_READ, COORDINATOR
from resolvers.aggregates.care_load import gini
from resolvers.aggregates.events import Metric as m
from tests.aggregates_support import (
    AS_OF,
    SIGNALS,
    TODAY,
    VIEW,
    WEEK,
    WEEKS,
    actions,
    callers,
    flow,
    frozen_on,
    gauge,
    rows,
)
from tests.support import LiveServer

FIELDS = {
    "careCoordinationView": (VIEW, lambda n: {"n": n}),
    "careSignals": (SIGNALS, lambda n: {"ns": [n]}),
    "careWeeks": (WEEKS, lambda n: {"n": n, "k": 2}),
}
ALLOWED = {
    "careCoordinationView": {"coordinator"},
    "careSignals": {"coordinator", "ai"},
    "careWeeks": {"coordinator", "ai"},
}


@pytest.fixture(autouse=True)
def today(server: LiveServer) -> Any:
    with frozen_on(server, TODAY):
        yield


def view(server: LiveServer, nbh: str, token: str, window: int = 90) -> dict[str, Any]:
    resp = server.gql(VIEW, {"n": nbh, "w": window}, token=token)
    assert resp.errors == [], resp.errors
    return dict(resp.data["careCoordinationView"])


def count(value: int | None) -> dict[str, Any]:
    return {"value": value, "suppressed": value is None}


def releases_of(server: LiveServer, nbh: str) -> list[tuple[Any, ...]]:
    return server.sql(
        "SELECT week_start, window_days, payload FROM cip_release "
        f"WHERE neighborhood = '{nbh}' ORDER BY week_start, window_days"
    )


# ------------------------------------------------------------------ who may read what
@pytest.mark.parametrize("field", list(FIELDS))
def test_every_role_on_every_aggregate_field(
    server: LiveServer, nbh: str, sub: str, field: str
) -> None:
    gauge(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 6)
    query, variables = FIELDS[field]
    # The rest of the response stays intact whatever happens to the aggregate field.
    query = query.replace(f"{{ {field}(", f"{{ careScope {{ isNot }} {field}(", 1)
    for role, token in callers(server, nbh, sub).all().items():
        resp = server.gql(query, variables(nbh), token=token)
        assert resp.status == 200
        assert resp.data["careScope"]["isNot"], role
        if role in ALLOWED[field]:
            assert resp.errors == [], (role, resp.errors)
            assert resp.data[field] is not None
        else:
            assert resp.data[field] is None, role
            expected = "UNAUTHENTICATED" if token is None else "FORBIDDEN"
            assert resp.codes == [expected], (role, resp.codes)


def test_a_refused_caller_computes_nothing(server: LiveServer, nbh: str, sub: str) -> None:
    gauge(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 6)
    for token in (callers(server, nbh, sub).member, callers(server, nbh, sub).ai):
        server.gql(VIEW, {"n": nbh}, token=token)
    assert releases_of(server, nbh) == []


def test_signals_need_every_listed_neighbourhood(server: LiveServer, nbh: str, sub: str) -> None:
    token = server.token(sub, scopes=[AGGREGATE_READ], nbh=[nbh])
    resp = server.gql(SIGNALS, {"ns": [nbh, f"{nbh}-other"]}, token=token)
    assert resp.data["careSignals"] is None and resp.codes == ["FORBIDDEN"]


def test_bad_windows_and_week_counts(server: LiveServer, nbh: str, sub: str) -> None:
    c = callers(server, nbh, sub)
    for window in (0, 7, 60, 365):
        resp = server.gql(VIEW, {"n": nbh, "w": window}, token=c.coordinator)
        assert resp.codes == ["BAD_USER_INPUT"] and resp.data["careCoordinationView"] is None
        resp = server.gql(SIGNALS, {"ns": [nbh], "w": window}, token=c.ai)
        assert resp.codes == ["BAD_USER_INPUT"]
    for weeks in (0, -1, 53):
        resp = server.gql(WEEKS, {"n": nbh, "k": weeks}, token=c.ai)
        assert resp.codes == ["BAD_USER_INPUT"] and resp.data["careWeeks"] is None
    assert releases_of(server, nbh) == []  # nothing written
    for window in (14, 30, 90):
        assert view(server, nbh, c.coordinator, window)["windowDays"] == window


# ------------------------------------------------------------------ suppression and rounding
def test_coordinator_counts_are_suppressed_below_five(
    server: LiveServer, nbh: str, sub: str
) -> None:
    gauge(server, nbh, m.GAUGE_CIRCLES_FORMING, 1)
    gauge(server, nbh, m.GAUGE_HOLDS_OPEN, 4)
    gauge(server, nbh, m.GAUGE_ASKS_OPEN, 5)
    gauge(server, nbh, m.GAUGE_REPAIR_ACTIVE, 13)
    gauge(server, nbh, m.GAUGE_HOLDS_WAITING, 7)
    # A hold that stopped waiting: the gauge's -1 row.
    rows(server, (nbh, WEEK, m.GAUGE_HOLDS_WAITING, -1))
    got = view(server, nbh, callers(server, nbh, sub).coordinator)
    assert got["asOf"] == AS_OF.isoformat() and got["neighborhood"] == nbh
    assert got["activeCircles"] == count(0)
    assert got["formingCircles"] == count(None)
    assert got["openHolds"] == count(None)
    assert got["openSupportAsks"] == count(5)
    assert got["activeRepairThreads"] == count(13)  # coordinators see exact counts
    assert got["holdsWaitingOver7Days"] == count(6)


def test_ai_counts_use_eleven_and_keyed_rounding(server: LiveServer, nbh: str, sub: str) -> None:
    gauge(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 10)
    gauge(server, nbh, m.GAUGE_HOLDS_OPEN, 13)
    flow(server, nbh, m.CIRCLE_FORMED, 1)
    c = callers(server, nbh, sub)
    other_ai = server.token(f"{sub}-ai2", scopes=[AGGREGATE_READ], nbh=["*"])
    resp = server.gql(WEEKS, {"n": nbh, "k": 1}, token=c.ai)
    assert resp.errors == []
    [week] = resp.data["careWeeks"]
    key = rounding_key(server.settings.pseudonym_key)
    rounded = keyed_round(13, key, f"{nbh}|{WEEK.isoformat()}|openHolds")
    assert week["weekStarting"] == WEEK.isoformat()
    assert week["activeCircles"] == count(None)  # 10 < 11
    assert week["openHolds"] == count(rounded) and rounded in (10, 15)
    assert week["circlesFormed"] == count(None)
    assert week["repairThreadsClosed"] == count(0)
    assert week["loadConcentration"] == "UNKNOWN"
    # Stable across calls and identical for every caller of the class.
    for token in (c.ai, other_ai, c.ai):
        assert server.gql(WEEKS, {"n": nbh, "k": 1}, token=token).body == resp.body
    # Coordinators see the same release exactly.
    coord = server.gql(WEEKS, {"n": nbh, "k": 1}, token=c.coordinator).data["careWeeks"][0]
    assert coord["activeCircles"] == count(10) and coord["openHolds"] == count(13)


def test_rates_with_small_denominators(server: LiveServer, nbh: str, sub: str) -> None:
    flow(server, nbh, m.NEED_OPENED, 4)
    flow(server, nbh, m.NEED_CIRCLE_WITHIN_14D, 4)
    flow(server, nbh, m.HOLD_OPENED, 5)
    flow(server, nbh, m.REPAIR_OPENED, 8)
    flow(server, nbh, m.REPAIR_CLOSED, 5)
    flow(server, nbh, m.REPAIR_OPENED, 3, day=AS_OF - dt.timedelta(days=40))  # outside 30 days
    token = callers(server, nbh, sub).coordinator
    got = view(server, nbh, token, 30)
    formation = got["circleFormationWithin14Days"]
    assert formation == {"numerator": count(None), "denominator": count(None), "rate": None}
    pickup = got["holdPickupWithin7Days"]
    assert pickup == {"numerator": count(0), "denominator": count(5), "rate": 0.0}
    closed = got["repairThreadsClosed"]
    assert closed == {"numerator": count(5), "denominator": count(8), "rate": 0.625}
    wider = view(server, nbh, token, 90)["repairThreadsClosed"]
    assert wider["denominator"] == count(11) and wider["rate"] == 0.4545  # 5 / 11 to 4 digits


# ------------------------------------------------------------------ care load
def test_care_load_gini_top_two_and_my_share(server: LiveServer, nbh: str, sub: str) -> None:
    c = callers(server, nbh, sub)
    load = view(server, nbh, c.coordinator)["careLoad"]
    assert load == {
        "coordinators": count(0),
        "gini": None,
        "topTwoShare": None,
        "myShare": None,  # nobody acted
        "trend": "UNKNOWN",
    }
    other = f"{nbh}-fresh"  # a new neighbourhood: its release is computed from here on
    for i, n in enumerate([3, 5, 9]):
        actions(server, other, f"{sub}-{i}", n)
    coordinator = server.token(f"{sub}-c", scopes=[COORDINATOR], nbh=[other])
    bystander = server.token(f"{sub}-b", scopes=[COORDINATOR], nbh=[other])
    actions(server, other, f"{sub}-c", 2)
    load = view(server, other, coordinator)["careLoad"]
    assert load["coordinators"] == count(None)  # 4 coordinators: below 5
    assert load["gini"] == pytest.approx(round(gini([2, 3, 5, 9]), 4))
    assert load["topTwoShare"] == pytest.approx(round(14 / 19, 4))
    assert load["myShare"] == pytest.approx(round(2 / 19, 4))
    assert view(server, other, bystander)["careLoad"]["myShare"] == 0.0


def test_two_coordinators_hide_the_gini(server: LiveServer, nbh: str, sub: str) -> None:
    actions(server, nbh, f"{sub}-a", 4)
    actions(server, nbh, f"{sub}-c", 2)
    load = view(server, nbh, callers(server, nbh, sub).coordinator)["careLoad"]
    assert load["gini"] is None and load["topTwoShare"] is None
    assert load["myShare"] == pytest.approx(round(2 / 6, 4))  # one's own share is always shown


# ------------------------------------------------------------------ releases
def test_same_release_for_two_callers_even_after_new_rows(
    server: LiveServer, nbh: str, sub: str
) -> None:
    gauge(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 7)
    for i in range(5):
        actions(server, nbh, f"{sub}-{i}", 3 + i)
    first = server.token(f"{sub}-x", scopes=[COORDINATOR], nbh=[nbh])
    second = server.token(f"{sub}-y", scopes=[COORDINATOR], nbh=["*"])
    before = view(server, nbh, first)
    # New activity inside the current (incomplete) week, and more coordinator actions.
    gauge(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 3, day=TODAY)
    flow(server, nbh, m.CIRCLE_FORMED, 3, day=TODAY)
    actions(server, nbh, f"{sub}-9", 20, day=TODAY)
    assert view(server, nbh, second) == before
    assert view(server, nbh, first) == before
    stored = releases_of(server, nbh)
    assert len(stored) == 1
    assert stored[0][0] in (WEEK, WEEK.isoformat()) and stored[0][1] == 90


def test_a_differencing_attempt_leaves_the_release_unchanged(
    server: LiveServer, nbh: str, sub: str
) -> None:
    gauge(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 9)
    flow(server, nbh, m.CIRCLE_FORMED, 9)
    c = callers(server, nbh, sub)
    view_before = server.gql(VIEW, {"n": nbh}, token=c.coordinator).body
    weeks_before = server.gql(WEEKS, {"n": nbh, "k": 4}, token=c.ai).body
    # One more circle inside the current week, then ask again.
    gauge(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 1, day=TODAY)
    flow(server, nbh, m.CIRCLE_FORMED, 1, day=TODAY)
    assert server.gql(VIEW, {"n": nbh}, token=c.coordinator).body == view_before
    assert server.gql(WEEKS, {"n": nbh, "k": 4}, token=c.ai).body == weeks_before
    # It appears only in the next week's release.
    server.clock.set(TODAY + dt.timedelta(days=7))
    later = view(server, nbh, c.coordinator)
    assert later["activeCircles"] == count(10) and later["asOf"] == "2026-03-08"


def test_release_payload_holds_raw_counts_and_no_pseudonym(
    server: LiveServer, nbh: str, sub: str
) -> None:
    gauge(server, nbh, m.GAUGE_CIRCLES_FORMING, 2)
    for i in range(3):
        actions(server, nbh, f"{sub}-{i}", 2 + i)
    view(server, nbh, callers(server, nbh, sub).coordinator, 14)
    [(_, window, payload)] = releases_of(server, nbh)
    payload = json.loads(payload) if isinstance(payload, str) else payload
    assert window == 14 and payload["gauges"]["formingCircles"] == 2  # raw; served suppressed
    assert payload["load"]["coordinators"] == 3 and payload["load"]["actions"] == 9
    coordinators = [r[0] for r in server.sql("SELECT coordinator FROM cip_coordinator_week")]
    assert not any(p in json.dumps(payload) for p in coordinators)


# ------------------------------------------------------------------ trend and signals
def _concentrating_load(server: LiveServer, nbh: str, sub: str) -> None:
    """Six coordinators over ten weeks; the two busiest take more every week."""
    for back in range(10):
        week = WEEK - dt.timedelta(days=7 * back)
        j = 9 - back
        for i in range(6):
            actions(server, nbh, f"{sub}-{i}", 2 + 3 * j if i < 2 else 2, day=week)


def test_trend_and_signals_over_eight_weeks(server: LiveServer, nbh: str, sub: str) -> None:
    _concentrating_load(server, nbh, sub)
    gauge(server, nbh, m.GAUGE_HOLDS_WAITING, 11)
    gauge(server, nbh, m.GAUGE_HOLDS_OPEN, 2)
    c = callers(server, nbh, sub)
    load = view(server, nbh, c.coordinator, 14)["careLoad"]
    assert load["trend"] == "RISING" and load["topTwoShare"] > 0.75
    resp = server.gql(SIGNALS, {"ns": [nbh], "w": 14}, token=c.ai)
    assert resp.errors == []
    found = {s["kind"]: s for s in resp.data["careSignals"]}
    assert set(found) == {"LOAD_CONCENTRATED", "LOAD_RISING", "HOLDS_WAITING", "CARE_ABSENT"}
    assert found["LOAD_RISING"]["sinceDays"] == 56
    assert found["CARE_ABSENT"]["sinceDays"] == 14
    assert all(s["neighborhood"] == nbh for s in found.values())
    assert found["LOAD_CONCENTRATED"]["summary"].startswith(f"care load in {nbh} is concentrated")
    # The coordinator gets the very same signals.
    assert server.gql(SIGNALS, {"ns": [nbh], "w": 14}, token=c.coordinator).body == resp.body
    weeks = server.gql(WEEKS, {"n": nbh, "k": 8}, token=c.ai).data["careWeeks"]
    assert weeks[-1]["loadConcentration"] == "CONCENTRATED"
    assert weeks[0]["loadConcentration"] in ("SPREAD", "MODERATE")


def test_signals_for_a_null_list(server: LiveServer, nbh: str, sub: str) -> None:
    gauge(server, nbh, m.GAUGE_HOLDS_OPEN, 3)  # open needs, no circle: CARE_ABSENT
    mine = server.token(sub, scopes=[COORDINATOR], nbh=[nbh])
    everywhere = server.token(f"{sub}-ai", scopes=[AGGREGATE_READ], nbh=["*"])
    elsewhere = server.token(f"{sub}-e", scopes=[COORDINATOR], nbh=[f"{nbh}-x"])
    for token in (mine, everywhere):
        resp = server.gql(SIGNALS, {"ns": None}, token=token)
        assert resp.errors == []
        assert {"neighborhood": nbh, "kind": "CARE_ABSENT"}.items() <= next(
            s for s in resp.data["careSignals"] if s["neighborhood"] == nbh
        ).items()
    resp = server.gql(SIGNALS, {}, token=elsewhere)
    assert resp.errors == [] and resp.data["careSignals"] == []
