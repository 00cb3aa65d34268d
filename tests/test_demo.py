"""`cip demo` seeds through the real operations; its printed queries work for each caller."""

from __future__ import annotations

from pathlib import Path

import httpx

from subgraph.demo import demo_calls
from subgraph.settings import load_settings
from tests.served import serving
from tests.test_cli import clean_env, run_cip


def test_demo_seeds_once_and_every_printed_query_answers(tmp_path: Path) -> None:
    env = clean_env(tmp_path, CIP_TODAY="2026-03-04")
    first = run_cip("demo", env=env)
    assert first.returncode == 0, first.stderr
    assert "cip: demo ready:" in first.stdout and "release as of 2026-03-01" in first.stdout
    again = run_cip("demo", env=env)
    assert again.returncode == 0 and "already here" in again.stdout

    calls = demo_calls(load_settings(env))
    with serving(env) as base:
        answers = [
            httpx.post(
                f"{base}/graphql",
                json={"query": query},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            ).json()
            for _, token, query in calls
        ]
    for answer in answers:
        assert "errors" not in answer, answer
    member, coordinator, ai = (a["data"] for a in answers)
    assert len(member["myCircles"]) == 1 and member["myCircles"][0]["members"]
    view = coordinator["careCoordinationView"]
    assert view["asOf"] == "2026-03-01"
    assert view["activeCircles"] == {"value": 6, "suppressed": False}
    assert view["careLoad"]["gini"] is not None and view["careLoad"]["myShare"] > 0
    assert coordinator["myCareHolds"] and coordinator["supportAsks"]
    assert len(ai["careWeeks"]) == 6


def test_demo_is_dev_only(tmp_path: Path) -> None:
    proc = run_cip("demo", env=clean_env(tmp_path, CIP_ENV="prod"))
    assert proc.returncode == 2
