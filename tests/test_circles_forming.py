"""formCircle: roles, input rules, the rows it writes, and picking up a care hold."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from models.clock import week_start
from models.holds import CareHold
from models.pseudonym import ASKS_HOLDS
from resolvers.aggregates.events import Metric
from tests.support import (
    FORM,
    GraphQLResponse,
    LiveServer,
    action_count,
    concurrently,
    coordinator,
    form,
    member,
    metric_sum,
    ok,
    subject_of,
)


def circle_rows(server: LiveServer, nbh: str) -> int:
    return int(server.sql(f"SELECT COUNT(*) FROM cip_circle WHERE neighborhood = '{nbh}'")[0][0])


def aggregate_rows(server: LiveServer, nbh: str) -> int:
    sql = f"SELECT COUNT(*) FROM cip_aggregate_count WHERE neighborhood = '{nbh}'"
    return int(server.sql(sql)[0][0])


def test_coordinator_forms_as_facilitator(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    circle = form(server, coord, nbh)
    assert circle["status"] == "FORMING"
    assert circle["myRole"] == "FACILITATOR"
    assert circle["focus"] == "Holding Sam through a hard winter"
    assert circle["neighborhood"] == nbh
    assert circle["rhythm"] is None
    assert circle["formedOn"] == server.clock.today().isoformat()
    [me] = circle["members"]
    assert me["displayName"] == "Alex" and me["isMe"] and me["role"] == "FACILITATOR"
    assert me["id"] != subject_of(server, coord.sub)
    assert metric_sum(server, nbh, Metric.CIRCLE_FORMED) == 1
    assert metric_sum(server, nbh, Metric.GAUGE_CIRCLES_FORMING) == 1
    assert action_count(server, nbh, coord) == 1
    count = server.sql(f"SELECT member_count FROM cip_circle WHERE id = '{circle['id']}'")
    assert count[0][0] == 0  # the facilitator is not counted


@pytest.mark.parametrize("role", ["FOCUS", "SUPPORTER"])
def test_any_member_forms_as_focus_or_supporter(server: LiveServer, nbh: str, role: str) -> None:
    person = member(server)
    circle = form(server, person, nbh, role=role)
    assert circle["myRole"] == role and circle["status"] == "FORMING"
    count = server.sql(f"SELECT member_count FROM cip_circle WHERE id = '{circle['id']}'")
    assert count[0][0] == 1
    assert metric_sum(server, nbh, Metric.CIRCLE_FORMED) == 1
    weeks = f"SELECT COUNT(*) FROM cip_coordinator_week WHERE neighborhood = '{nbh}'"
    assert server.sql(weeks)[0][0] == 0


def test_coordinator_forming_as_supporter_is_no_coordinator_action(
    server: LiveServer, nbh: str
) -> None:
    coord = coordinator(server, nbh)
    form(server, coord, nbh, role="SUPPORTER")
    assert action_count(server, nbh, coord) == 0


def test_facilitator_needs_to_coordinate_the_neighbourhood(server: LiveServer, nbh: str) -> None:
    for who in (member(server), coordinator(server, "elsewhere")):
        resp = server.gql(
            FORM,
            {
                "input": {
                    "neighborhood": nbh,
                    "focus": "x",
                    "displayName": "A",
                    "role": "FACILITATOR",
                }
            },
            token=who.token,
        )
        assert resp.codes == ["FORBIDDEN"]
        assert resp.data is None
    assert circle_rows(server, nbh) == 0
    assert aggregate_rows(server, nbh) == 0


def test_forming_needs_a_token(server: LiveServer, nbh: str) -> None:
    resp = server.gql(
        FORM, {"input": {"neighborhood": nbh, "focus": "x", "displayName": "A", "role": "FOCUS"}}
    )
    assert resp.codes == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("focus", ""),
        ("focus", "   "),
        ("focus", "f" * 201),
        ("displayName", ""),
        ("displayName", "n" * 61),
        ("neighborhood", ""),
        ("neighborhood", "has space"),
        ("neighborhood", "n" * 65),
        ("role", "OWNER"),
    ],
)
def test_bad_input_writes_nothing(server: LiveServer, nbh: str, field: str, value: str) -> None:
    coord = coordinator(server, nbh)
    payload = {"neighborhood": nbh, "focus": "Sam", "displayName": "Alex", "role": "FACILITATOR"}
    payload[field] = value
    resp = server.gql(FORM, {"input": payload}, token=coord.token)
    assert resp.codes == ["BAD_USER_INPUT"]
    assert resp.errors[0]["message"]
    assert circle_rows(server, nbh) == 0
    assert aggregate_rows(server, nbh) == 0
    assert action_count(server, nbh, coord) == 0


def test_limits_are_inclusive(server: LiveServer, nbh: str) -> None:
    circle = form(server, member(server), nbh, role="FOCUS", focus="f" * 200, name="n" * 60)
    assert circle["focus"] == "f" * 200
    assert circle["members"][0]["displayName"] == "n" * 60


# ------------------------------------------------------------------ from a care hold
def make_hold(
    server: LiveServer, holder_sub: str, nbh: str, days_ago: int, status: str = "OPEN"
) -> str:
    opened = server.clock.today() - dt.timedelta(days=days_ago)

    async def create() -> str:
        hold = await CareHold.create(
            neighborhood=nbh,
            status=status,
            opened_on=opened,
            holder=subject_of(server, holder_sub, ASKS_HOLDS),
        )
        return str(hold.id)

    return server.run(create())


def hold_status(server: LiveServer, hold_id: str) -> str:
    return str(server.sql(f"SELECT status FROM cip_care_hold WHERE id = '{hold_id}'")[0][0])


@pytest.mark.parametrize(
    ("days_ago", "within_7", "within_14"), [(0, 1, 1), (7, 1, 1), (10, 0, 1), (15, 0, 0)]
)
def test_forming_from_own_hold(
    server: LiveServer, nbh: str, days_ago: int, within_7: int, within_14: int
) -> None:
    coord = coordinator(server, nbh)
    hold = make_hold(server, coord.sub, nbh, days_ago)
    circle = form(server, coord, nbh, from_hold=hold)
    assert hold_status(server, hold) == "CIRCLE_FORMED"
    opened = server.clock.today() - dt.timedelta(days=days_ago)
    need = server.sql(f"SELECT need_since FROM cip_circle WHERE id = '{circle['id']}'")[0][0]
    assert str(need) == opened.isoformat()
    assert metric_sum(server, nbh, Metric.HOLD_PICKED_UP_WITHIN_7D) == within_7
    assert metric_sum(server, nbh, Metric.NEED_CIRCLE_WITHIN_14D) == within_14
    assert metric_sum(server, nbh, Metric.GAUGE_HOLDS_OPEN) == -1
    waiting = server.sql(
        "SELECT week_start, value FROM cip_aggregate_count "
        f"WHERE neighborhood = '{nbh}' AND metric = '{Metric.GAUGE_HOLDS_WAITING}'"
    )
    end = max(server.clock.today(), opened + dt.timedelta(days=7))
    assert [(str(d), v) for d, v in waiting] == [(week_start(end).isoformat(), -1)]
    assert metric_sum(server, nbh, Metric.CIRCLE_FORMED) == 1
    assert action_count(server, nbh, coord) == 1
    # No row of the aggregates names the hold or the circle.
    rows = server.sql(f"SELECT * FROM cip_aggregate_count WHERE neighborhood = '{nbh}'")
    assert hold not in repr(rows) and circle["id"] not in repr(rows)


def form_from(
    server: LiveServer, who_token: str, nbh: str, hold: str, role: str = "FACILITATOR"
) -> GraphQLResponse:
    payload = {
        "neighborhood": nbh,
        "focus": "Sam",
        "displayName": "Alex",
        "role": role,
        "fromHold": hold,
    }
    return server.gql(FORM, {"input": payload}, token=who_token)


def test_someone_elses_hold_is_not_found_like_a_random_id(server: LiveServer, nbh: str) -> None:
    owner, other = coordinator(server, nbh), coordinator(server, nbh)
    hold = make_hold(server, owner.sub, nbh, 1)
    theirs = form_from(server, other.token, nbh, hold)
    random = form_from(server, other.token, nbh, str(uuid.uuid4()))
    garbage = form_from(server, other.token, nbh, "not-an-id")
    assert theirs.codes == ["NOT_FOUND"]
    assert theirs.body == random.body == garbage.body
    assert theirs.status == random.status
    assert hold_status(server, hold) == "OPEN"
    assert circle_rows(server, nbh) == 0 and aggregate_rows(server, nbh) == 0


def test_hold_rules(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    closed = make_hold(server, coord.sub, nbh, 1, status="CLOSED")
    assert form_from(server, coord.token, nbh, closed).codes == ["INVALID_TRANSITION"]
    hold = make_hold(server, coord.sub, nbh, 1)
    assert form_from(server, coord.token, nbh, hold, role="SUPPORTER").codes == ["BAD_USER_INPUT"]
    # A hold in a neighbourhood the caller does not coordinate is not found, as for every
    # hold operation; one in another neighbourhood they do coordinate is a mistake.
    other_nbh = make_hold(server, coord.sub, "another-" + nbh, 1)
    assert form_from(server, coord.token, nbh, other_nbh).codes == ["NOT_FOUND"]
    both = server.token(coord.sub, scopes=["cip:coordinator"], nbh=[nbh, "another-" + nbh])
    assert form_from(server, both, nbh, other_nbh).codes == ["BAD_USER_INPUT"]
    plain = member(server)
    assert form_from(server, plain.token, nbh, hold, role="FOCUS").codes == ["FORBIDDEN"]
    assert circle_rows(server, nbh) == 0 and aggregate_rows(server, nbh) == 0
    form(server, coord, nbh, from_hold=hold)
    # A hold is picked up once.
    assert form_from(server, coord.token, nbh, hold).codes == ["INVALID_TRANSITION"]
    assert circle_rows(server, nbh) == 1


def test_racing_formations_from_one_hold(server: LiveServer, nbh: str) -> None:
    """One hold, four simultaneous formations: one circle, one key, no stray key."""
    coord = coordinator(server, nbh)
    hold = make_hold(server, coord.sub, nbh, 0)
    payload = {
        "neighborhood": nbh,
        "focus": "x",
        "displayName": "A",
        "role": "FACILITATOR",
        "fromHold": hold,
    }

    race = [server.call(FORM, {"input": payload}, coord.token) for _ in range(4)]
    bodies = [answer.body for answer in concurrently(race)]
    formed = [b["data"]["formCircle"]["id"] for b in bodies if not b.get("errors")]
    refused = [b["errors"][0]["extensions"]["code"] for b in bodies if b.get("errors")]
    assert len(formed) == 1 and refused == ["INVALID_TRANSITION"] * 3
    circles = server.sql(f"SELECT id FROM cip_circle WHERE neighborhood = '{nbh}'")
    assert [str(r[0]) for r in circles] == formed
    assert metric_sum(server, nbh, Metric.GAUGE_HOLDS_OPEN) == -1  # picked up once
    owners = {
        r[0] for r in server.sql("SELECT owner FROM cip_data_key WHERE owner LIKE 'circle:%'")
    }
    assert owners == {f"circle:{r[0]}" for r in server.sql("SELECT id FROM cip_circle")}


OPEN_HOLD = "mutation($n: ID!) { openCareHold(neighborhood: $n) { id status } }"
MY_HOLDS = "{ myCareHolds { id status } }"


def test_forming_from_a_hold_opened_through_the_api(server: LiveServer, nbh: str) -> None:
    coord = coordinator(server, nbh)
    hold = ok(server.gql(OPEN_HOLD, {"n": nbh}, token=coord.token))["openCareHold"]["id"]
    form(server, coord, nbh, from_hold=hold)
    held = ok(server.gql(MY_HOLDS, token=coord.token))["myCareHolds"]
    assert {"id": hold, "status": "CIRCLE_FORMED"} in held
    # The hold's gauges are balanced: opened +1, picked up -1.
    assert metric_sum(server, nbh, Metric.GAUGE_HOLDS_OPEN) == 0
    assert metric_sum(server, nbh, Metric.GAUGE_HOLDS_WAITING) == 0
    assert metric_sum(server, nbh, Metric.NEED_CIRCLE_WITHIN_14D) == 1
    assert action_count(server, nbh, coord) == 2  # opened the hold, formed the circle
