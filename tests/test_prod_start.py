"""Starting `cip serve` as an operator does: every refusal is one line naming what to do,
exit status 2 and no traceback; the prod banner names only what exists in prod."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from subgraph.settings import new_key
from tests.jwks import jwks_for, make_keys
from tests.support import CIP, ROOT, free_port, serve_process


def prod_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(jwks_for(make_keys())))
    return {
        "PATH": "/usr/bin:/bin",
        "CIP_ENV": "prod",
        "CIP_DATA_DIR": str(tmp_path / "data"),
        "CIP_PSEUDONYM_KEY": new_key(),
        "CIP_MASTER_KEY": new_key(),
        "CIP_JWT_ISSUER": "https://id.example.org/",
        "CIP_JWT_AUDIENCE": "cip",
        "CIP_JWKS_FILE": str(jwks),
        **extra,
    }


def dev_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "CIP_DATA_DIR": str(tmp_path / "data"), **extra}


def cip(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CIP, *args], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def one_line_refusal(done: subprocess.CompletedProcess[str], *words: str) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    [line] = lines
    assert line.startswith("cip: ")
    for word in words:
        assert word in line, line
    return line


def test_prod_refuses_sqlite_unless_allowed(tmp_path: Path) -> None:
    done = cip("serve", "--port", str(free_port()), env=prod_env(tmp_path))
    line = one_line_refusal(done, "CIP_ENV=prod refuses SQLite", "CIP_ALLOW_SQLITE=1")
    assert "PostgreSQL" in line
    keystore = prod_env(
        tmp_path,
        CIP_DATABASE_URL="postgres://cip@127.0.0.1:5432/cip",
        CIP_KEYSTORE_URL=f"sqlite://{tmp_path}/keys.sqlite3",
    )
    one_line_refusal(cip("migrate", env=keystore), "CIP_ALLOW_SQLITE=1")


def test_prod_refuses_a_jwks_url_over_plain_http(tmp_path: Path) -> None:
    env = prod_env(tmp_path, CIP_ALLOW_SQLITE="1", CIP_JWKS_URL="http://id.example.org/jwks")
    del env["CIP_JWKS_FILE"]
    one_line_refusal(cip("serve", env=env), "CIP_JWKS_URL must be https://")


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    closed = f"postgres://postgres@127.0.0.1:{free_port()}/cip"
    env = prod_env(tmp_path, CIP_DATABASE_URL=closed)
    line = one_line_refusal(cip("serve", "--port", str(free_port()), env=env))
    assert "cannot reach the database postgres://127.0.0.1:" in line
    assert "start it, or correct CIP_DATABASE_URL" in line
    unknown = prod_env(tmp_path, CIP_DATABASE_URL="postgres://nobody-i16@127.0.0.1:5432/none")
    one_line_refusal(cip("migrate", env=unknown), "cannot reach the database")


@contextmanager
def listening() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield int(held.getsockname()[1])


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with listening() as port:
        done = cip("serve", "--port", str(port), env=dev_env(tmp_path))
        one_line_refusal(done, f"port {port} on 127.0.0.1 is in use", "--port")
        metrics = prod_env(tmp_path / "prod", CIP_ALLOW_SQLITE="1", CIP_METRICS_PORT=str(port))
        done = cip("serve", "--port", str(free_port()), env=metrics)
        one_line_refusal(done, f"port {port} on 127.0.0.1 is in use", "CIP_METRICS_PORT")


def test_a_read_only_start_with_a_pending_migration_is_one_line(tmp_path: Path) -> None:
    env = dev_env(tmp_path)
    done = cip("serve", "--no-migrate", "--port", str(free_port()), env=env)
    one_line_refusal(done, "pending migration", "run `cip migrate`")
    assert cip("migrate", env=env).returncode == 0
    port = free_port()
    args = [*CIP, "serve", "--no-migrate", "--port", str(port)]
    with subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL) as proc:
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, "did not start"
                time.sleep(0.1)
        finally:
            proc.terminate()
            proc.wait(20)


def test_the_prod_banner_names_no_graphiql_and_no_cip_token(tmp_path: Path) -> None:
    with serve_process(prod_env(tmp_path, CIP_ALLOW_SQLITE="1")) as served:
        assert httpx.get(f"{served.base}/healthz").status_code == 200
    banner = [x for x in served.output.splitlines() if x.startswith("cip: ")]
    assert len(banner) >= 2, served.output
    assert banner[0].startswith("cip: serving prod on sqlite://")
    assert banner[1] == f"cip: GraphQL at {served.base}/graphql"
    assert "GraphiQL" not in served.output and "cip token" not in served.output
    assert "metrics" not in served.output  # no listener in prod unless CIP_METRICS_PORT is set
    with serve_process(dev_env(tmp_path / "dev")) as dev:
        pass
    assert "GraphiQL at" in dev.output and "`cip token`" in dev.output
