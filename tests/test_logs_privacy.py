"""A broad API scenario with every logger at DEBUG: no secret reaches any log record.

The live server runs in this process, so caplog on the root logger sees the server's records
too: CIP's, strawberry's, uvicorn's, tortoise's, asyncpg's, aiosqlite's, httpx's.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from auth.viewer import AGGREGATE_READ, COORDINATOR
from models.pseudonym import ASKS_HOLDS, CAPABILITIES
from subgraph.logs import configure_logging
from tests.support import (
    ADD_SLOT,
    CIRCLE,
    CLOSE,
    FORM,
    INVITE,
    JOIN,
    POST,
    RANDOM_ID,
    SIGNALS,
    UPDATES,
    VIEW,
    WEEKS,
    GraphQLResponse,
    LiveServer,
    subject_of,
)

DAY = dt.date(2026, 3, 2)
HOLD = "id status sealedNote"
ASK = (
    "mutation Ask($n: ID!, $note: String!) { askForSupport(neighborhood: $n, note: $note) { id } }"
)
ASKS = "query Asks($n: ID!) { supportAsks(neighborhood: $n) { id note } }"
TAKE = f"mutation Take($id: ID!, $note: String) {{ takeSupportAsk(id: $id, sealedNote: $note) {{ {HOLD} }} }}"  # noqa: E501
TRANSFER = "mutation($id: ID!) { transferCareHold(id: $id) { code } }"
ACCEPT = f"mutation($c: String!) {{ acceptCareHold(code: $c) {{ {HOLD} }} }}"
CLOSE_HOLD = "mutation($id: ID!) { closeCareHold(id: $id) }"
THREAD = "id stage parties { displayName }"
OPEN_REPAIR = f"""mutation($n: ID!, $name: String!) {{
  openRepairThread(input: {{neighborhood: $n, myRole: HARMED_PARTY, displayName: $name}}) {{ {THREAD} }} }}"""  # noqa: E501
REPAIR_INVITE = """mutation($t: ID!) {
  createRepairInvite(threadId: $t, role: RESPONSIBLE_PARTY) { code } }"""
REPAIR_JOIN = f"mutation($c: String!, $name: String!) {{ joinRepairThread(code: $c, displayName: $name) {{ {THREAD} }} }}"  # noqa: E501
ENTRY = "mutation($t: ID!, $b: String!) { addRepairEntry(threadId: $t, body: $b) { id body } }"
ENTRIES = "query($t: ID!) { repairThread(id: $t) { entries { body } } }"
PEER_POST = "mutation($b: String!) { postToPeerChannel(body: $b) { id body } }"
PEERS = "query Peers { peerChannel(first: 10) { body } }"
WELLBEING = (
    "mutation { answerWellbeingCheck(hasSupport: false, wantsPeerConnection: true) { due } }"
)


class Secrets:
    def __init__(self) -> None:
        self.values: list[str] = []

    def new(self, label: str) -> str:
        value = f"{label}-{uuid.uuid4().hex[:12]}"
        self.values.append(value)
        return value

    def add(self, *values: str) -> None:
        self.values.extend(v for v in values if v)


def ok(resp: GraphQLResponse) -> Any:
    assert resp.errors == [], resp.errors
    return resp.data


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    undo = configure_logging("DEBUG", stream=stream)
    caplog.set_level(logging.DEBUG)
    # Someone lowering the SQL logger's level must not bring parameters back.
    logging.getLogger("tortoise.db_client").setLevel(logging.DEBUG)
    logging.getLogger("aiosqlite").setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        undo()


def scenario(server: LiveServer, nbh: str, s: Secrets) -> None:
    subs = {k: s.new(k) for k in ("focus", "helper", "coord", "coord2", "asker", "harmed", "resp")}
    tokens = {
        "focus": server.token(subs["focus"], nbh=[nbh]),
        "helper": server.token(subs["helper"], nbh=[nbh]),
        "asker": server.token(subs["asker"], nbh=[nbh]),
        "harmed": server.token(subs["harmed"], nbh=[nbh]),
        "resp": server.token(subs["resp"], nbh=[nbh]),
        "coord": server.token(subs["coord"], scopes=[COORDINATOR], nbh=[nbh]),
        "coord2": server.token(subs["coord2"], scopes=[COORDINATOR], nbh=[nbh]),
        "ai": server.token(s.new("ai"), scopes=[AGGREGATE_READ], nbh=[nbh]),
    }
    s.add(*tokens.values(), *(subject_of(server, sub) for sub in subs.values()))
    s.add(*(subject_of(server, sub, c) for sub in subs.values() for c in CAPABILITIES))

    # Circles: form, invite, join, post, rota, read, close.
    focus_text, name_a, name_b = s.new("focus text"), s.new("Alex"), s.new("Kim")
    circle = ok(
        server.gql(
            FORM,
            {
                "input": {
                    "neighborhood": nbh,
                    "focus": focus_text,
                    "displayName": name_a,
                    "role": "FOCUS",
                }
            },
            token=tokens["focus"],
        )
    )["formCircle"]
    code = ok(server.gql(INVITE, {"id": circle["id"], "role": "SUPPORTER"}, token=tokens["focus"]))
    s.add(code["createCircleInvite"]["code"])
    ok(
        server.gql(
            JOIN,
            {"code": code["createCircleInvite"]["code"], "name": name_b},
            token=tokens["helper"],
        )
    )
    ok(server.gql(POST, {"id": circle["id"], "body": s.new("update")}, token=tokens["helper"]))
    ok(
        server.gql(
            ADD_SLOT,
            {"id": circle["id"], "on": DAY.isoformat(), "task": s.new("task")},
            token=tokens["focus"],
        )
    )
    ok(server.gql(CIRCLE, {"id": circle["id"]}, token=tokens["helper"]))
    ok(server.gql(UPDATES, {"id": circle["id"], "first": 5}, token=tokens["focus"]))
    assert server.gql(CIRCLE, {"id": RANDOM_ID}, token=tokens["helper"]).codes == ["NOT_FOUND"]
    refused = server.gql(
        POST, {"id": circle["id"], "body": s.new("too long") * 400}, token=tokens["helper"]
    )
    assert refused.codes == ["BAD_USER_INPUT"]

    # Asks and holds: ask, list, take, transfer, accept, close.
    ask = ok(server.gql(ASK, {"n": nbh, "note": s.new("ask note")}, token=tokens["asker"]))
    ok(server.gql(ASKS, {"n": nbh}, token=tokens["coord"]))
    hold = ok(
        server.gql(
            TAKE, {"id": ask["askForSupport"]["id"], "note": s.new("sealed")}, token=tokens["coord"]
        )
    )["takeSupportAsk"]
    transfer = ok(server.gql(TRANSFER, {"id": hold["id"]}, token=tokens["coord"]))
    s.add(transfer["transferCareHold"]["code"])
    ok(server.gql(ACCEPT, {"c": transfer["transferCareHold"]["code"]}, token=tokens["coord2"]))
    wrong = server.gql(ACCEPT, {"c": s.new("guessed code")}, token=tokens["coord2"])
    assert wrong.codes == ["INVITE_INVALID"]
    ok(server.gql(CLOSE_HOLD, {"id": hold["id"]}, token=tokens["coord2"]))

    # Repair: open, invite, join, entry, read.
    thread = ok(
        server.gql(OPEN_REPAIR, {"n": nbh, "name": s.new("Harmed name")}, token=tokens["harmed"])
    )["openRepairThread"]
    rcode = ok(server.gql(REPAIR_INVITE, {"t": thread["id"]}, token=tokens["harmed"]))
    s.add(rcode["createRepairInvite"]["code"])
    ok(
        server.gql(
            REPAIR_JOIN,
            {"c": rcode["createRepairInvite"]["code"], "name": s.new("Responsible name")},
            token=tokens["resp"],
        )
    )
    ok(server.gql(ENTRY, {"t": thread["id"], "b": s.new("impact")}, token=tokens["harmed"]))
    ok(server.gql(ENTRIES, {"t": thread["id"]}, token=tokens["resp"]))

    # Coordinator support and aggregates.
    ok(server.gql(WELLBEING, token=tokens["coord"]))
    ok(server.gql(PEER_POST, {"b": s.new("peer post")}, token=tokens["coord"]))
    ok(server.gql(PEERS, token=tokens["coord2"]))
    ok(server.gql(VIEW, {"n": nbh}, token=tokens["coord"]))
    ok(server.gql(SIGNALS, {"ns": [nbh]}, token=tokens["coord"]))
    ok(server.gql(WEEKS, {"n": nbh}, token=tokens["ai"]))

    # Hostile calls: a forged token, a bad query carrying a secret in its text.
    forged = s.new("forged-token")
    assert server.gql(PEERS, token=forged).codes == ["UNAUTHENTICATED"]
    typo = server.gql(f'{{ circle(id: "{s.new("secret id")}") {{ nope }} }}', token=tokens["focus"])
    assert typo.codes and set(typo.codes) <= {"BAD_USER_INPUT"}
    ok(server.gql(CLOSE, {"id": circle["id"]}, token=tokens["focus"]))


def test_no_secret_reaches_any_log_at_debug(
    server: LiveServer, nbh: str, caplog: pytest.LogCaptureFixture, debug_logs: io.StringIO
) -> None:
    secrets = Secrets()
    server.clock.set(DAY)
    try:
        scenario(server, nbh, secrets)
    finally:
        server.clock.set(None)
    captured = caplog.text + "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {r.__dict__!r}" for r in caplog.records
    )
    written = debug_logs.getvalue()
    for value in [*secrets.values, "127.0.0.1"]:
        assert value not in captured, value
        assert value not in written, value
    assert not [
        r
        for r in caplog.records
        if r.name.startswith(("tortoise", "aiosqlite")) and r.levelno < logging.WARNING
    ]

    # One JSON line per request, with operation names and outcome codes.
    lines = [json.loads(line) for line in written.splitlines() if line.strip()]
    requests = [line for line in lines if line["logger"] == "cip.request"]
    assert len(requests) >= 25
    assert all(line["route"] == "/graphql" for line in requests)
    assert {"Ask", "Asks", "Take", "Peers"} <= {line["operation"] for line in requests}
    outcomes = {line["outcome"] for line in requests}
    assert {"OK", "NOT_FOUND", "BAD_USER_INPUT", "UNAUTHENTICATED", "INVITE_INVALID"} <= outcomes
    assert all(isinstance(line["duration_ms"], float | int) for line in requests)
    assert {"variables", "query", "ip", "client", "sub"}.isdisjoint(requests[0])


def test_without_the_filter_sql_parameters_would_be_logged(
    server: LiveServer, nbh: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The control for the test above: tortoise's SQL logger does print pseudonyms."""
    logger = logging.getLogger("tortoise.db_client")
    saved = (logger.level, list(logger.filters))
    logger.filters = []
    logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        sub = f"control-{uuid.uuid4().hex[:8]}"
        ok(server.gql(ASK, {"n": nbh, "note": "hello"}, token=server.token(sub, nbh=[nbh])))
    finally:
        logger.setLevel(saved[0])
        logger.filters = saved[1]
    assert subject_of(server, sub, ASKS_HOLDS) in caplog.text
