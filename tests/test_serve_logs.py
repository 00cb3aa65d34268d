"""`cip serve` writes JSON lines at CIP_LOG_LEVEL=DEBUG, with no token, subject or SQL."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from auth.devtokens import mint_dev_token
from tests.support import clean_env, serve_process


def test_serve_logs_json_lines_and_no_secrets_at_debug(tmp_path: Path) -> None:
    secret = "s" * 40
    env = clean_env(tmp_path, CIP_LOG_LEVEL="DEBUG", CIP_DEV_JWT_SECRET=secret)
    sub = "served-member-7c1f"
    token = mint_dev_token(
        secret=secret.encode(), issuer="cip-dev", audience="cip", sub=sub, scopes=None,
        neighborhoods=["n-served"], ttl_seconds=600,
    )  # fmt: skip
    ask = 'mutation Ask { askForSupport(neighborhood: "n-served", note: "roof-leak-4411") { id } }'
    with serve_process(env) as served:
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{served.base}/graphql"
        answer = httpx.post(url, json={"query": ask}, headers=headers).json()
        assert "errors" not in answer, answer
        assert httpx.get(f"{served.base}/healthz").status_code == 200
    output = served.output
    for value in (token, sub, "roof-leak-4411"):
        assert value not in output
    lines = [json.loads(x) for x in output.splitlines() if x.startswith("{")]
    requests = [x for x in lines if x["logger"] == "cip.request"]
    assert any(x["operation"] == "Ask" and x["outcome"] == "OK" for x in requests), lines
    assert not [x for x in lines if x["logger"].startswith(("tortoise", "aiosqlite"))]
