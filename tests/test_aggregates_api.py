"""The aggregate fields over HTTP on both backends, from rows written as the use cases write
them (``tests/support/aggregates.py``)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from auth.viewer import AGGREGATE_READ, COORDINATOR
from models import aggregate_store
from resolvers.aggregates.care_load import gini
from resolvers.aggregates.events import Metric as m
from resolvers.aggregates.published import my_share
from resolvers.aggregates.releases import window_weeks
from tests.support import (
    AS_OF,
    SIGNALS,
    TODAY,
    VIEW,
    WEEK,
    WEEKS,
    LiveServer,
    callers,
    cell,
    expected_load,
    frozen_on,
    gauge_published,
    published,
    record_action_weeks,
    record_actions,
    record_metric,
    record_rows,
    shown,
)

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
    record_metric(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 6)
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
    record_metric(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 6)
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


# ------------------------------------------------------------------ perturbation and suppression
def test_coordinators_see_published_counts_suppressed_below_five(
    server: LiveServer, nbh: str, sub: str
) -> None:
    record_metric(server, nbh, m.GAUGE_CIRCLES_FORMING, 1)
    record_metric(server, nbh, m.GAUGE_HOLDS_OPEN, 4)
    record_metric(server, nbh, m.GAUGE_ASKS_OPEN, 5)
    record_metric(server, nbh, m.GAUGE_REPAIR_ACTIVE, 13)
    record_metric(server, nbh, m.GAUGE_HOLDS_WAITING, 7)
    # A hold that stopped waiting: the gauge's -1 row.
    record_rows(server, (nbh, WEEK, m.GAUGE_HOLDS_WAITING, -1))
    got = view(server, nbh, callers(server, nbh, sub).coordinator)
    assert got["asOf"] == AS_OF.isoformat() and got["neighborhood"] == nbh
    assert got["activeCircles"] == count(0)  # no record: nobody to hide, exactly 0
    for field, metric, true in [
        ("formingCircles", m.GAUGE_CIRCLES_FORMING, 1),
        ("openHolds", m.GAUGE_HOLDS_OPEN, 4),
        ("openSupportAsks", m.GAUGE_ASKS_OPEN, 5),
        ("activeRepairThreads", m.GAUGE_REPAIR_ACTIVE, 13),
        ("holdsWaitingOver7Days", m.GAUGE_HOLDS_WAITING, 6),
    ]:
        assert got[field] == shown(gauge_published(server, nbh, metric, true)), field
    # The perturbation moves a count by a small draw, not to anything: 13 stays near 13.
    shown_13 = got["activeRepairThreads"]["value"]
    assert shown_13 is None or abs(shown_13 - 13) <= 12


def test_ai_counts_use_eleven_on_the_same_published_values(
    server: LiveServer, nbh: str, sub: str
) -> None:
    record_metric(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 10)
    record_metric(server, nbh, m.GAUGE_HOLDS_OPEN, 13)
    record_metric(server, nbh, m.CIRCLE_FORMED, 1)
    c = callers(server, nbh, sub)
    other_ai = server.token(f"{sub}-ai2", scopes=[AGGREGATE_READ], nbh=["*"])
    resp = server.gql(WEEKS, {"n": nbh, "k": 1}, token=c.ai)
    assert resp.errors == []
    [week] = resp.data["careWeeks"]
    active = gauge_published(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 10)
    holds = gauge_published(server, nbh, m.GAUGE_HOLDS_OPEN, 13)
    formed = published(server, cell(server, nbh, m.CIRCLE_FORMED, WEEK))
    assert week["weekStarting"] == WEEK.isoformat()
    assert week["activeCircles"] == shown(active, 11)
    assert week["openHolds"] == shown(holds, 11)
    assert week["circlesFormed"] == shown(formed, 11)
    assert week["repairThreadsClosed"] == count(0)
    assert week["loadConcentration"] == "UNKNOWN"
    # Stable across calls and identical for every caller of the class.
    for token in (c.ai, other_ai, c.ai):
        assert server.gql(WEEKS, {"n": nbh, "k": 1}, token=token).body == resp.body
    # Coordinators read the same published values, with their floor of 5.
    coord = server.gql(WEEKS, {"n": nbh, "k": 1}, token=c.coordinator).data["careWeeks"][0]
    assert coord["activeCircles"] == shown(active) and coord["openHolds"] == shown(holds)


def expected_rate(numerator: int, denominator: int, floor: int = 5) -> dict[str, Any]:
    num, den = shown(numerator, floor), shown(denominator, floor)
    rate = None
    if num["value"] is not None and den["value"] is not None and denominator >= floor:
        rate = round(min(1.0, numerator / denominator), 4)
    return {"numerator": num, "denominator": den, "rate": rate}


def test_rates_from_published_parts(server: LiveServer, nbh: str, sub: str) -> None:
    record_metric(server, nbh, m.NEED_OPENED, 4)
    record_metric(server, nbh, m.NEED_CIRCLE_WITHIN_14D, 4)
    record_metric(server, nbh, m.HOLD_OPENED, 5)
    record_metric(server, nbh, m.REPAIR_OPENED, 8)
    record_metric(server, nbh, m.REPAIR_CLOSED, 5)
    outside = AS_OF - dt.timedelta(days=40)  # outside 30 days
    record_metric(server, nbh, m.REPAIR_OPENED, 3, day=outside)
    token = callers(server, nbh, sub).coordinator

    def window(metric: str, days: int, true: int) -> int:
        state = cell(server, nbh, metric, window_weeks(AS_OF, days)[0])
        assert state.value == true, metric
        return published(server, state)

    got = view(server, nbh, token, 30)
    assert got["circleFormationWithin14Days"] == expected_rate(
        window(m.NEED_CIRCLE_WITHIN_14D, 30, 4), window(m.NEED_OPENED, 30, 4)
    )
    assert got["holdPickupWithin7Days"] == expected_rate(
        window(m.HOLD_PICKED_UP_WITHIN_7D, 30, 0), window(m.HOLD_OPENED, 30, 5)
    )
    assert got["repairThreadsClosed"] == expected_rate(
        window(m.REPAIR_CLOSED, 30, 5), window(m.REPAIR_OPENED, 30, 8)
    )
    wider = view(server, nbh, token, 90)["repairThreadsClosed"]
    assert wider == expected_rate(window(m.REPAIR_CLOSED, 90, 5), window(m.REPAIR_OPENED, 90, 11))
    # The same records behind the 30- and 90-day closures: the same published numerator.
    assert wider["numerator"] == got["repairThreadsClosed"]["numerator"]


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
    for i, n in enumerate([3, 5, 9, 4, 6, 7]):
        record_actions(server, other, f"{sub}-{i}", n)
    coordinator = server.token(f"{sub}-c", scopes=[COORDINATOR], nbh=[other])
    bystander = server.token(f"{sub}-b", scopes=[COORDINATOR], nbh=[other])
    record_actions(server, other, f"{sub}-c", 2)
    load = view(server, other, coordinator)["careLoad"]
    truth = server.run(aggregate_store.coordinator_cells(other, *window_weeks(AS_OF, 90)))
    assert sorted(c.value for c in truth) == [2, 3, 4, 5, 6, 7, 9]
    want = expected_load(server, other)
    assert load["coordinators"] == shown(want.coordinators)
    assert load["gini"] == want.gini and load["topTwoShare"] == want.top_two_share
    if want.coordinators >= 5:  # shown only from a published count of five
        # Blurred, not made up: in 50,000 draws the Gini never moved by 0.4 or more.
        assert want.gini is not None and abs(want.gini - gini([2, 3, 4, 5, 6, 7, 9])) < 0.45
    # One's own exact count over the published total, and nothing else.
    assert load["myShare"] == my_share(2, want.actions)
    assert view(server, other, bystander)["careLoad"]["myShare"] == 0.0


def test_few_coordinators_hide_the_gini_unless_the_published_count_reaches_five(
    server: LiveServer, nbh: str, sub: str
) -> None:
    record_actions(server, nbh, f"{sub}-a", 4)
    record_actions(server, nbh, f"{sub}-c", 2)
    load = view(server, nbh, callers(server, nbh, sub).coordinator)["careLoad"]
    want = expected_load(server, nbh)
    if want.coordinators < 5:
        assert load["gini"] is None and load["topTwoShare"] is None
    assert (load["gini"], load["topTwoShare"]) == (want.gini, want.top_two_share)
    assert load["myShare"] == my_share(2, want.actions)  # always shown


# ------------------------------------------------------------------ releases
def test_same_release_for_two_callers_even_after_new_rows(
    server: LiveServer, nbh: str, sub: str
) -> None:
    record_metric(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 7)
    for i in range(5):
        record_actions(server, nbh, f"{sub}-{i}", 3 + i)
    first = server.token(f"{sub}-x", scopes=[COORDINATOR], nbh=[nbh])
    second = server.token(f"{sub}-y", scopes=[COORDINATOR], nbh=["*"])
    before = view(server, nbh, first)
    # New activity inside the current (incomplete) week, and more coordinator actions.
    record_metric(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 3, day=TODAY)
    record_metric(server, nbh, m.CIRCLE_FORMED, 3, day=TODAY)
    record_actions(server, nbh, f"{sub}-9", 20, day=TODAY)
    assert view(server, nbh, second) == before
    assert view(server, nbh, first) == before
    stored = releases_of(server, nbh)
    assert [w for _, w, _ in stored] == [14, 30, 90]  # the week's windows, computed together
    assert all(monday in (WEEK, WEEK.isoformat()) for monday, _, _ in stored)


def test_a_differencing_attempt_leaves_the_release_unchanged(
    server: LiveServer, nbh: str, sub: str
) -> None:
    record_metric(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 9)
    record_metric(server, nbh, m.CIRCLE_FORMED, 9)
    c = callers(server, nbh, sub)
    view_before = server.gql(VIEW, {"n": nbh}, token=c.coordinator).body
    weeks_before = server.gql(WEEKS, {"n": nbh, "k": 4}, token=c.ai).body
    # One more circle inside the current week, then ask again.
    record_metric(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 1, day=TODAY)
    record_metric(server, nbh, m.CIRCLE_FORMED, 1, day=TODAY)
    assert server.gql(VIEW, {"n": nbh}, token=c.coordinator).body == view_before
    assert server.gql(WEEKS, {"n": nbh, "k": 4}, token=c.ai).body == weeks_before
    # It appears only in the next week's release.
    server.clock.set(TODAY + dt.timedelta(days=7))
    later = view(server, nbh, c.coordinator)
    state = cell(server, nbh, m.GAUGE_CIRCLES_ACTIVE, None, WEEK + dt.timedelta(days=7))
    assert state.value == 10 and later["asOf"] == "2026-03-08"
    assert later["activeCircles"] == shown(published(server, state))


def test_release_payload_holds_published_counts_only_and_no_pseudonym(
    server: LiveServer, nbh: str, sub: str
) -> None:
    record_metric(server, nbh, m.GAUGE_CIRCLES_FORMING, 2)
    for i in range(3):
        record_actions(server, nbh, f"{sub}-{i}", 2 + i)
    view(server, nbh, callers(server, nbh, sub).coordinator, 14)
    stored = releases_of(server, nbh)
    assert [w for _, w, _ in stored] == [14, 30, 90]  # every window of the week together
    payload = stored[0][2]
    payload = json.loads(payload) if isinstance(payload, str) else payload
    forming = gauge_published(server, nbh, m.GAUGE_CIRCLES_FORMING, 2)
    assert payload["version"] == 2 and payload["gauges"]["formingCircles"] == forming
    want = expected_load(server, nbh, 14)
    assert payload["load"]["coordinators"] == want.coordinators
    assert payload["load"]["actions"] == want.actions
    coordinators = [r[0] for r in server.sql("SELECT coordinator FROM cip_coordinator_week")]
    assert not any(p in json.dumps(payload) for p in coordinators)


# ------------------------------------------------------------------ trend and signals
def _concentrating_load(server: LiveServer, nbh: str, sub: str) -> None:
    """Twenty-four coordinators over ten weeks; the two busiest take more every week.
    Twenty-four, so that the published coordinator count of every week stays at five or more
    (it takes a draw of -20 or lower, about 6 in 10 million; with sixteen, a draw of -12 or
    lower, 1.6 in 10,000 a week, made the trend UNKNOWN in 3 of about 170 runs); the busiest
    two far above the others (2 to 272 actions a week against 4), so that each week's band
    stays where the truth puts it however the others' counts are blurred (each by about 2)."""
    weeks = []
    for back in range(10):
        week = WEEK - dt.timedelta(days=7 * back)
        j = 9 - back
        for i in range(24):
            weeks.append((f"{sub}-{i}", week, 2 + 30 * j if i < 2 else 4))
    record_action_weeks(server, nbh, weeks)


def test_trend_and_signals_over_eight_weeks(server: LiveServer, nbh: str, sub: str) -> None:
    _concentrating_load(server, nbh, sub)
    record_metric(server, nbh, m.GAUGE_HOLDS_WAITING, 30)
    record_metric(server, nbh, m.GAUGE_HOLDS_OPEN, 30)
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


def test_signals_fire_only_from_published_values_at_the_ai_floor(
    server: LiveServer, nbh: str, sub: str
) -> None:
    record_metric(server, nbh, m.GAUGE_ASKS_OPEN, 1)  # one open ask: far below the floor of 11
    quiet = server.token(f"{sub}-q", scopes=[AGGREGATE_READ], nbh=[nbh])
    resp = server.gql(SIGNALS, {"ns": [nbh]}, token=quiet)
    asks = gauge_published(server, nbh, m.GAUGE_ASKS_OPEN, 1)
    fired = {s["kind"] for s in resp.data["careSignals"]}
    assert ("CARE_ABSENT" in fired) == (asks >= 11)  # P(1 + Z >= 11) is 0.0007


def test_signals_for_a_null_list(server: LiveServer, nbh: str, sub: str) -> None:
    record_metric(server, nbh, m.GAUGE_HOLDS_OPEN, 30)  # open needs, no circle: CARE_ABSENT
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
