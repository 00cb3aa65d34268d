"""The master key: a wrong or missing key refuses to start; `cip rotate-master-key` re-wraps
every data key, resumably, and the old key opens nothing afterwards."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest

from models.sealing import SealError, unwrap_key
from subgraph.settings import decode_key, new_key
from tests.support import FreshPostgres, cip_serve, clean_env, ok, rows, run_cip, serving

FORM = """
mutation($input: FormCircleInput!) {
  formCircle(input: $input) { id focus members { displayName } }
}
"""
CIRCLE = "query($id: ID!) { circle(id: $id) { focus members { displayName } } }"


def test_a_wrong_or_missing_master_key_refuses_to_start(tmp_path: Path) -> None:
    env = clean_env(tmp_path, CIP_MASTER_KEY=new_key(), CIP_PSEUDONYM_KEY=new_key())
    with serving(env) as base:  # first start: makes the key-check row
        assert httpx.get(f"{base}/readyz").status_code == 200
    wrong = run_cip("serve", "--port", "1", env={**env, "CIP_MASTER_KEY": new_key()})
    assert wrong.returncode == 2
    lines = wrong.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cip: refusing to start: CIP_MASTER_KEY")
    assert "Traceback" not in wrong.stderr + wrong.stdout
    # In dev an unset key comes from the data dir; a fresh data dir means a fresh key.
    missing = {k: v for k, v in env.items() if k != "CIP_MASTER_KEY"}
    missing["CIP_DATA_DIR"] = str(tmp_path / "other-data")
    missing["CIP_DATABASE_URL"] = f"sqlite://{tmp_path}/data/cip.sqlite3"
    missing["CIP_KEYSTORE_URL"] = f"sqlite://{tmp_path}/data/keys.sqlite3"
    refused = run_cip("serve", "--port", "1", env=missing)
    assert refused.returncode == 2 and "refusing to start" in refused.stderr
    # In prod an unset key is a configuration error before anything is opened.
    prod = run_cip("serve", env={**missing, "CIP_ENV": "prod"})
    assert prod.returncode == 2 and "CIP_MASTER_KEY is not set" in prod.stderr


def wrapped_keys(url: str) -> list[tuple[str, bytes]]:
    return [
        (o, bytes(w))
        for o, w in rows(url, "SELECT owner, wrapped FROM cip_data_key ORDER BY owner")
    ]


def opens(key: bytes, owner: str, wrapped: bytes) -> bool:
    try:
        unwrap_key(key, owner, wrapped)
    except SealError:
        return False
    return True


def test_rotation_end_to_end(tmp_path: Path) -> None:
    pg = FreshPostgres()
    url = pg.create()
    old, new = new_key(), new_key()
    env = clean_env(
        tmp_path,
        CIP_DATABASE_URL=url,
        CIP_MASTER_KEY=old,
        CIP_PSEUDONYM_KEY=new_key(),
        CIP_DEV_JWT_SECRET=secrets.token_urlsafe(32),
    )
    try:
        circles = []
        with cip_serve(env, tmp_path / "first.log") as served:
            bearer = served.token("ada")
            for i in range(3):
                payload = {
                    "neighborhood": "elm",
                    "focus": f"Meals for Sam, week {i}",
                    "displayName": "Ada",
                    "role": "FOCUS",
                }
                circles.append(ok(served.gql(FORM, {"input": payload}, bearer))["formCircle"])
        keys_before = wrapped_keys(url)
        assert len(keys_before) >= 4  # three circles and the key check

        same = run_cip("rotate-master-key", env={**env, "CIP_NEW_MASTER_KEY": old})
        assert same.returncode == 2 and "equals" in same.stderr
        rotated = run_cip(
            "rotate-master-key", "--batch-size", "2", env={**env, "CIP_NEW_MASTER_KEY": new}
        )
        assert rotated.returncode == 0, rotated.stderr
        lines = rotated.stdout.strip().splitlines()
        assert any(line.startswith("cip: batch 1:") for line in lines)
        assert lines[-1].startswith(f"cip: master key rotated: {len(keys_before)} data keys")
        # Run again (an interrupted rotation is finished this way): nothing left to do.
        again = run_cip("rotate-master-key", env={**env, "CIP_NEW_MASTER_KEY": new})
        assert again.returncode == 0
        assert f"0 data keys re-wrapped, {len(keys_before)} already" in again.stdout

        keys_after = wrapped_keys(url)
        assert [o for o, _ in keys_after] == [o for o, _ in keys_before]
        old_raw, new_raw = decode_key("old", old), decode_key("new", new)
        assert not any(opens(old_raw, o, w) for o, w in keys_after)
        assert all(opens(new_raw, o, w) for o, w in keys_after)
        # A wrapped key taken before the rotation (a dead tuple, a WAL archive, a backup)
        # opens under the old master key only: once that key is destroyed, it is noise.
        assert not any(opens(new_raw, o, w) for o, w in keys_before)
        assert all(opens(old_raw, o, w) for o, w in keys_before)

        refused = run_cip("serve", "--port", "1", env=env)  # still the old key
        assert refused.returncode == 2 and "refusing to start" in refused.stderr
        with cip_serve({**env, "CIP_MASTER_KEY": new}, tmp_path / "again.log") as served:
            for circle in circles:
                back = ok(served.gql(CIRCLE, {"id": circle["id"]}, bearer))["circle"]
                assert back == {"focus": circle["focus"], "members": [{"displayName": "Ada"}]}
    finally:
        pg.drop()


@pytest.mark.parametrize("value", ["", "short"])
def test_rotation_needs_a_proper_new_key(tmp_path: Path, value: str) -> None:
    env = clean_env(tmp_path, CIP_NEW_MASTER_KEY=value)
    proc = run_cip("rotate-master-key", env=env)
    assert proc.returncode == 2 and "CIP_NEW_MASTER_KEY" in proc.stderr
