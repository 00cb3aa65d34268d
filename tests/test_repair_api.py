"""Repair threads through the API: parties, pacing, pause, privacy, closing and what remains."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.support import CareResource
from resolvers.expiry import purge_all
from tests.support import (
    RANDOM_ID,
    GraphQLResponse,
    LiveServer,
    action_count,
    coordinator_token,
    count_rows,
    fresh,
    has_key,
    metrics,
    ok,
    same_refusal,
)

THREAD = """id neighborhood stage myRole advanceProposed paused openedOn
  parties { role displayName joined isMe }"""
OPEN = f"""mutation($n: ID!, $r: RepairRole!, $name: String!) {{
  openRepairThread(input: {{neighborhood: $n, myRole: $r, displayName: $name}}) {{ {THREAD} }} }}"""
INVITE = """mutation($t: ID!, $r: RepairRole!) {
  createRepairInvite(threadId: $t, role: $r) { code role expiresOn } }"""
JOIN = f"""mutation($c: String!, $name: String!) {{
  joinRepairThread(code: $c, displayName: $name) {{ {THREAD} }} }}"""
ENTRY = """mutation($t: ID!, $b: String!) {
  addRepairEntry(threadId: $t, body: $b) { id stage author body postedOn } }"""
PROPOSE = f"mutation($t: ID!) {{ proposeRepairAdvance(threadId: $t) {{ {THREAD} }} }}"
CONFIRM = f"mutation($t: ID!) {{ confirmRepairAdvance(threadId: $t) {{ {THREAD} }} }}"
PAUSE = f"mutation($t: ID!) {{ pauseRepairThread(threadId: $t) {{ {THREAD} }} }}"
RESUME = f"mutation($t: ID!) {{ resumeRepairThread(threadId: $t) {{ {THREAD} }} }}"
CLOSE = """mutation($t: ID!, $c: RepairClosure!, $r: EscalationRoute) {
  closeRepairThread(threadId: $t, closure: $c, route: $r) {
    closure route resources { id name kind contact description neighborhood } } }"""
GET = f"query($t: ID!) {{ repairThread(id: $t) {{ {THREAD} }} }}"
ENTRIES = """query($t: ID!, $s: RepairStage) {
  repairThread(id: $t) { entries(stage: $s) { stage author body } } }"""
MINE = "{ myRepairThreads { id myRole } }"


@dataclass
class Thread:
    id: str
    harmed: str
    responsible: str
    facilitator: str | None


def call(server: LiveServer, query: str, token: str, **variables: object) -> GraphQLResponse:
    return server.gql(query, variables, token=token)


def open_thread(server: LiveServer, token: str, nbh: str, role: str, name: str) -> str:
    data = ok(call(server, OPEN, token, n=nbh, r=role, name=name))
    return str(data["openRepairThread"]["id"])


def invite(server: LiveServer, token: str, thread_id: str, role: str) -> str:
    return str(ok(call(server, INVITE, token, t=thread_id, r=role))["createRepairInvite"]["code"])


def join(server: LiveServer, token: str, code: str, name: str) -> dict[str, object]:
    return dict(ok(call(server, JOIN, token, c=code, name=name))["joinRepairThread"])


def two_party_thread(server: LiveServer, nbh: str) -> Thread:
    harmed = server.token(fresh())
    responsible = server.token(fresh())
    thread_id = open_thread(server, harmed, nbh, "HARMED_PARTY", "Ada")
    join(server, responsible, invite(server, harmed, thread_id, "RESPONSIBLE_PARTY"), "Ben")
    return Thread(thread_id, harmed, responsible, None)


def test_open_invite_and_join(server: LiveServer, nbh: str, day: dt.date) -> None:
    harmed = server.token(fresh())
    opened = ok(call(server, OPEN, harmed, n=nbh, r="HARMED_PARTY", name="  Ada "))
    thread = opened["openRepairThread"]
    assert thread["stage"] == "IMPACT" and thread["myRole"] == "HARMED_PARTY"
    assert thread["openedOn"] == "2026-03-02" and not thread["paused"]
    assert thread["parties"] == [
        {"role": "HARMED_PARTY", "displayName": "Ada", "joined": True, "isMe": True}
    ]
    made = ok(call(server, INVITE, harmed, t=thread["id"], r="RESPONSIBLE_PARTY"))
    assert made["createRepairInvite"]["expiresOn"] == "2026-03-09"
    assert made["createRepairInvite"]["code"].encode() not in server.dump()  # its hash only
    pending = ok(call(server, GET, harmed, t=thread["id"]))["repairThread"]["parties"]
    assert pending[1] == {
        "role": "RESPONSIBLE_PARTY",
        "displayName": None,
        "joined": False,
        "isMe": False,
    }
    responsible = server.token(fresh())
    joined = join(server, responsible, made["createRepairInvite"]["code"], "Ben")
    assert joined["myRole"] == "RESPONSIBLE_PARTY"
    assert [(p["displayName"], p["isMe"]) for p in joined["parties"]] == [
        ("Ada", False),
        ("Ben", True),
    ]
    mine = ok(call(server, MINE, responsible))["myRepairThreads"]
    assert mine == [{"id": thread["id"], "myRole": "RESPONSIBLE_PARTY"}]
    assert metrics(server, nbh) == {"repair_opened": 1, "gauge_repair_active": 1}
    assert action_count(server, nbh) == 0  # no facilitator yet: nobody's coordinator count moves


def test_one_person_per_role_and_codes_are_single_use(
    server: LiveServer, nbh: str, day: dt.date
) -> None:
    t = two_party_thread(server, nbh)
    taken = call(server, INVITE, t.responsible, t=t.id, r="HARMED_PARTY")
    assert taken.codes == ["INVALID_TRANSITION"]
    code = invite(server, t.responsible, t.id, "FACILITATOR")
    unknown = call(server, JOIN, server.token(fresh()), c="no-such-code", name="Cy")
    assert unknown.codes == ["INVITE_INVALID"]
    # A party already in the thread cannot take a second role; one who cannot use the code at
    # all (no coordinator here) is answered as for an unknown code.
    assert call(server, JOIN, t.harmed, c=code, name="Ada").codes == ["INVITE_INVALID"]
    coord_party = coordinator_token(server, fresh("coord"), nbh)
    own = open_thread(server, coord_party, nbh, "HARMED_PARTY", "Hal")
    own_code = invite(server, coord_party, own, "FACILITATOR")
    assert call(server, JOIN, coord_party, c=own_code, name="Hal").codes == ["INVALID_TRANSITION"]
    coord_sub = fresh("coord")
    ok(call(server, JOIN, coordinator_token(server, coord_sub, nbh), c=code, name="Fay"))
    reused = call(server, JOIN, coordinator_token(server, fresh("coord"), nbh), c=code, name="Gus")
    same_refusal(reused, unknown)


def test_invite_codes_expire_after_seven_days(server: LiveServer, nbh: str, day: dt.date) -> None:
    harmed = server.token(fresh())
    thread_id = open_thread(server, harmed, nbh, "HARMED_PARTY", "Ada")
    code = invite(server, harmed, thread_id, "RESPONSIBLE_PARTY")
    server.clock.set(day + dt.timedelta(days=7))
    resp = call(server, JOIN, server.token(fresh()), c=code, name="Ben")
    assert resp.codes == ["INVITE_INVALID"]
    # Found past its day, this code is forgotten by its own redemption (that one only).
    assert count_rows(server, "cip_repair_invite", f"thread_id = '{thread_id}'") == 0


def test_expired_invite_codes_nobody_tries_go_with_the_purge(
    server: LiveServer, nbh: str, day: dt.date
) -> None:
    harmed = server.token(fresh())
    thread_id = open_thread(server, harmed, nbh, "HARMED_PARTY", "Ada")
    invite(server, harmed, thread_id, "RESPONSIBLE_PARTY")
    server.clock.set(day + dt.timedelta(days=7))
    other = open_thread(server, server.token(fresh()), nbh, "HARMED_PARTY", "Ben")
    assert other  # requests go on; none of them deletes the expired code
    assert count_rows(server, "cip_repair_invite", f"thread_id = '{thread_id}'") == 1
    server.run(purge_all(day + dt.timedelta(days=7)))
    assert count_rows(server, "cip_repair_invite", f"thread_id = '{thread_id}'") == 0


def test_facilitators_are_coordinators_of_the_neighbourhood(server: LiveServer, nbh: str) -> None:
    member = server.token(fresh(), nbh=[nbh])
    assert call(server, OPEN, member, n=nbh, r="FACILITATOR", name="F").codes == ["FORBIDDEN"]
    other = coordinator_token(server, fresh("coord"), "elsewhere")
    assert call(server, OPEN, other, n=nbh, r="FACILITATOR", name="F").codes == ["FORBIDDEN"]
    assert count_rows(server, "cip_repair_thread", f"neighborhood = '{nbh}'") == 0

    t = two_party_thread(server, nbh)
    code = invite(server, t.harmed, t.id, "FACILITATOR")
    for token in (server.token(fresh()), other):  # answered like an unknown code
        assert call(server, JOIN, token, c=code, name="F").codes == ["INVITE_INVALID"]
    coord = coordinator_token(server, fresh("coord"), nbh)
    joined = join(server, coord, code, "Fay")  # the refusals above did not spend the code
    assert joined["myRole"] == "FACILITATOR"
    assert action_count(server, nbh) == 1

    coord_sub = fresh("coord")
    opened = open_thread(
        server, coordinator_token(server, coord_sub, nbh), nbh, "FACILITATOR", "Gil"
    )
    assert opened and action_count(server, nbh) == 2


def test_only_the_harmed_party_moves_the_thread_to_the_next_lens(
    server: LiveServer, nbh: str
) -> None:
    t = two_party_thread(server, nbh)
    ok(call(server, ENTRY, t.harmed, t=t.id, b="It hurt to be left out."))
    ok(call(server, ENTRY, t.responsible, t=t.id, b="I did not see it then."))
    proposed = ok(call(server, PROPOSE, t.responsible, t=t.id))["proposeRepairAdvance"]
    assert proposed["advanceProposed"] and proposed["stage"] == "IMPACT"
    refused = call(server, CONFIRM, t.responsible, t=t.id)
    assert refused.codes == ["FORBIDDEN"] and refused.data is None
    assert ok(call(server, GET, t.harmed, t=t.id))["repairThread"]["stage"] == "IMPACT"

    moved = ok(call(server, CONFIRM, t.harmed, t=t.id))["confirmRepairAdvance"]
    assert moved["stage"] == "NEEDS" and not moved["advanceProposed"]
    assert call(server, CONFIRM, t.harmed, t=t.id).codes == ["INVALID_TRANSITION"]
    entry = ok(call(server, ENTRY, t.responsible, t=t.id, b="What would help now?"))
    assert entry["addRepairEntry"]["stage"] == "NEEDS"
    assert entry["addRepairEntry"]["author"] == "RESPONSIBLE_PARTY"

    everything = ok(call(server, ENTRIES, t.harmed, t=t.id, s=None))["repairThread"]["entries"]
    assert [(e["stage"], e["author"], e["body"]) for e in everything] == [
        ("IMPACT", "HARMED_PARTY", "It hurt to be left out."),
        ("IMPACT", "RESPONSIBLE_PARTY", "I did not see it then."),
        ("NEEDS", "RESPONSIBLE_PARTY", "What would help now?"),
    ]
    impact = ok(call(server, ENTRIES, t.responsible, t=t.id, s="IMPACT"))["repairThread"]
    assert [e["body"] for e in impact["entries"]] == [
        "It hurt to be left out.",
        "I did not see it then.",
    ]


def test_a_pause_blocks_entries_proposals_and_confirmations(server: LiveServer, nbh: str) -> None:
    t = two_party_thread(server, nbh)
    ok(call(server, PROPOSE, t.responsible, t=t.id))
    assert call(server, PAUSE, t.responsible, t=t.id).codes == ["FORBIDDEN"]
    paused = ok(call(server, PAUSE, t.harmed, t=t.id))["pauseRepairThread"]
    assert paused["paused"]
    for query, token, extra in (
        (ENTRY, t.responsible, {"b": "please"}),
        (ENTRY, t.harmed, {"b": "not now"}),
        (PROPOSE, t.responsible, {}),
        (CONFIRM, t.harmed, {}),
    ):
        assert call(server, query, token, t=t.id, **extra).codes == ["INVALID_TRANSITION"]
    assert count_rows(server, "cip_repair_entry", f"thread_id = '{t.id}'") == 0
    assert call(server, RESUME, t.responsible, t=t.id).codes == ["FORBIDDEN"]
    resumed = ok(call(server, RESUME, t.harmed, t=t.id))["resumeRepairThread"]
    assert not resumed["paused"] and resumed["advanceProposed"]
    assert ok(call(server, CONFIRM, t.harmed, t=t.id))["confirmRepairAdvance"]["stage"] == "NEEDS"


def test_an_outsider_cannot_tell_a_thread_from_a_random_id(server: LiveServer, nbh: str) -> None:
    t = two_party_thread(server, nbh)
    outsider = server.token(fresh())
    coord = coordinator_token(server, fresh("coord"), nbh)  # even the neighbourhood's coordinator
    cases: list[tuple[str, dict[str, object]]] = [
        (GET, {}),
        (ENTRIES, {"s": None}),
        (ENTRY, {"b": "hello"}),
        (INVITE, {"r": "FACILITATOR"}),
        (PROPOSE, {}),
        (CONFIRM, {}),
        (PAUSE, {}),
        (RESUME, {}),
        (CLOSE, {"c": "WITHDRAWN", "r": None}),
    ]
    for token in (outsider, coord):
        assert ok(call(server, MINE, token))["myRepairThreads"] == []
        for query, extra in cases:
            theirs = call(server, query, token, t=t.id, **extra)
            random = call(server, query, token, t=RANDOM_ID, **extra)
            assert theirs.codes == ["NOT_FOUND"], query
            same_refusal(theirs, random)
    assert call(server, GET, outsider, t="not-an-id").codes == ["NOT_FOUND"]


def test_closing_rules(server: LiveServer, nbh: str) -> None:
    t = two_party_thread(server, nbh)
    withdraw = {"c": "WITHDRAWN", "r": None}
    assert call(server, CLOSE, t.responsible, t=t.id, **withdraw).codes == ["FORBIDDEN"]
    early = call(server, CLOSE, t.harmed, t=t.id, c="COMPLETED", r=None)
    assert early.codes == ["INVALID_TRANSITION"]
    escalate = call(server, CLOSE, t.harmed, t=t.id, c="ESCALATED", r="GOVERNANCE")
    assert escalate.codes == ["FORBIDDEN"]
    for _ in range(3):
        ok(call(server, PROPOSE, t.responsible, t=t.id))
        ok(call(server, CONFIRM, t.harmed, t=t.id))
    assert ok(call(server, GET, t.harmed, t=t.id))["repairThread"]["stage"] == "PATH_FORWARD"
    assert call(server, PROPOSE, t.harmed, t=t.id).codes == ["INVALID_TRANSITION"]
    closed = ok(call(server, CLOSE, t.harmed, t=t.id, c="COMPLETED", r=None))
    assert closed["closeRepairThread"] == {"closure": "COMPLETED", "route": None, "resources": []}
    # Opened and closed in one week: the active gauge's cell cancelled; how it closed is
    # not stored (no release reads it).
    assert metrics(server, nbh) == {"repair_opened": 1, "repair_closed": 1}


def test_the_facilitator_completes_only_from_path_forward(server: LiveServer, nbh: str) -> None:
    t = two_party_thread(server, nbh)
    coord = coordinator_token(server, fresh("coord"), nbh)
    join(server, coord, invite(server, t.harmed, t.id, "FACILITATOR"), "Fay")
    completed = {"c": "COMPLETED", "r": None}
    for lens in ("IMPACT", "NEEDS", "ACCOUNTABILITY"):
        assert ok(call(server, GET, coord, t=t.id))["repairThread"]["stage"] == lens
        assert call(server, CLOSE, coord, t=t.id, **completed).codes == ["INVALID_TRANSITION"]
        ok(call(server, PROPOSE, coord, t=t.id))
        ok(call(server, CONFIRM, t.harmed, t=t.id))
    assert count_rows(server, "cip_repair_thread", f"id = '{t.id}'") == 1  # refusals closed nothing
    assert "repair_closed" not in metrics(server, nbh)
    closed = ok(call(server, CLOSE, coord, t=t.id, **completed))
    assert closed["closeRepairThread"]["closure"] == "COMPLETED"
    assert count_rows(server, "cip_repair_thread", f"id = '{t.id}'") == 0
    assert metrics(server, nbh)["repair_closed"] == 1


def test_the_facilitator_withdraws_and_escalates_from_the_first_lens(
    server: LiveServer, nbh: str
) -> None:
    for closure, route in (("WITHDRAWN", None), ("ESCALATED", "GOVERNANCE")):
        t = two_party_thread(server, nbh)
        coord = coordinator_token(server, fresh("coord"), nbh)
        join(server, coord, invite(server, t.harmed, t.id, "FACILITATOR"), "Fay")
        closed = ok(call(server, CLOSE, coord, t=t.id, c=closure, r=route))
        assert closed["closeRepairThread"]["closure"] == closure


def test_the_harmed_party_withdraws_at_any_time_even_paused(server: LiveServer, nbh: str) -> None:
    t = two_party_thread(server, nbh)
    ok(call(server, PAUSE, t.harmed, t=t.id))
    closed = ok(call(server, CLOSE, t.harmed, t=t.id, c="WITHDRAWN", r=None))
    assert closed["closeRepairThread"]["closure"] == "WITHDRAWN"
    assert metrics(server, nbh) == {"repair_opened": 1, "repair_closed": 1}


def test_closing_leaves_nothing_but_the_aggregate_rows(server: LiveServer, nbh: str) -> None:
    harmed = server.token(fresh())
    thread_id = open_thread(server, harmed, nbh, "HARMED_PARTY", "Ada")
    t = Thread(thread_id, harmed, "", None)
    coord = coordinator_token(server, fresh("coord"), nbh)
    join(server, coord, invite(server, t.harmed, t.id, "FACILITATOR"), "Fay")
    invite(server, coord, t.id, "RESPONSIBLE_PARTY")  # still open when the thread closes
    ok(call(server, ENTRY, t.harmed, t=t.id, b="what stays must be nothing"))
    assert count_rows(server, "cip_repair_invite", f"thread_id = '{t.id}'") == 1
    assert has_key(server, f"thread:{t.id}")

    no_route = call(server, CLOSE, coord, t=t.id, c="ESCALATED", r=None)
    assert no_route.codes == ["BAD_USER_INPUT"]
    assert count_rows(server, "cip_repair_thread", f"id = '{t.id}'") == 1
    closed = ok(call(server, CLOSE, coord, t=t.id, c="WITHDRAWN", r=None))
    assert closed["closeRepairThread"]["closure"] == "WITHDRAWN"

    for table in ("cip_repair_entry", "cip_repair_party", "cip_repair_invite"):
        assert count_rows(server, table, f"thread_id = '{t.id}'") == 0, table
    assert count_rows(server, "cip_repair_thread", f"id = '{t.id}'") == 0
    assert not has_key(server, f"thread:{t.id}")
    assert call(server, GET, t.harmed, t=t.id).codes == ["NOT_FOUND"]
    assert ok(call(server, MINE, t.harmed))["myRepairThreads"] == []
    assert metrics(server, nbh) == {"repair_opened": 1, "repair_closed": 1}
    assert action_count(server, nbh) == 3  # the facilitator joined, invited and closed


def test_escalation_answers_with_the_routes_resources(server: LiveServer, nbh: str) -> None:
    tag = fresh("res")

    async def directory() -> None:
        await CareResource.create(
            neighborhood=nbh, name=f"{tag} line", kind="CRISIS_LINE", contact="0800 111"
        )
        await CareResource.create(
            neighborhood=None,
            name=f"{tag} shelter",
            kind="DOMESTIC_VIOLENCE",
            contact="0800 222",
            description="open all night",
        )
        await CareResource.create(
            neighborhood=nbh, name=f"{tag} lawyer", kind="LEGAL", contact="law@example.org"
        )
        await CareResource.create(
            neighborhood="elsewhere", name=f"{tag} far line", kind="CRISIS_LINE", contact="0800 333"
        )

    server.run(directory())
    t = two_party_thread(server, nbh)
    coord = coordinator_token(server, fresh("coord"), nbh)
    join(server, coord, invite(server, t.harmed, t.id, "FACILITATOR"), "Fay")
    closed = ok(call(server, CLOSE, coord, t=t.id, c="ESCALATED", r="STEWARD_EMERGENCY"))
    answer = closed["closeRepairThread"]
    assert answer["closure"] == "ESCALATED" and answer["route"] == "STEWARD_EMERGENCY"
    ours = [r for r in answer["resources"] if r["name"].startswith(tag)]
    assert [(r["name"], r["kind"], r["neighborhood"]) for r in ours] == [
        (f"{tag} line", "CRISIS_LINE", nbh),
        (f"{tag} shelter", "DOMESTIC_VIOLENCE", None),
    ]
    assert ours[1]["description"] == "open all night" and ours[1]["contact"] == "0800 222"
    for r in answer["resources"]:
        assert r["kind"] in ("CRISIS_LINE", "DOMESTIC_VIOLENCE")
        assert r["neighborhood"] in (nbh, None)
    assert metrics(server, nbh)["repair_closed"] == 1
    assert not [m for m in metrics(server, nbh) if "escalated" in m]


def test_bad_input_writes_nothing(server: LiveServer, nbh: str) -> None:
    member = server.token(fresh())
    for name in ("", "   ", "x" * 81):
        resp = call(server, OPEN, member, n=nbh, r="HARMED_PARTY", name=name)
        assert resp.codes == ["BAD_USER_INPUT"]
    assert call(server, OPEN, member, n=nbh, r="JUDGE", name="A").codes == ["BAD_USER_INPUT"]
    assert count_rows(server, "cip_repair_thread", f"neighborhood = '{nbh}'") == 0
    t = two_party_thread(server, nbh)
    for body in ("", "x" * 4001):
        assert call(server, ENTRY, t.harmed, t=t.id, b=body).codes == ["BAD_USER_INPUT"]
    assert count_rows(server, "cip_repair_entry", f"thread_id = '{t.id}'") == 0
    code = invite(server, t.harmed, t.id, "FACILITATOR")
    coord = coordinator_token(server, fresh("coord"), nbh)
    assert call(server, JOIN, coord, c=code, name=" ").codes == ["BAD_USER_INPUT"]
    assert join(server, coord, code, "Fay")["myRole"] == "FACILITATOR"


def test_the_database_holds_no_entry_name_or_subject_in_clear(server: LiveServer, nbh: str) -> None:
    harmed_sub, responsible_sub = fresh(), fresh()
    harmed, responsible = server.token(harmed_sub), server.token(responsible_sub)
    name = fresh("Name")
    thread_id = open_thread(server, harmed, nbh, "HARMED_PARTY", name)
    join(server, responsible, invite(server, harmed, thread_id, "RESPONSIBLE_PARTY"), "Ben")
    body = f"entry text nobody else may read {fresh('secret')}"
    ok(call(server, ENTRY, responsible, t=thread_id, b=body))
    dump = server.dump()
    for clear in (body, name, harmed_sub, responsible_sub):
        assert clear.encode() not in dump, clear
