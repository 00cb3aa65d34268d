"""The Local Commons interface against the fake Local Commons subgraph: what leaves CIP is
what the caller typed and the caller's own token, nothing is kept, and every failure is
LOCAL_COMMONS_UNAVAILABLE after exactly one attempt."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest

from auth.viewer import Viewer
from models.circles import CircleMember
from models.errors import BadUserInput, LocalCommonsUnavailable, NotFound
from models.sealing import Sealer
from resolvers.local_commons import (
    CREATE_EXCHANGE_REQUEST,
    CREATE_STEWARD_ALERT,
    HelpRequest,
    Urgency,
    help_request_variables,
    request_local_commons_help,
    steward_alert_variables,
)
from resolvers.request import CareContext, Policy
from tests.federation.fake_local_commons import FakeLocalCommons, Received
from tests.support import LiveServer, free_port

ALERT = "mutation($n: ID!, $u: Urgency!) { raiseStewardAlert(neighborhood: $n, urgency: $u) }"
# The only headers an outbound request may carry: transport ones and the caller's token.
ALLOWED_HEADERS = {
    "host",
    "accept",
    "accept-encoding",
    "connection",
    "content-length",
    "content-type",
    "authorization",
}


@pytest.fixture
def fake(local_commons: FakeLocalCommons) -> Any:
    local_commons.reset()
    yield local_commons
    local_commons.reset()


def contents(server: LiveServer) -> bytes:
    """The database dump without pg_dump's per-run \\restrict nonce lines."""
    lines = server.dump().splitlines(keepends=True)
    return b"".join(line for line in lines if not line.startswith((b"\\restrict", b"\\unrestrict")))


def assert_plain(received: Received, token: str) -> None:
    """No CIP marker: only allowed headers, the caller's token as sent, no 'cip' in the body."""
    assert set(received.headers) <= ALLOWED_HEADERS, received.headers
    assert received.headers["authorization"] == f"Bearer {token}"
    for name, value in received.headers.items():
        if name != "authorization":
            assert "cip" not in value.lower()
    assert b"cip" not in received.body.lower()


# ---------------------------------------------------------------- rules
def test_help_request_sends_only_what_was_typed_trimmed() -> None:
    request = HelpRequest(" Lift to clinic ", " Tuesday morning ", dt.date(2026, 3, 3))
    assert help_request_variables(request) == {
        "input": {
            "title": "Lift to clinic",
            "description": "Tuesday morning",
            "neededBy": "2026-03-03",
        }
    }
    assert help_request_variables(HelpRequest("a", "b"))["input"]["neededBy"] is None


@pytest.mark.parametrize(
    ("title", "details"), [("", "x"), ("  ", "x"), ("x", ""), ("x" * 121, "x"), ("x", "y" * 2001)]
)
def test_help_request_bounds(title: str, details: str) -> None:
    with pytest.raises(BadUserInput):
        help_request_variables(HelpRequest(title, details))


def test_steward_alert_sends_neighbourhood_and_urgency_only() -> None:
    assert steward_alert_variables("n-1", Urgency.NOW) == {
        "input": {"neighborhood": "n-1", "urgency": "NOW"}
    }
    with pytest.raises(BadUserInput):
        steward_alert_variables(" ", Urgency.SOON)


# ---------------------------------------------------------------- raiseStewardAlert, live
def test_a_coordinator_alerts_stewards_with_their_own_token(
    server: LiveServer, fake: FakeLocalCommons, nbh: str, sub: str
) -> None:
    token = server.token(sub, scopes=["cip:coordinator"], nbh=[nbh])
    before = contents(server)
    resp = server.gql(ALERT, {"n": nbh, "u": "TODAY"}, token=token)
    assert resp.errors == []
    assert resp.data == {"raiseStewardAlert": True}
    assert len(fake.received) == 1
    received = fake.received[0]
    assert received.json == {
        "query": CREATE_STEWARD_ALERT,
        "variables": {"input": {"neighborhood": nbh, "urgency": "TODAY"}},
    }
    assert_plain(received, token)
    assert contents(server) == before, "CIP wrote something about the alert"


@pytest.mark.parametrize(
    ("scopes", "nbh_claim"),
    [([], "same"), (["cip:coordinator"], "other"), (["cip:aggregate:read"], "same")],
)
def test_others_may_not_alert_and_nothing_is_sent(
    server: LiveServer,
    fake: FakeLocalCommons,
    nbh: str,
    sub: str,
    scopes: list[str],
    nbh_claim: str,
) -> None:
    claim = nbh if nbh_claim == "same" else f"{nbh}-other"
    token = server.token(sub, scopes=scopes, nbh=[claim])
    resp = server.gql(ALERT, {"n": nbh, "u": "NOW"}, token=token)
    assert resp.codes == ["FORBIDDEN"]
    assert "cip:coordinator" in resp.errors[0]["message"]  # what the token needs
    if nbh_claim == "other":
        assert "`nbh` claim" in resp.errors[0]["message"]
    assert resp.data is None
    assert fake.received == []


def test_anonymous_alert_is_unauthenticated(
    server: LiveServer, fake: FakeLocalCommons, nbh: str
) -> None:
    resp = server.gql(ALERT, {"n": nbh, "u": "NOW"})
    assert resp.codes == ["UNAUTHENTICATED"]
    assert fake.received == []


@pytest.mark.parametrize("mode", ["graphql-error", "http-500", "not-json"])
def test_a_local_commons_failure_is_unavailable_after_one_attempt(
    server: LiveServer, fake: FakeLocalCommons, nbh: str, sub: str, mode: str
) -> None:
    fake.reset(mode)
    token = server.token(sub, scopes=["cip:coordinator"], nbh=[nbh])
    before = contents(server)
    resp = server.gql(ALERT, {"n": nbh, "u": "SOON"}, token=token)
    assert resp.codes == ["LOCAL_COMMONS_UNAVAILABLE"]
    assert resp.data is None
    assert len(fake.received) == 1, "a failed call must not be retried"
    assert contents(server) == before


def test_alert_message_names_no_content(
    server: LiveServer, fake: FakeLocalCommons, nbh: str, sub: str
) -> None:
    fake.reset("graphql-error")
    token = server.token(sub, scopes=["cip:coordinator"], nbh=[nbh])
    resp = server.gql(ALERT, {"n": nbh, "u": "SOON"}, token=token)
    assert nbh not in json.dumps(resp.body)


# ---------------------------------------------------------------- the call itself
def context(server: LiveServer, url: str | None, token: str, timeout: float = 10.0) -> CareContext:
    settings = server.settings
    return CareContext(
        viewer=Viewer(subject="pseudonym-of-caller"),
        sealer=Sealer(settings.master_key, server.clock),
        clock=server.clock,
        policy=Policy(
            pseudonym_key=settings.pseudonym_key,
            issuer=settings.jwt_issuer,
            local_commons_url=url,
            local_commons_timeout=timeout,
        ),
        # The request as Starlette hands it over: only its headers are read.
        request=SimpleNamespace(headers={"authorization": f"Bearer {token}"}),
    )


def ask(
    server: LiveServer, ctx: CareContext, request: HelpRequest, member: str | None = None
) -> Any:
    async def go() -> Any:
        membership = CircleMember(
            member=member or ctx.viewer.subject,
            role="SUPPORTER",
            name_sealed=b"sealed display name",
            joined_on=dt.date(2026, 1, 5),
        )
        return await request_local_commons_help(ctx, membership, request)

    return server.run(go())


def test_help_request_forwards_what_was_typed_and_returns_the_reference(
    server: LiveServer, fake: FakeLocalCommons, sub: str
) -> None:
    token = server.token(sub)
    before = contents(server)
    receipt = ask(
        server,
        context(server, fake.url, token),
        HelpRequest("Meals for a week", "Two adults, no nuts", dt.date(2026, 2, 1)),
    )
    assert receipt.forwarded is True
    assert receipt.local_commons_reference and receipt.local_commons_reference.startswith("ex-")
    assert len(fake.received) == 1
    received = fake.received[0]
    assert received.json == {
        "query": CREATE_EXCHANGE_REQUEST,
        "variables": {
            "input": {
                "title": "Meals for a week",
                "description": "Two adults, no nuts",
                "neededBy": "2026-02-01",
            }
        },
    }
    assert_plain(received, token)
    assert b"pseudonym-of-caller" not in received.body
    assert b"SUPPORTER" not in received.body and b"sealed" not in received.body
    assert contents(server) == before


def test_help_request_with_someone_elses_membership_is_not_found(
    server: LiveServer, fake: FakeLocalCommons, sub: str
) -> None:
    with pytest.raises(NotFound):
        ask(server, context(server, fake.url, server.token(sub)), HelpRequest("a", "b"), "x")
    assert fake.received == []


def test_bad_input_sends_nothing(server: LiveServer, fake: FakeLocalCommons, sub: str) -> None:
    with pytest.raises(BadUserInput):
        ask(server, context(server, fake.url, server.token(sub)), HelpRequest("", "b"))
    assert fake.received == []


def test_unset_url_is_unavailable_and_says_it_is_not_configured(
    server: LiveServer, fake: FakeLocalCommons, sub: str
) -> None:
    with pytest.raises(LocalCommonsUnavailable) as info:
        ask(server, context(server, None, server.token(sub)), HelpRequest("a", "b"))
    assert info.value.code == "LOCAL_COMMONS_UNAVAILABLE"
    assert "not configured" in info.value.message
    assert "CIP_LOCAL_COMMONS_URL" in info.value.message
    assert fake.received == []


def test_network_error_is_unavailable(server: LiveServer, sub: str) -> None:
    closed = f"http://127.0.0.1:{free_port()}/graphql"
    with pytest.raises(LocalCommonsUnavailable):
        ask(server, context(server, closed, server.token(sub)), HelpRequest("a", "b"))


def test_timeout_is_unavailable_after_one_attempt(
    server: LiveServer, fake: FakeLocalCommons, sub: str
) -> None:
    fake.reset("slow")
    fake.slow_seconds = 2.0
    ctx = context(server, fake.url, server.token(sub), timeout=0.3)
    with pytest.raises(LocalCommonsUnavailable):
        ask(server, ctx, HelpRequest("a", "b"))
    assert len(fake.received) == 1


@pytest.mark.parametrize("mode", ["graphql-error", "http-500", "not-json"])
def test_help_request_failures_are_unavailable(
    server: LiveServer, fake: FakeLocalCommons, sub: str, mode: str
) -> None:
    fake.reset(mode)
    with pytest.raises(LocalCommonsUnavailable):
        ask(server, context(server, fake.url, server.token(sub)), HelpRequest("a", "b"))
    assert len(fake.received) == 1


HELP = """mutation($c: ID!, $i: HelpRequestInput!) {
  requestLocalCommonsHelp(circleId: $c, input: $i) { forwarded localCommonsReference } }"""


def test_a_circle_member_asks_local_commons_through_the_api(
    server: LiveServer, fake: FakeLocalCommons, nbh: str
) -> None:
    from tests import support

    facilitator = support.coordinator(server, nbh)
    focus = f"Holding the Nakamura family {nbh}"
    circle = support.form(server, facilitator, nbh, focus=focus, name="Rowan Facilitator")
    helper = support.add_member(server, facilitator, circle["id"], name="Juniper Helper")
    before = contents(server)
    typed = {"title": "Moving boxes", "details": "Saturday morning, two people", "neededOn": None}
    resp = server.gql(HELP, {"c": circle["id"], "i": typed}, token=helper.token)
    assert resp.errors == [], resp.errors
    assert resp.data["requestLocalCommonsHelp"]["forwarded"] is True
    (received,) = fake.received
    assert_plain(received, helper.token)
    sent = json.dumps(received.json)
    for secret in (circle["id"], focus, "Rowan", "Juniper", nbh, helper.sub):
        assert secret not in sent
    assert "Moving boxes" in sent and "Saturday morning, two people" in sent
    assert contents(server) == before  # CIP keeps nothing of the call


def test_an_outsider_cannot_ask_for_a_circle_and_nothing_is_sent(
    server: LiveServer, fake: FakeLocalCommons, nbh: str
) -> None:
    from tests import support

    facilitator = support.coordinator(server, nbh)
    circle = support.form(server, facilitator, nbh)
    outsider = support.member(server)
    typed = {"title": "Help", "details": "Please"}
    theirs = server.gql(HELP, {"c": circle["id"], "i": typed}, token=outsider.token)
    random = server.gql(
        HELP, {"c": "6a1f0c2e-1111-4222-8333-444455556666", "i": typed}, token=outsider.token
    )
    assert theirs.codes == ["NOT_FOUND"]
    assert (theirs.status, theirs.body) == (random.status, random.body)
    assert fake.received == []
