"""Destroyed means gone, tried as an attacker who copies the whole data folder.

For every destructive operation, on the SQLite default (care database and keystore file,
each with its -wal and -shm), with and without a concurrent reader holding a snapshot (a
second process with an open read transaction on both files, as a second worker or a backup
would): the values the operation destroyed (ciphertexts, wrapped keys, pseudonyms, code
hashes, row ids) are captured first; after the operation (with a reader: within a few seconds
of the reader ending) a copy of the folder holds none of them in any byte of any file, and
replaying every commit of every copied WAL (tests/walfile.py) finds no earlier version of a
destroyed row.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from auth.viewer import COORDINATOR
from resolvers.expiry import purge_all
from tests.support import GraphQLResponse, LiveServer
from tests.walfile import read_wal, versions_holding

DAY = dt.date(2026, 3, 2)
SCRUB_DEADLINE = 10.0  # seconds after the reader ends; the scrubber runs every 0.5 s

FORM = """mutation($i: FormCircleInput!) { formCircle(input: $i) { id } }"""
INVITE = """mutation($c: ID!, $r: CircleRole!) {
  createCircleInvite(circleId: $c, role: $r) { code } }"""
JOIN = (
    """mutation($code: String!, $n: String!) { joinCircle(code: $code, displayName: $n) { id } }"""
)
UPDATE = """mutation($c: ID!, $b: String!) { postCircleUpdate(circleId: $c, body: $b) { id } }"""
SLOT = """mutation($c: ID!, $on: Date!, $t: String!) {
  addRotaSlot(circleId: $c, on: $on, task: $t) { id } }"""
TAKE_SLOT = """mutation($s: ID!) { takeRotaSlot(slotId: $s) { id } }"""
READ = """query($c: ID!) { circle(id: $c) { updates { id } rota { id } } }"""
CLOSE = """mutation($c: ID!) { closeCircle(circleId: $c) }"""
PAUSE = """mutation($c: ID!) { pauseCircle(circleId: $c) { id } }"""
LEAVE = """mutation($c: ID!) { leaveCircle(circleId: $c) }"""
OPEN_THREAD = """mutation($n: ID!, $r: RepairRole!, $name: String!) {
  openRepairThread(input: {neighborhood: $n, myRole: $r, displayName: $name}) { id } }"""
THREAD_INVITE = """mutation($t: ID!, $r: RepairRole!) {
  createRepairInvite(threadId: $t, role: $r) { code } }"""
THREAD_JOIN = """mutation($c: String!, $name: String!) {
  joinRepairThread(code: $c, displayName: $name) { id } }"""
ENTRY = """mutation($t: ID!, $b: String!) { addRepairEntry(threadId: $t, body: $b) { id } }"""
THREAD_CLOSE = """mutation($t: ID!) { closeRepairThread(threadId: $t, closure: WITHDRAWN) {
  closure } }"""
ASK = """mutation($n: ID!, $t: String!) { askForSupport(neighborhood: $n, note: $t) { id } }"""
WITHDRAW = """mutation($a: ID!) { withdrawSupportAsk(id: $a) }"""
TAKE_ASK = """mutation($a: ID!) { takeSupportAsk(id: $a) { id } }"""
HOLD = """mutation($n: ID!, $s: String) { openCareHold(neighborhood: $n, sealedNote: $s) { id } }"""
TRANSFER = """mutation($h: ID!) { transferCareHold(id: $h) { code } }"""
ACCEPT = """mutation($c: String!) { acceptCareHold(code: $c) { id } }"""
CLOSE_HOLD = """mutation($h: ID!) { closeCareHold(id: $h) }"""
PEER = """mutation($b: String!) { postToPeerChannel(body: $b) { id } }"""


# ---------------------------------------------------------------------------- the world
# The session's live server (tests/conftest.py), with its clock on DAY (the `day` fixture).
@pytest.fixture
def world(server: LiveServer, day: dt.date) -> LiveServer:
    assert day == DAY
    return server


def ok(resp: GraphQLResponse) -> Any:
    assert resp.status == 200 and not resp.errors, resp.body
    return resp.data


def fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def member(server: LiveServer) -> str:
    return server.token(fresh("member"))


def coordinator(server: LiveServer, nbh: str) -> str:
    return server.token(fresh("coord"), scopes=[COORDINATOR], nbh=[nbh])


def gql(server: LiveServer, query: str, token: str, **variables: Any) -> Any:
    return ok(server.gql(query, variables, token=token))


def _db_path(url: str | None) -> Path:
    assert url is not None and url.startswith("sqlite://")
    return Path(url[len("sqlite://") :])


def captured(server: LiveServer, sql: str) -> list[bytes]:
    """Every value of the selected rows that names them (ids, pseudonyms, hashes, sealed
    bytes): bytes as stored, text as its UTF-8. Short values (roles, days) are left out."""
    values: list[bytes] = []
    for row in server.sql(sql):
        for value in row:
            if isinstance(value, bytes) and len(value) >= 16:
                values.append(value)
            elif isinstance(value, str | uuid.UUID) and len(str(value)) >= 32:
                values.append(str(value).encode())
    assert values, f"nothing captured by {sql}"
    return values


def key_of(server: LiveServer, owner: str) -> list[bytes]:
    return captured(server, f"SELECT owner, wrapped FROM cip_data_key WHERE owner = '{owner}'")


# ---------------------------------------------------------------------------- the attacker
def copy_folder(data_dir: Path, into: Path) -> dict[str, bytes]:
    """Copy the whole data folder in another process (as a thief's `cp -a` would; a file
    opened and closed in this process would drop the locks SQLite holds here), then read it."""
    if into.exists():
        shutil.rmtree(into)
    subprocess.run(["cp", "-a", str(data_dir), str(into)], check=True)
    return {p.name: p.read_bytes() for p in sorted(into.iterdir()) if p.is_file()}


def _page_size(data: bytes) -> int:
    """A database file's page size, from its header (1 means 65536)."""
    if len(data) < 100:
        return 0
    size = int.from_bytes(data[16:18], "big")
    return 65536 if size == 1 else size


def remnants(files: dict[str, bytes], values: list[bytes]) -> list[str]:
    found: list[str] = []
    for name, data in files.items():
        page_size = _page_size(data) if name.endswith(".sqlite3") else 0
        for value in values:
            at = data.find(value)
            if at >= 0:
                where = (
                    f" (page {at // page_size + 1}, offset {at % page_size})" if page_size else ""
                )
                found.append(f"{name} holds {value[:12]!r}{where}")
        if name.endswith("-wal"):
            wal = read_wal(data)
            for value in values:
                for where, page in versions_holding(wal, value):
                    found.append(f"{name}: {where}, page {page} holds {value[:12]!r}")
    return found


READER = """
import sqlite3, sys
conns = []
for path in sys.argv[1:]:
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("BEGIN")
    c.execute("SELECT count(*) FROM sqlite_master").fetchall()
    for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        c.execute(f'SELECT count(*) FROM "{t}"').fetchall()
    conns.append(c)
print("holding", flush=True)
sys.stdin.readline()
for c in conns:
    c.execute("COMMIT")
    c.close()
"""


@contextmanager
def reader_holding_snapshots(*paths: Path) -> Iterator[None]:
    """A second process with an open read transaction on each file until the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-c", READER, *map(str, paths)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        assert proc.stdout.readline().strip() == "holding"
        yield
    finally:
        proc.stdin.write("done\n")
        proc.stdin.flush()
        proc.wait(10)


# ---------------------------------------------------------------------------- operations
@dataclass
class Destruction:
    values: list[bytes]  # what the operation destroys, captured before it runs
    run: Callable[[], None]  # the operation, through the API (or the purge)


def _circle(server: LiveServer, nbh: str, facilitator: str | None = None) -> tuple[str, str, str]:
    """A circle formed by its focus member (or by a coordinator as facilitator), with a
    supporter, an update, a taken rota slot and an unused invite; returns (circle id, the
    former's token, the supporter's token)."""
    role = "FOCUS" if facilitator is None else "FACILITATOR"
    facilitator, supporter = facilitator or member(server), member(server)
    form = {
        "neighborhood": nbh,
        "focus": fresh("focus"),
        "displayName": "Fola",
        "role": role,
    }
    cid = gql(server, FORM, facilitator, i=form)["formCircle"]["id"]
    code = gql(server, INVITE, facilitator, c=cid, r="SUPPORTER")["createCircleInvite"]["code"]
    gql(server, JOIN, supporter, code=code, n=fresh("Sade"))
    gql(server, UPDATE, supporter, c=cid, b=fresh("update"))
    slot = gql(server, SLOT, facilitator, c=cid, on=str(DAY), t=fresh("task"))["addRotaSlot"]["id"]
    gql(server, TAKE_SLOT, supporter, s=slot)
    gql(server, INVITE, facilitator, c=cid, r="SUPPORTER")
    return cid, facilitator, supporter


def _whole_circle(server: LiveServer, cid: str) -> list[bytes]:
    where = f"circle_id = '{cid}'"
    return [
        *captured(
            server, f"SELECT id, focus_sealed, rhythm_sealed FROM cip_circle WHERE id = '{cid}'"
        ),
        *captured(server, f"SELECT id, member, name_sealed FROM cip_circle_member WHERE {where}"),
        *captured(server, f"SELECT id, body_sealed FROM cip_circle_update WHERE {where}"),
        *captured(server, f"SELECT id, task_sealed FROM cip_rota_slot WHERE {where}"),
        *captured(server, f"SELECT code_hash FROM cip_circle_invite WHERE {where}"),
        *key_of(server, f"circle:{cid}"),
    ]


def close_circle(server: LiveServer, nbh: str) -> Destruction:
    cid, facilitator, _ = _circle(server, nbh)
    return Destruction(
        _whole_circle(server, cid), lambda: gql(server, CLOSE, facilitator, c=cid) and None
    )


def pause_and_close_circle(server: LiveServer, nbh: str) -> Destruction:
    cid, facilitator, _ = _circle(server, nbh)

    def run() -> None:
        gql(server, PAUSE, facilitator, c=cid)
        gql(server, CLOSE, facilitator, c=cid)

    return Destruction(_whole_circle(server, cid), run)


def leave_circle(server: LiveServer, nbh: str) -> Destruction:
    """The supporter leaves: their membership and name go; what they wrote stays, authorless
    (the update row is rewritten, so its earlier version naming them must go too)."""
    cid, _, supporter = _circle(server, nbh)
    values = captured(
        server,
        f"SELECT id, member, name_sealed FROM cip_circle_member WHERE circle_id = '{cid}' "
        "AND role = 'SUPPORTER'",
    )
    return Destruction(values, lambda: gql(server, LEAVE, supporter, c=cid) and None)


def last_member_leaves(server: LiveServer, nbh: str) -> Destruction:
    cid, facilitator, supporter = _circle(server, nbh)
    values = _whole_circle(server, cid)

    def run() -> None:
        gql(server, LEAVE, supporter, c=cid)
        gql(server, LEAVE, facilitator, c=cid)

    return Destruction(values, run)


def facilitator_removed(server: LiveServer, nbh: str) -> Destruction:
    """A facilitator invite hands facilitation over: the previous facilitator is removed,
    and the invite's code hash is spent. (A facilitator is a coordinator: their pseudonym
    stays in the coordinator weekly action counts, by design.)"""
    cid, facilitator, _ = _circle(server, nbh, coordinator(server, nbh))
    code = gql(server, INVITE, facilitator, c=cid, r="FACILITATOR")["createCircleInvite"]["code"]
    values = [
        *captured(
            server,
            f"SELECT id, name_sealed FROM cip_circle_member WHERE circle_id = '{cid}' "
            "AND role = 'FACILITATOR'",
        ),
        *captured(
            server,
            f"SELECT code_hash FROM cip_circle_invite WHERE circle_id = '{cid}' "
            "AND role = 'FACILITATOR'",
        ),
    ]
    joiner = coordinator(server, nbh)
    return Destruction(values, lambda: gql(server, JOIN, joiner, code=code, n="Nia") and None)


def circle_invite_spent(server: LiveServer, nbh: str) -> Destruction:
    facilitator = member(server)
    form = {
        "neighborhood": nbh,
        "focus": fresh("focus"),
        "displayName": "Fola",
        "role": "FOCUS",
    }
    cid = gql(server, FORM, facilitator, i=form)["formCircle"]["id"]
    code = gql(server, INVITE, facilitator, c=cid, r="SUPPORTER")["createCircleInvite"]["code"]
    values = captured(server, f"SELECT code_hash FROM cip_circle_invite WHERE circle_id = '{cid}'")
    joiner = member(server)
    return Destruction(values, lambda: gql(server, JOIN, joiner, code=code, n="Kim") and None)


def updates_expire(server: LiveServer, nbh: str) -> Destruction:
    """Updates past their lifetime are deleted by the read that touches their circle."""
    cid, facilitator, _ = _circle(server, nbh)
    values = captured(
        server, f"SELECT id, body_sealed FROM cip_circle_update WHERE circle_id = '{cid}'"
    )

    def run() -> None:
        server.clock.set(DAY + dt.timedelta(days=31))
        try:
            assert gql(server, READ, facilitator, c=cid)["circle"]["updates"] == []
        finally:
            server.clock.set(DAY)

    return Destruction(values, run)


def rota_expires(server: LiveServer, nbh: str) -> Destruction:
    cid, facilitator, _ = _circle(server, nbh)
    values = captured(
        server, f"SELECT id, task_sealed FROM cip_rota_slot WHERE circle_id = '{cid}'"
    )

    def run() -> None:
        server.clock.set(DAY + dt.timedelta(days=31))
        try:
            assert gql(server, READ, facilitator, c=cid)["circle"]["rota"] == []
        finally:
            server.clock.set(DAY)

    return Destruction(values, run)


def _thread(server: LiveServer, nbh: str) -> tuple[str, str]:
    harmed, responsible = member(server), member(server)
    tid = gql(server, OPEN_THREAD, harmed, n=nbh, r="HARMED_PARTY", name=fresh("Ada"))[
        "openRepairThread"
    ]["id"]
    code = gql(server, THREAD_INVITE, harmed, t=tid, r="RESPONSIBLE_PARTY")["createRepairInvite"][
        "code"
    ]
    gql(server, THREAD_JOIN, responsible, c=code, name=fresh("Ben"))
    gql(server, ENTRY, harmed, t=tid, b=fresh("it hurt"))
    gql(server, ENTRY, responsible, t=tid, b=fresh("i am sorry"))
    gql(server, THREAD_INVITE, harmed, t=tid, r="FACILITATOR")  # left unused
    return tid, harmed


def repair_thread_closed(server: LiveServer, nbh: str) -> Destruction:
    tid, harmed = _thread(server, nbh)
    where = f"thread_id = '{tid}'"
    values = [
        *captured(server, f"SELECT id FROM cip_repair_thread WHERE id = '{tid}'"),
        *captured(server, f"SELECT id, member, name_sealed FROM cip_repair_party WHERE {where}"),
        *captured(server, f"SELECT id, body_sealed FROM cip_repair_entry WHERE {where}"),
        *captured(server, f"SELECT code_hash FROM cip_repair_invite WHERE {where}"),
        *key_of(server, f"thread:{tid}"),
    ]
    return Destruction(values, lambda: gql(server, THREAD_CLOSE, harmed, t=tid) and None)


def repair_invite_spent(server: LiveServer, nbh: str) -> Destruction:
    harmed = member(server)
    tid = gql(server, OPEN_THREAD, harmed, n=nbh, r="HARMED_PARTY", name="Ada")["openRepairThread"][
        "id"
    ]
    code = gql(server, THREAD_INVITE, harmed, t=tid, r="RESPONSIBLE_PARTY")["createRepairInvite"][
        "code"
    ]
    values = captured(server, f"SELECT code_hash FROM cip_repair_invite WHERE thread_id = '{tid}'")
    joiner = member(server)
    return Destruction(
        values, lambda: gql(server, THREAD_JOIN, joiner, c=code, name="Ben") and None
    )


def _ask(server: LiveServer, nbh: str) -> tuple[str, str, list[bytes]]:
    asker = member(server)
    aid = gql(server, ASK, asker, n=nbh, t=fresh("i cannot cope"))["askForSupport"]["id"]
    values = [
        *captured(server, f"SELECT id, asker, note_sealed FROM cip_support_ask WHERE id = '{aid}'"),
        *key_of(server, f"ask:{aid}"),
    ]
    return aid, asker, values


def ask_withdrawn(server: LiveServer, nbh: str) -> Destruction:
    aid, asker, values = _ask(server, nbh)
    return Destruction(values, lambda: gql(server, WITHDRAW, asker, a=aid) and None)


def ask_taken(server: LiveServer, nbh: str) -> Destruction:
    aid, _, values = _ask(server, nbh)
    coord = coordinator(server, nbh)
    return Destruction(values, lambda: gql(server, TAKE_ASK, coord, a=aid) and None)


def ask_expires(server: LiveServer, nbh: str) -> Destruction:
    """Expiry: the purge (the background task of cip serve, or cip purge) deletes it."""
    _, _, values = _ask(server, nbh)
    return Destruction(values, lambda: server.run(purge_all(DAY + dt.timedelta(days=30))) and None)


def _hold(server: LiveServer, nbh: str) -> tuple[str, str]:
    coord = coordinator(server, nbh)
    hid = gql(server, HOLD, coord, n=nbh, s=fresh("client-sealed-note") * 2)["openCareHold"]["id"]
    return hid, coord


def hold_closed(server: LiveServer, nbh: str) -> Destruction:
    hid, coord = _hold(server, nbh)
    gql(server, TRANSFER, coord, h=hid)  # a code left unused: it goes with the hold
    values = [
        *captured(server, f"SELECT id, sealed_note FROM cip_care_hold WHERE id = '{hid}'"),
        *captured(server, f"SELECT code_hash FROM cip_hold_transfer WHERE hold_id = '{hid}'"),
    ]
    return Destruction(values, lambda: gql(server, CLOSE_HOLD, coord, h=hid) and None)


def hold_transferred(server: LiveServer, nbh: str) -> Destruction:
    """The code hash is spent. (The previous holder's pseudonym stays in the coordinator
    weekly action counts, by design, until no window can read them.)"""
    hid, coord = _hold(server, nbh)
    code = gql(server, TRANSFER, coord, h=hid)["transferCareHold"]["code"]
    values = captured(server, f"SELECT code_hash FROM cip_hold_transfer WHERE hold_id = '{hid}'")
    other = coordinator(server, nbh)
    return Destruction(values, lambda: gql(server, ACCEPT, other, c=code) and None)


def peer_post_purged(server: LiveServer, nbh: str) -> Destruction:
    coord = coordinator(server, nbh)
    pid = gql(server, PEER, coord, b=fresh("a hard week"))["postToPeerChannel"]["id"]
    values = [
        *captured(server, f"SELECT id, body_sealed FROM cip_peer_post WHERE id = '{pid}'"),
        *key_of(server, f"peer:{pid}"),
    ]
    return Destruction(values, lambda: server.run(purge_all(DAY + dt.timedelta(days=37))) and None)


OPERATIONS: dict[str, Callable[[LiveServer, str], Destruction]] = {
    f.__name__: f
    for f in (
        close_circle,
        pause_and_close_circle,
        leave_circle,
        last_member_leaves,
        facilitator_removed,
        circle_invite_spent,
        updates_expire,
        rota_expires,
        repair_thread_closed,
        repair_invite_spent,
        ask_withdrawn,
        ask_taken,
        ask_expires,
        hold_closed,
        hold_transferred,
        peer_post_purged,
    )
}


# ---------------------------------------------------------------------------- the tests
# Operations whose only destroyed rows are one-time codes (a spent code's hash): the engine
# leaves their VACUUM to the background scrubber (models/sqlite_engine.py CODE_TABLES).
CODES_ONLY = {"circle_invite_spent", "repair_invite_spent", "hold_transferred"}


def remnants_after_scrub(data_dir: Path, tmp_path: Path, values: list[bytes]) -> list[str]:
    """What a copy holds once the background scrubber has had its rounds (polled, up to
    SCRUB_DEADLINE seconds)."""
    deadline = time.monotonic() + SCRUB_DEADLINE
    while True:
        found = remnants(copy_folder(data_dir, tmp_path / "after"), values)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.25)


def sqlite_only(server: LiveServer) -> None:
    if server.backend != "sqlite":
        pytest.skip("the files of the SQLite set; PostgreSQL: test_a_dump_holds_nothing_destroyed")


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_a_copy_of_the_folder_holds_nothing_destroyed(
    world: LiveServer, operation: str, tmp_path: Path
) -> None:
    sqlite_only(world)
    data_dir = world.settings.data_dir
    destruction = OPERATIONS[operation](world, fresh("n"))
    before = copy_folder(data_dir, tmp_path / "before")
    assert all(any(v in d for d in before.values()) for v in destruction.values)
    destruction.run()
    if operation in CODES_ONLY:
        # Out of the WAL and every file but the care database's pages at once; the VACUUM
        # that clears a page gap's copy of a spent code is the scrubber's next round.
        at_return = remnants(copy_folder(data_dir, tmp_path / "at-return"), destruction.values)
        assert [f for f in at_return if not f.startswith("cip.sqlite3 holds")] == []
        found = remnants_after_scrub(data_dir, tmp_path, destruction.values)
    else:
        found = remnants(copy_folder(data_dir, tmp_path / "after"), destruction.values)
    assert found == []


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_with_a_reader_holding_a_snapshot_the_scrub_finishes_after_it(
    world: LiveServer, operation: str, tmp_path: Path
) -> None:
    sqlite_only(world)
    data_dir = world.settings.data_dir
    care, keys = _db_path(world.settings.database_url), _db_path(world.settings.keystore_url)
    destruction = OPERATIONS[operation](world, fresh("n"))
    with reader_holding_snapshots(care, keys):
        started = time.monotonic()
        destruction.run()
        # The operation is not held hostage by the reader: a bounded wait, then it returns.
        assert time.monotonic() - started < 8
        # While the reader's snapshot needs them, the old pages are still there: what
        # cleans the folder below is the background scrubber, once the reader has ended.
        assert remnants(copy_folder(data_dir, tmp_path / "during"), destruction.values) != []
    assert remnants_after_scrub(data_dir, tmp_path, destruction.values) == []


def in_dump(dump: bytes, value: bytes) -> bool:
    """pg_dump writes bytea as hex (\\x...), text as itself."""
    return value in dump or value.hex().encode() in dump


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_a_dump_holds_nothing_destroyed(world: LiveServer, operation: str) -> None:
    """PostgreSQL: a pg_dump after the operation holds no destroyed row (dead tuples are
    beyond a logical dump: docs/security.md says what remains on disk and how it is bounded)."""
    if world.backend != "postgres":
        pytest.skip("SQLite: the copies of the files above")
    destruction = OPERATIONS[operation](world, fresh("n"))
    before = world.dump()
    assert all(in_dump(before, v) for v in destruction.values)
    destruction.run()
    after = world.dump()
    assert [v[:12] for v in destruction.values if in_dump(after, v)] == []


def test_postgres_vacuums_the_key_table_after_shredding(world: LiveServer) -> None:
    """The purge (background, or `cip purge`) runs VACUUM on the key table: the dead tuples
    of shredded wrapped keys are reclaimed instead of lingering until autovacuum."""
    if world.backend != "postgres":
        pytest.skip("SQLite zeroes deleted keys itself (secure_delete)")

    def vacuums() -> int:
        [(count,)] = world.sql(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'cip_data_key'"
        )
        return int(count)

    before = vacuums()
    close_circle(world, fresh("n")).run()
    server_purge = purge_all(DAY)
    world.run(server_purge)
    assert vacuums() == before + 1
    [(dead,)] = world.sql(
        "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'cip_data_key'"
    )
    assert dead == 0


def test_the_attack_finds_what_an_unscrubbed_wal_keeps(tmp_path: Path) -> None:
    """The tools above find a deleted row when nothing scrubs: a plain connection with
    secure_delete on but no checkpoint leaves the row's earlier versions in the WAL."""
    import sqlite3

    path = tmp_path / "plain.sqlite3"
    secret = uuid.uuid4().hex.encode() * 3
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA secure_delete=ON")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE t (v BLOB)")
    conn.execute("INSERT INTO t VALUES (?)", (secret,))
    conn.execute("DELETE FROM t")
    files = copy_folder(tmp_path, tmp_path.parent / f"{tmp_path.name}-copy")
    wal = read_wal(files["plain.sqlite3-wal"])
    assert [w for w, _ in versions_holding(wal, secret)] == ["commit 1"]
    assert remnants(files, [secret]) != []
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    files = copy_folder(tmp_path, tmp_path.parent / f"{tmp_path.name}-copy")
    assert remnants(files, [secret]) == []
    conn.close()
