"""A real browser on the real page: headless Chromium (Debian's chromium, driven by
playwright-core from tests/browser/package.json) opens GraphiQL on the live server, types a
coordinator token into the headers editor, runs careScope and careCoordinationView, sees the
answers, and makes no request to any host but the subgraph's.

Needs /usr/bin/chromium (or CIP_CHROMIUM) and tests/browser/node_modules (`npm ci` there, run on
first use); without them the test is skipped locally and fails in CI (CI=true), where .ci/run
installs both.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support import LiveServer

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CIP_CHROMIUM", "/usr/bin/chromium")


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if shutil.which("node") is None:
        return "no node"
    if not (HERE / "node_modules" / "playwright-core").exists() and shutil.which("npm"):
        # First use on a fresh clone, like the federation tooling: the lockfile, nothing newer.
        subprocess.run(
            ["npm", "ci", "--prefix", str(HERE), "--no-audit", "--no-fund", "--loglevel=error"],
            env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"},
            capture_output=True,
            timeout=300,
        )
    if not (HERE / "node_modules" / "playwright-core").exists():
        return "playwright-core is not installed (npm ci --prefix tests/browser)"
    return None


def test_graphiql_in_chromium(server: LiveServer, nbh: str) -> None:
    if server.backend != "sqlite":
        pytest.skip("one browser run is enough; the page is the same on both backends")
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    token = server.token("browser-coord", scopes=["cip:coordinator"], nbh=[nbh])
    proc = subprocess.run(
        ["node", str(HERE / "graphiql.mjs"), server.base_url, token, nbh],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CIP_CHROMIUM": CHROMIUM},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    scope, view = seen["answers"]
    assert "errors" not in scope and scope["data"]["careScope"]["isNot"]
    assert "errors" not in view, view
    assert view["data"]["careCoordinationView"]["neighborhood"] == nbh
    assert "value" in view["data"]["careCoordinationView"]["openHolds"]
    hosts = {urlsplit(u).netloc for u in seen["requests"] if not u.startswith("data:")}
    assert hosts == {urlsplit(server.base_url).netloc}, seen["requests"]
    posts = [u for u in seen["requests"] if u.endswith("/graphql")]
    assert len(posts) >= 3  # the page, its schema introspection, the queries
