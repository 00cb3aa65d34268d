"""The `cip` command as other tools use it: real processes, real output."""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import time
from pathlib import Path

import httpx
import jwt
import pytest

from tests.jwks import jwks_for, make_keys, sign
from tests.support import ROOT, clean_env, run_cip, serve_process, serving


def test_keygen_prints_two_env_lines(tmp_path: Path) -> None:
    out = run_cip("keygen", env=clean_env(tmp_path)).stdout.splitlines()
    assert [line.split("=", 1)[0] for line in out] == ["CIP_PSEUDONYM_KEY", "CIP_MASTER_KEY"]
    for line in out:
        value = line.split("=", 1)[1]
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)
        assert len(base64.urlsafe_b64decode(value + "=")) == 32
    assert out != run_cip("keygen", env=clean_env(tmp_path)).stdout.splitlines()


def test_token_mints_a_verifiable_dev_jwt(tmp_path: Path) -> None:
    env = clean_env(tmp_path, CIP_DEV_JWT_SECRET="k" * 40)
    proc = run_cip(
        "token",
        "--sub",
        "ada",
        "--scope",
        "cip:coordinator",
        "--nbh",
        "elm,oak",
        "--ttl",
        "120",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    claims = jwt.decode(
        proc.stdout.strip(), "k" * 40, algorithms=["HS256"], audience="cip", issuer="cip-dev"
    )
    assert claims["sub"] == "ada" and claims["scope"] == "cip:coordinator"
    assert claims["nbh"] == ["elm", "oak"]
    assert 0 < claims["exp"] - claims["nbf"] <= 120


def test_token_is_refused_in_prod(tmp_path: Path) -> None:
    proc = run_cip("token", "--sub", "x", env=clean_env(tmp_path, CIP_ENV="prod"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("cip: configuration error:") or "dev" in proc.stderr


def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    target = tmp_path / "out" / "cip.graphql"
    proc = run_cip("export-schema", str(target), env=clean_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert target.read_text() == (ROOT / "schema" / "cip.graphql").read_text()


def test_a_bad_setting_stops_with_one_line(tmp_path: Path) -> None:
    proc = run_cip("migrate", env=clean_env(tmp_path, CIP_ENV="prod"))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "CIP_PSEUDONYM_KEY is not set" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_serve_migrates_prints_graphiql_and_answers_service_sdl(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    with serve_process(env) as served:
        resp = httpx.post(f"{served.base}/graphql", json={"query": "{ _service { sdl } }"})
        sdl = resp.json()["data"]["_service"]["sdl"]
        assert "https://specs.apollo.dev/federation/v2.9" in sdl
        assert "@key" not in sdl
        assert httpx.get(f"{served.base}/readyz").status_code == 200
    output = served.output
    assert "GraphiQL at http://127.0.0.1:" in output
    assert (tmp_path / "data" / "cip.sqlite3").exists()
    keys = {p.name: p.read_text() for p in (tmp_path / "data").glob("*.key")}
    with serving(env) as base:  # a restart keeps the same keys, so data stays readable
        assert httpx.get(f"{base}/healthz").status_code == 200
    assert keys == {p.name: p.read_text() for p in (tmp_path / "data").glob("*.key")}


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_prod_verifies_tokens_with_the_jwks_file_only(tmp_path: Path, alg: str) -> None:
    keys = make_keys()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(jwks_for(keys)))
    env = clean_env(
        tmp_path,
        CIP_ENV="prod",
        CIP_PSEUDONYM_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="),
        CIP_MASTER_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="),
        CIP_JWT_ISSUER="https://id.example.org/",
        CIP_JWT_AUDIENCE="cip",
        CIP_JWKS_FILE=str(jwks),
        CIP_ALLOW_SQLITE="1",
    )
    query = {"query": "{ careScope { isNot } }"}
    with serving(env) as base:
        good = httpx.post(
            f"{base}/graphql",
            json=query,
            headers={"Authorization": f"Bearer {sign(keys[alg], alg)}"},
        ).json()
        assert "errors" not in good and good["data"]["careScope"]["isNot"]
        forged = jwt.encode(
            {
                "iss": "https://id.example.org/",
                "aud": "cip",
                "sub": "x",
                "nbf": 0,
                "exp": int(time.time()) + 60,
            },
            "a-shared-secret-an-attacker-picked-123",
            algorithm="HS256",
        )
        bad = httpx.post(
            f"{base}/graphql", json=query, headers={"Authorization": f"Bearer {forged}"}
        ).json()
        assert bad["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_served_statement_counts_survive_debug_logging_and_print_no_sql(tmp_path: Path) -> None:
    """CIP_COUNT_SQL=1 under `cip serve` (whose logging setup holds the SQL logger quiet):
    every request reports its statements, and no statement reaches the log, even at DEBUG."""
    env = clean_env(tmp_path, CIP_COUNT_SQL="1", CIP_LOG_LEVEL="DEBUG")
    token = run_cip("token", "--sub", "counted-member", env=env).stdout.strip()
    mine = "{ myCircles { id members { id } updates { id author { id } } } }"
    with serve_process(env) as served:
        answers = [
            httpx.post(
                f"{served.base}/graphql",
                json={"query": mine},
                headers={"authorization": f"Bearer {token}"},
            )
            for _ in range(2)
        ]
    for answer in answers:
        assert answer.json() == {"data": {"myCircles": []}}
        assert int(answer.headers["x-cip-sql-statements"]) >= 1
    output = served.output
    assert "cip_circle_member" not in output
    assert "SELECT " not in output and "tortoise" not in output


def _parsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(parser.prog, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += _parsers(child)
    return found


def test_every_subcommand_describes_itself_and_each_option() -> None:
    from subgraph.cli import build_parser

    parsers = _parsers(build_parser())
    names = {prog for prog, _ in parsers}
    assert {"cip token", "cip serve", "cip demo", "cip bench run"} <= names
    for prog, parser in parsers:
        if prog != "cip":
            assert parser.description, f"{prog} --help says nothing of what it does"
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            option = "/".join(action.option_strings) or action.dest
            assert action.help and not action.help.startswith("default"), f"{prog} {option}"


def test_token_help_names_what_each_option_is(tmp_path: Path) -> None:
    proc = run_cip("token", "--help", env=clean_env(tmp_path))
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    for said in (
        "--sub SUB the subject",
        "--scope SCOPE space-separated scopes",
        "--nbh NBH comma-separated neighbourhoods",
        "--ttl TTL seconds until",
    ):
        assert said in text, text
