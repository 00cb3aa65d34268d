"""Support asks through the API: who sees them, withdrawal, expiry, what the database holds."""

from __future__ import annotations

import datetime as dt

import pytest

from resolvers.aggregates.perturbation import noise_key
from resolvers.aggregates.releases import release
from resolvers.asks_holds.asks import purge_expired
from resolvers.expiry import purge_all
from tests.support import (
    RANDOM_ID,
    LiveServer,
    coordinator_token,
    count_rows,
    fresh,
    has_key,
    metric_weeks,
    metrics,
    ok,
    same_refusal,
)

ASK = """mutation($n: ID!, $note: String!) {
  askForSupport(neighborhood: $n, note: $note) {
    id neighborhood note askedOn expiresOn mine daysOpen } }"""
MINE = "{ mySupportAsks { id neighborhood note askedOn expiresOn mine } }"
LIST = "query($n: ID!) { supportAsks(neighborhood: $n) { id note mine askedOn } }"
WITHDRAW = "mutation($id: ID!) { withdrawSupportAsk(id: $id) }"


def ask(server: LiveServer, sub: str, nbh: str, note: str) -> dict[str, object]:
    data = ok(server.gql(ASK, {"n": nbh, "note": note}, token=server.token(sub)))
    return dict(data["askForSupport"])


def test_an_ask_is_seen_by_the_asker_and_the_neighbourhood_coordinators_only(
    server: LiveServer, nbh: str, sub: str, day: dt.date
) -> None:
    made = ask(server, sub, nbh, "  I have not slept since the flood  ")
    assert made["note"] == "I have not slept since the flood" and made["daysOpen"] == 0
    assert made["askedOn"] == "2026-03-02" and made["expiresOn"] == "2026-04-01"
    assert made["mine"] is True and made["neighborhood"] == nbh

    mine = ok(server.gql(MINE, token=server.token(sub)))["mySupportAsks"]
    assert [a["id"] for a in mine] == [made["id"]]
    assert ok(server.gql(MINE, token=server.token(fresh())))["mySupportAsks"] == []

    coord = coordinator_token(server, fresh("coord"), nbh)
    seen = ok(server.gql(LIST, {"n": nbh}, token=coord))["supportAsks"]
    assert seen == [
        {"id": made["id"], "note": made["note"], "mine": False, "askedOn": "2026-03-02"}
    ]

    for token in (
        server.token(sub),  # the asker is no coordinator
        coordinator_token(server, fresh("coord"), "elsewhere"),
        server.token(fresh(), scopes=["cip:aggregate:read"], nbh=[nbh]),
    ):
        resp = server.gql(LIST, {"n": nbh}, token=token)
        assert resp.codes == ["FORBIDDEN"] and resp.data is None

    assert metrics(server, nbh) == {"need_opened": 1, "gauge_asks_open": 1}


def test_asking_needs_a_token(server: LiveServer, nbh: str) -> None:
    resp = server.gql(ASK, {"n": nbh, "note": "help"})
    assert resp.codes == ["UNAUTHENTICATED"]
    assert count_rows(server, "cip_support_ask", f"neighborhood = '{nbh}'") == 0


@pytest.mark.parametrize(
    ("neighborhood", "note"),
    [("ok", ""), ("ok", "   "), ("ok", "x" * 2001), ("", "help"), ("two words", "help")],
)
def test_bad_input_writes_nothing(
    server: LiveServer, nbh: str, sub: str, neighborhood: str, note: str
) -> None:
    target = nbh if neighborhood == "ok" else neighborhood
    resp = server.gql(ASK, {"n": target, "note": note}, token=server.token(sub))
    assert resp.codes == ["BAD_USER_INPUT"]
    assert (
        count_rows(server, "cip_support_ask", f"asker IS NOT NULL AND neighborhood = '{nbh}'") == 0
    )
    assert metrics(server, nbh) == {}


def test_withdrawing_deletes_the_ask_and_its_key(
    server: LiveServer, nbh: str, sub: str, day: dt.date
) -> None:
    made = ask(server, sub, nbh, "my father is in hospital")
    other = server.gql(WITHDRAW, {"id": made["id"]}, token=server.token(fresh()))
    random = server.gql(WITHDRAW, {"id": RANDOM_ID}, token=server.token(fresh()))
    assert other.codes == ["NOT_FOUND"]
    same_refusal(other, random)
    garbage = server.gql(WITHDRAW, {"id": "not-an-id"}, token=server.token(sub))
    assert garbage.codes == ["NOT_FOUND"]

    assert has_key(server, f"ask:{made['id']}")
    assert ok(server.gql(WITHDRAW, {"id": made["id"]}, token=server.token(sub))) == {
        "withdrawSupportAsk": True
    }
    assert ok(server.gql(MINE, token=server.token(sub)))["mySupportAsks"] == []
    assert count_rows(server, "cip_support_ask", f"neighborhood = '{nbh}'") == 0
    assert not has_key(server, f"ask:{made['id']}")
    again = server.gql(WITHDRAW, {"id": made["id"]}, token=server.token(sub))
    assert again.codes == ["NOT_FOUND"]
    assert metrics(server, nbh).get("gauge_asks_open", 0) == 0


def test_asks_expire_after_30_days_and_are_purged(
    server: LiveServer, nbh: str, sub: str, day: dt.date
) -> None:
    made = ask(server, sub, nbh, "cannot face the winter alone")
    server.clock.set(day + dt.timedelta(days=29))
    open_for = "{ mySupportAsks { daysOpen } }"
    assert ok(server.gql(open_for, token=server.token(sub)))["mySupportAsks"] == [{"daysOpen": 29}]
    server.clock.set(day + dt.timedelta(days=30))
    assert ok(server.gql(MINE, token=server.token(sub)))["mySupportAsks"] == []
    # Hidden at once; deleted by the purge (background or `cip purge`), not by the read.
    assert count_rows(server, "cip_support_ask", f"neighborhood = '{nbh}'") == 1
    server.run(purge_all(day + dt.timedelta(days=31)))
    assert count_rows(server, "cip_support_ask", f"neighborhood = '{nbh}'") == 0
    assert not has_key(server, f"ask:{made['id']}")
    # The gauge closes in the week of the expiry day (Wednesday 1 April), whenever the purge ran.
    assert metric_weeks(server, nbh, "gauge_asks_open") == [("2026-03-02", 1), ("2026-03-30", -1)]


def test_the_coordinators_list_hides_expired_asks_and_no_read_purges(
    server: LiveServer, nbh: str, sub: str, day: dt.date
) -> None:
    ask(server, sub, nbh, "quiet please")
    server.clock.set(day + dt.timedelta(days=45))
    coord = coordinator_token(server, fresh("coord"), nbh)
    assert ok(server.gql(LIST, {"n": nbh}, token=coord))["supportAsks"] == []
    assert metrics(server, nbh)["gauge_asks_open"] == 1  # no request did global work
    server.run(purge_all(day + dt.timedelta(days=45)))
    assert metrics(server, nbh).get("gauge_asks_open", 0) == 0


def test_the_database_holds_no_note_and_no_subject_in_clear(
    server: LiveServer, nbh: str, sub: str
) -> None:
    note = f"the note nobody may read {fresh('secret')}"
    made = ask(server, sub, nbh, note)
    dump = server.dump()
    assert note.encode() not in dump
    assert sub.encode() not in dump
    stored = server.sql(f"SELECT asker FROM cip_support_ask WHERE id = '{made['id']}'")
    assert stored and stored[0][0] != sub and len(stored[0][0]) == 64


def test_purge_expired_runs_on_its_own(
    server: LiveServer, nbh: str, sub: str, day: dt.date
) -> None:
    made = ask(server, sub, nbh, "gone by itself")
    assert server.run(purge_expired(day + dt.timedelta(days=29))) == 0
    assert server.run(purge_expired(day + dt.timedelta(days=30))) >= 1
    assert count_rows(server, "cip_support_ask", f"id = '{made['id']}'") == 0
    assert not has_key(server, f"ask:{made['id']}")
    assert server.run(purge_expired(day + dt.timedelta(days=30))) == 0
    assert metrics(server, nbh).get("gauge_asks_open", 0) == 0


def test_a_release_purges_expired_asks_before_it_counts(
    server: LiveServer, nbh: str, sub: str, day: dt.date
) -> None:
    ask(server, sub, nbh, "nobody read this before it expired")
    as_of = dt.date(2026, 4, 5)  # the Sunday after the ask's expiry on 2026-04-01
    secret = noise_key(server.settings.pseudonym_key)
    payload, _ = server.run(release(nbh, as_of, 14, dt.date(2026, 4, 6), secret))
    assert payload.gauges.open_support_asks == 0
    assert count_rows(server, "cip_support_ask", f"neighborhood = '{nbh}'") == 0
