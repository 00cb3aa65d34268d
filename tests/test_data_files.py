"""The data folder as an operator, a backup or a thief finds it: private files, no log file,
keys in a file of their own (existing folders migrated), secure_delete down to the freelist,
and `cip purge` for a cron."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from auth.devtokens import mint_dev_token
from subgraph.settings import decode_key, new_key
from tests.support import clean_env, run_cip, serving

FORM = """mutation($i: FormCircleInput!) { formCircle(input: $i) { id } }"""
READ = """query($c: ID!) { circle(id: $c) { focus } }"""
SECRET = "s" * 40


def _token(sub: str) -> str:
    return mint_dev_token(secret=SECRET.encode(), issuer="cip-dev", audience="cip", sub=sub)


def _gql(base: str, query: str, variables: dict[str, object], token: str) -> dict[str, object]:
    body = httpx.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    assert "errors" not in body, body
    return dict(body["data"])


def _form(base: str, token: str, focus: str) -> str:
    made = _gql(
        base,
        FORM,
        {"i": {"neighborhood": "elm", "focus": focus, "displayName": "Ama", "role": "FOCUS"}},
        token,
    )
    return str(made["formCircle"]["id"])  # type: ignore[index]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _env(data: Path, **extra: str) -> dict[str, str]:
    return clean_env(
        data.parent,
        CIP_DATA_DIR=str(data),
        CIP_DEV_JWT_SECRET=SECRET,
        CIP_MASTER_KEY=extra.pop("CIP_MASTER_KEY", new_key()),
        CIP_PSEUDONYM_KEY=new_key(),
        **extra,
    )


@pytest.mark.parametrize("folder", ["created by cip", "existed, 0755, with 0644 files"])
def test_every_database_file_is_0600_and_no_log_file_is_written(
    tmp_path: Path, folder: str
) -> None:
    data = tmp_path / "data"
    if folder.startswith("existed"):
        data.mkdir(mode=0o755)
        os.chmod(data, 0o755)
        for name in ("cip.sqlite3", "keys.sqlite3"):
            sqlite3.connect(data / name).close()  # made by an earlier version: 0644
            os.chmod(data / name, 0o644)
    old_umask = os.umask(0o022)
    try:
        with serving(_env(data)) as base:
            _form(base, _token("ama"), "Holding Efua")
            # While it serves, each database has its -wal and -shm beside it.
            names = {p.name for p in data.iterdir()}
            for db in ("cip.sqlite3", "keys.sqlite3"):
                assert {db, f"{db}-wal", f"{db}-shm"} <= names
            modes = {p.name: _mode(p) for p in data.iterdir()}
    finally:
        os.umask(old_umask)
    assert modes == dict.fromkeys(modes, 0o600)
    # Nothing but the databases (and dev key files, when not given): no log file by default.
    others = {n for n in names if not n.startswith(("cip.sqlite3", "keys.sqlite3"))}
    assert others <= {"master.key", "pseudonym.key", "dev-jwt.secret"}
    assert not [n for n in names if n.endswith(".log")]


def _all_bytes(folder: Path, prefix: str) -> bytes:
    """The bytes of every file of one database set, read by another process."""
    files = sorted(str(p) for p in folder.iterdir() if p.name.startswith(prefix))
    return subprocess.run(["cat", *files], check=True, capture_output=True).stdout


def test_migrate_moves_keys_out_of_an_existing_care_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    master = new_key()
    care = f"sqlite://{data}/cip.sqlite3"
    # An existing folder: the keys were kept in the care database.
    old = _env(data, CIP_MASTER_KEY=master, CIP_KEYSTORE_URL=care)
    focus = f"Holding Kojo {uuid.uuid4().hex[:6]}"
    with serving(old) as base:
        circle = _form(base, _token("ama"), focus)
    with sqlite3.connect(data / "cip.sqlite3") as conn:
        wrapped = [bytes(r[0]) for r in conn.execute("SELECT wrapped FROM cip_data_key")]
    assert len(wrapped) == 2  # the key check and the circle's key

    new = {**old, "CIP_PSEUDONYM_KEY": old["CIP_PSEUDONYM_KEY"]}
    del new["CIP_KEYSTORE_URL"]  # the default now: keys.sqlite3 in CIP_DATA_DIR
    migrated = run_cip("migrate", env=new)
    assert migrated.returncode == 0, migrated.stderr
    with sqlite3.connect(data / "cip.sqlite3") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "cip_data_key" not in tables
    care_bytes = _all_bytes(data, "cip.sqlite3")
    assert [w for w in wrapped if w in care_bytes] == []
    assert all(w in _all_bytes(data, "keys.sqlite3") for w in wrapped)
    # The same master key opens them where they are now; the circle reads as before.
    with serving(new) as base:
        assert _gql(base, READ, {"c": circle}, _token("ama"))["circle"] == {"focus": focus}
    again = run_cip("migrate", env=new)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("secure_delete", ["ON", "OFF"])
def test_secure_delete_zeroes_freed_pages(tmp_path: Path, secure_delete: str) -> None:
    """Rows spread over many pages, all deleted, their pages on the freelist: with
    secure_delete (every CIP connection) none of it remains after the checkpoint; without it
    (the control) it does, which is what this test would catch."""
    path = tmp_path / "t.sqlite3"
    marker = uuid.uuid4().hex.encode()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA secure_delete={secure_delete}")
    conn.execute("CREATE TABLE t (v BLOB)")
    conn.executemany("INSERT INTO t VALUES (?)", [(marker * 40,) for _ in range(200)])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("DELETE FROM t")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    freelist = conn.execute("PRAGMA freelist_count").fetchone()[0]
    raw = subprocess.run(["cat", str(path)], check=True, capture_output=True).stdout
    conn.close()
    assert freelist > 10
    assert (marker in raw) is (secure_delete == "OFF")


def test_cip_purge_prints_progress_and_a_summary(tmp_path: Path) -> None:
    env = _env(tmp_path / "data", CIP_TODAY="2030-01-01")
    done = run_cip("purge", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    kinds = [line.split(":")[1].strip() for line in lines if line.startswith("cip: purge ")]
    assert kinds == [
        "purge updates",
        "purge invites",
        "purge rota slots",
        "purge repair invites",
        "purge hold transfers",
        "purge asks",
        "purge peer posts",
    ]
    assert lines[-1] == "cip: purged 0 expired rows as of 2030-01-01"


OPEN_HOLD = """mutation($n: ID!) { openCareHold(neighborhood: $n) { id } }"""
ASK = """mutation($n: ID!, $t: String!) { askForSupport(neighborhood: $n, note: $t) { id } }"""
THREAD = """mutation($n: ID!) { openRepairThread(input: {neighborhood: $n,
  myRole: HARMED_PARTY, displayName: "Ama"}) { id } }"""
PEER = """mutation($b: String!) { postToPeerChannel(body: $b) { id } }"""
ANSWER = """mutation { answerWellbeingCheck(hasSupport: true, wantsPeerConnection: false) {
  due } }"""
MINE = """{ myCircles { id } mySupportAsks { id } myRepairThreads { id } }"""
CHANNEL = """{ peerChannel(first: 10) { id mine postedOn } }"""


def test_migrate_rekeys_pseudonyms_per_capability_in_place(tmp_path: Path) -> None:
    """A folder from before per-capability pseudonyms (every row holds the one pseudonym of
    `iss|sub`, peer posts their author and day): `cip migrate` re-keys every row in place;
    afterwards no file of the care set holds the shared pseudonym, each capability's rows
    hold their own, and the same people find their circles, asks, threads and posts."""
    from models.pseudonym import (
        ASKS_HOLDS,
        CIRCLES,
        COUNTS,
        REPAIR,
        SUPPORT,
        for_capability,
        peer_tag,
        pseudonym,
    )
    from models.support import post_expiry

    data = tmp_path / "data"
    env = _env(data, CIP_TODAY="2026-03-04")
    key = decode_key("CIP_PSEUDONYM_KEY", env["CIP_PSEUDONYM_KEY"])
    ama, kofi = (
        _token("ama"),
        mint_dev_token(
            secret=SECRET.encode(),
            issuer="cip-dev",
            audience="cip",
            sub="kofi",
            scopes=["cip:coordinator"],
            neighborhoods=["elm"],
        ),
    )
    with serving(env) as base:
        circle = _form(base, ama, "Holding Efua")
        _gql(base, ASK, {"n": "elm", "t": "a hand, please"}, ama)
        _gql(base, THREAD, {"n": "elm"}, ama)
        _gql(base, OPEN_HOLD, {"n": "elm"}, kofi)
        post = _gql(base, PEER, {"b": "a long week"}, kofi)["postToPeerChannel"]["id"]  # type: ignore[index]
        _gql(base, ANSWER, {}, kofi)

    columns = [
        ("cip_circle_member", "member", CIRCLES, "ama"),
        ("cip_support_ask", "asker", ASKS_HOLDS, "ama"),
        ("cip_repair_party", "member", REPAIR, "ama"),
        ("cip_care_hold", "holder", ASKS_HOLDS, "kofi"),
        ("cip_wellbeing_answer", "coordinator", SUPPORT, "kofi"),
        ("cip_coordinator_week", "coordinator", COUNTS, "kofi"),
    ]
    shared = {who: pseudonym(key, "cip-dev", who) for who in ("ama", "kofi")}
    # Back to the old scheme: one pseudonym everywhere, the author and day on the post.
    with sqlite3.connect(data / "cip.sqlite3") as conn:
        for table, column, capability, who in columns:
            mine = for_capability(key, capability, "cip-dev", who)
            changed = conn.execute(
                f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (shared[who], mine)
            ).rowcount
            assert changed >= 1, table
        conn.execute(
            "UPDATE cip_peer_post SET mine_tag = ?, posted_on = '2026-03-04' WHERE id = ?",
            (shared["kofi"], post),
        )
        conn.execute("DELETE FROM cip_pseudonym_scheme")

    migrated = run_cip("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    with sqlite3.connect(data / "cip.sqlite3") as conn:
        for table, column, capability, who in columns:
            held = {r[0] for r in conn.execute(f"SELECT {column} FROM {table}")}
            assert held == {for_capability(key, capability, "cip-dev", who)}, table
        [(tag, posted_on, expires_on)] = conn.execute(
            "SELECT mine_tag, posted_on, expires_on FROM cip_peer_post WHERE id = ?", (post,)
        ).fetchall()
    assert tag == peer_tag(for_capability(key, SUPPORT, "cip-dev", "kofi"), post)
    assert posted_on == "2026-03-02" and expires_on == str(post_expiry(dt.date(2026, 3, 2)))
    care = _all_bytes(data, "cip.sqlite3")
    assert [w for w, p in shared.items() if p.encode() in care] == []

    with serving(env) as base:
        found = _gql(base, MINE, {}, ama)
        assert [c["id"] for c in found["myCircles"]] == [circle]  # type: ignore[index]
        assert len(found["mySupportAsks"]) == 1 and len(found["myRepairThreads"]) == 1  # type: ignore[arg-type]
        channel = _gql(base, CHANNEL, {}, kofi)["peerChannel"]
        assert channel == [{"id": post, "mine": True, "postedOn": "2026-03-02"}]
    # Once only: a second run leaves every value as it is.
    assert run_cip("migrate", env=env).returncode == 0
    with sqlite3.connect(data / "cip.sqlite3") as conn:
        for table, column, capability, who in columns:
            held = {r[0] for r in conn.execute(f"SELECT {column} FROM {table}")}
            assert held == {for_capability(key, capability, "cip-dev", who)}, table


def test_serve_refuses_an_empty_keystore_beside_sealed_care_data(tmp_path: Path) -> None:
    """The keystore now defaults to a file in CIP_DATA_DIR: a care database named on its own
    with a data dir whose keystore is empty would serve every sealed field as an error. It
    refuses to start instead, naming what to set."""
    data = tmp_path / "data"
    env = _env(data)
    with serving(env) as base:
        _form(base, _token("ama"), "Holding Efua")
    elsewhere = {
        **env,
        "CIP_DATA_DIR": str(tmp_path / "other"),
        "CIP_DATABASE_URL": f"sqlite://{data}/cip.sqlite3",
    }
    refused = run_cip("serve", "--port", "1", env=elsewhere)
    assert refused.returncode == 2
    assert "the keystore holds no key but the care database holds sealed data" in refused.stderr
