"""One-time codes: the pure helpers, and every rule of ``one_time_codes.redeem`` asserted for
each of its three kinds (circle invites, repair invites, hold transfers) on the live server,
both backends: hash only, seven days, single use, trimmed, INVITE_INVALID alike for every
refusal, and a refusal never spends the code."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from models.pseudonym import code_hash
from resolvers import one_time_codes
from tests.input_cases import post
from tests.support import GraphQLResponse, LiveServer

COORDINATOR = "cip:coordinator"


@pytest.mark.unit
def test_codes_are_random_hashed_and_valid_seven_days() -> None:
    code, hashed = one_time_codes.new_code()
    assert len(code) >= 32 and hashed == code_hash(code) and code not in hashed
    assert one_time_codes.new_code()[0] != code
    assert one_time_codes.hash_of(code) == hashed
    assert one_time_codes.hash_of(f"  {code}\n") == hashed  # trimmed before hashing
    for bad in ("", "   ", "x" * 129, "a b", "a\ud800"):
        assert one_time_codes.hash_of(bad) is None
    today = dt.date(2026, 3, 2)
    issued = one_time_codes.issue(today)
    assert issued.expires_on == one_time_codes.expires_on(today) == dt.date(2026, 3, 9)
    assert issued.hashed == code_hash(issued.code)
    assert one_time_codes.usable(issued.expires_on, dt.date(2026, 3, 8))
    assert not one_time_codes.usable(issued.expires_on, issued.expires_on)


# ---------------------------------------------------------------------------- the three kinds
def _ok(resp: GraphQLResponse) -> Any:
    assert resp.status == 200 and resp.errors == [], resp.body
    return resp.data


@dataclass
class Issuer:
    """One object whose codes are redeemed, and the callers around it."""

    issue: Callable[[], dict[str, Any]]  # a fresh code: {"code", "expiresOn"}
    redeem: Callable[[str, str], GraphQLResponse]  # (token, code)
    new_right: Callable[[], str]  # a caller the code serves (a fresh one each time)
    wrong: str  # a caller the code does not serve: INVITE_INVALID like an unknown code
    inside: str | None  # a caller refused after the code was found (already in): not spent


def _coordinator(server: LiveServer, nbh: str, label: str) -> str:
    return server.token(f"{label}-{uuid.uuid4().hex[:8]}", scopes=[COORDINATOR], nbh=[nbh])


def _member(server: LiveServer, label: str) -> str:
    return server.token(f"{label}-{uuid.uuid4().hex[:8]}")


def _handed_on(
    server: LiveServer, owner: str, issuing: str, ids: dict[str, str], redeeming: str
) -> tuple[Callable[[], dict[str, Any]], Callable[[str, str], GraphQLResponse]]:
    """Codes whose redemption hands the object over: whoever redeemed one issues the next."""
    owners = [owner]

    def issue() -> dict[str, Any]:
        data = _ok(server.gql(issuing, ids, token=owners[-1]))
        return dict(next(iter(data.values())))

    def redeem(token: str, code: str) -> GraphQLResponse:
        resp = post(server, redeeming, {"c": code}, token)
        if resp.errors == []:
            owners.append(token)
        return resp

    return issue, redeem


def circle_invites(server: LiveServer, nbh: str) -> Issuer:
    """A FACILITATOR invite: it serves only coordinators of the circle's neighbourhood. Joining
    with one hands facilitation over, so the new facilitator issues the next code."""
    former = _coordinator(server, nbh, "fac")
    form = """mutation($n: ID!) { formCircle(input: {neighborhood: $n, focus: "Sam",
      displayName: "Fay", role: FACILITATOR}) { id } }"""
    circle_id = _ok(server.gql(form, {"n": nbh}, token=former))["formCircle"]["id"]
    invite = """mutation($id: ID!) {
      createCircleInvite(circleId: $id, role: FACILITATOR) { code expiresOn } }"""
    join = 'mutation($c: String!) { joinCircle(code: $c, displayName: "Kim") { id } }'
    issue, redeem = _handed_on(server, former, invite, {"id": circle_id}, join)
    return Issuer(
        issue=issue,
        redeem=redeem,
        new_right=lambda: _coordinator(server, nbh, "joiner"),
        wrong=_member(server, "member"),
        inside=former,
    )


def repair_invites(server: LiveServer, nbh: str) -> Issuer:
    """A FACILITATOR invite: it serves only coordinators of the thread's neighbourhood. The
    harmed party here is a coordinator too, so the code serves them but they are already in.
    Once the facilitator has joined, the next code is for the responsible party."""
    harmed = _coordinator(server, nbh, "harmed")
    open_ = """mutation($n: ID!) { openRepairThread(input: {neighborhood: $n,
      myRole: HARMED_PARTY, displayName: "Ada"}) { id } }"""
    thread_id = _ok(server.gql(open_, {"n": nbh}, token=harmed))["openRepairThread"]["id"]
    invite = """mutation($t: ID!, $r: RepairRole!) {
      createRepairInvite(threadId: $t, role: $r) { code expiresOn } }"""
    join = 'mutation($c: String!) { joinRepairThread(code: $c, displayName: "Fay") { id } }'
    roles = ["FACILITATOR", "RESPONSIBLE_PARTY"]

    def issue() -> dict[str, Any]:
        made = _ok(server.gql(invite, {"t": thread_id, "r": roles.pop(0)}, token=harmed))
        return dict(made["createRepairInvite"])

    return Issuer(
        issue=issue,
        redeem=lambda token, code: post(server, join, {"c": code}, token),
        new_right=lambda: _coordinator(server, nbh, "fac"),
        wrong=_member(server, "member"),
        inside=harmed,
    )


def hold_transfers(server: LiveServer, nbh: str) -> Issuer:
    """A transfer serves another coordinator of the hold's neighbourhood, not its holder."""
    holder = _coordinator(server, nbh, "holder")
    open_ = "mutation($n: ID!) { openCareHold(neighborhood: $n) { id } }"
    hold_id = _ok(server.gql(open_, {"n": nbh}, token=holder))["openCareHold"]["id"]
    transfer = "mutation($id: ID!) { transferCareHold(id: $id) { code expiresOn } }"
    accept = "mutation($c: String!) { acceptCareHold(code: $c) { id } }"
    issue, redeem = _handed_on(server, holder, transfer, {"id": hold_id}, accept)
    return Issuer(
        issue=issue,
        redeem=redeem,
        new_right=lambda: _coordinator(server, nbh, "taker"),
        wrong=holder,
        inside=None,  # nothing refuses an accepted transfer once the code is found
    )


KINDS: dict[str, Callable[[LiveServer, str], Issuer]] = {
    "circle invite": circle_invites,
    "repair invite": repair_invites,
    "hold transfer": hold_transfers,
}


def _refused_like_unknown(issuer: Issuer, token: str, code: str, what: str) -> None:
    theirs = issuer.redeem(token, code)
    unknown = issuer.redeem(token, secrets.token_urlsafe(24))
    assert theirs.codes == ["INVITE_INVALID"], (what, theirs.body)
    assert (theirs.status, theirs.body) == (unknown.status, unknown.body), what


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_redemption_rule_holds_for_each_kind(
    server: LiveServer, nbh: str, day: dt.date, kind: str
) -> None:
    start = day
    issuer = KINDS[kind](server, nbh)

    # Hash only, seven days.
    first = issuer.issue()
    assert first["expiresOn"] == (start + dt.timedelta(days=7)).isoformat()
    dump = server.dump()
    assert first["code"].encode() not in dump
    assert code_hash(first["code"]).encode() in dump

    # Input that cannot be a code answers like an unknown code.
    for bad in ("", "   ", "x" * 129, "a b", first["code"] + "\x00"):
        _refused_like_unknown(issuer, issuer.new_right(), bad, f"{kind}: {bad!r}")
    # Not text at all (a lone surrogate): the HTTP gate refuses it before any code is looked
    # up, whatever the code, so it says nothing about codes either.
    for not_text in ("a\ud800", first["code"] + "\ud800"):
        refused = issuer.redeem(issuer.new_right(), not_text)
        assert (refused.status, refused.codes) == (400, ["BAD_USER_INPUT"]), refused.body

    # Refusals after the code was found answer alike and do not spend it.
    _refused_like_unknown(issuer, issuer.wrong, first["code"], f"{kind}: wrong caller")
    if issuer.inside is not None:
        again = issuer.redeem(issuer.inside, first["code"])
        assert again.codes == ["INVALID_TRANSITION"], again.body

    # Usable on its sixth day, by the caller it serves, trimmed: the refusals left it unspent.
    server.clock.set(start + dt.timedelta(days=6))
    used = issuer.redeem(issuer.new_right(), f"  {first['code']}\n")
    assert used.errors == [] and all(used.data.values()), used.body

    # Single use.
    _refused_like_unknown(issuer, issuer.new_right(), first["code"], f"{kind}: spent")

    # Not usable from its expiresOn day.
    server.clock.set(start)
    second = issuer.issue()
    server.clock.set(start + dt.timedelta(days=7))
    _refused_like_unknown(issuer, issuer.new_right(), second["code"], f"{kind}: expired")
    server.clock.set(start)
    _refused_like_unknown(issuer, issuer.new_right(), second["code"], f"{kind}: forgotten")
