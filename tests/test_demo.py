"""`cip demo` seeds through the real operations; its printed queries work for each caller."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import httpx

from subgraph.demo import NEIGHBORHOOD, demo_calls, instructions
from subgraph.settings import load_settings
from tests.support import ROOT, clean_env, run_cip, serving

TODAY = "2026-03-04"


def test_demo_seeds_once_and_every_printed_query_answers(tmp_path: Path) -> None:
    env = clean_env(tmp_path, CIP_TODAY=TODAY)
    first = run_cip("demo", env=env)
    assert first.returncode == 0, first.stderr
    assert "cip: demo ready:" in first.stdout and "release as of 2026-03-01" in first.stdout
    said = " ".join(first.stdout.split())
    assert "suppressed" in said and "11 or more (the AI floor" in said
    assert "slightly blurred on purpose, so that no one can be picked out" in said
    again = run_cip("demo", env=env)
    assert again.returncode == 0, again.stderr
    assert "cip: the demo is already there" in again.stdout and "nothing was added" in again.stdout
    assert "0 operations" not in again.stdout
    assert len(re.findall(r'"Bearer eyJ[\w.-]+"', again.stdout)) == 3  # the tokens, again

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
    rota = member["myCircles"][0]["rota"]
    assert len(rota) == 2 and all(slot["on"] > TODAY for slot in rota)  # the coming weeks
    assert rota[0]["holder"] and rota[1]["holder"] is None  # one taken, one still open
    view = coordinator["careCoordinationView"]
    assert view["asOf"] == "2026-03-01"
    # Six active circles, published with the noise (a small draw around 6, or suppressed when
    # the draw takes it below 5).
    active = view["activeCircles"]
    assert active["suppressed"] or abs(active["value"] - 6) <= 10
    assert active["suppressed"] == (active["value"] is None)
    assert view["careLoad"]["myShare"] > 0
    assert coordinator["myCareHolds"] and coordinator["supportAsks"]
    assert len(ai["careWeeks"]) == 6


def test_demo_is_dev_only(tmp_path: Path) -> None:
    proc = run_cip("demo", env=clean_env(tmp_path, CIP_ENV="prod"))
    assert proc.returncode == 2


def test_the_readme_token_reads_the_demo_neighbourhood(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if x.startswith(".venv/bin/cip token "))
    args = shlex.split(line)[1:]  # token --sub ... --nbh ...
    assert args[args.index("--nbh") + 1] == NEIGHBORHOOD
    assert f"neighbourhood (`{NEIGHBORHOOD}`)" in readme
    env = clean_env(tmp_path, CIP_TODAY=TODAY)
    assert run_cip("demo", env=env).returncode == 0
    minted = run_cip(*args, env=env)
    assert minted.returncode == 0, minted.stderr
    query = (
        f'{{ careCoordinationView(neighborhood: "{NEIGHBORHOOD}") '
        "{ activeCircles { value suppressed } } }"
    )
    with serving(env) as base:
        answer = httpx.post(
            f"{base}/graphql",
            json={"query": query},
            headers={"Authorization": f"Bearer {minted.stdout.strip()}"},
            timeout=30,
        ).json()
    assert "errors" not in answer, answer
    # Not FORBIDDEN: the README's token acts for the demo's neighbourhood and reads its figures.
    # (Its six active circles are published with the noise: a value, or suppressed below 5.)
    active = answer["data"]["careCoordinationView"]["activeCircles"]
    assert isinstance(active["value"], int) or active["suppressed"] is True


def test_the_ai_line_names_the_configured_floor(tmp_path: Path) -> None:
    env = clean_env(tmp_path, CIP_MIN_CELL_AI="15")
    assert run_cip("migrate", env=env).returncode == 0  # makes the dev keys the tokens need
    said = " ".join(instructions(load_settings(env)).split())
    assert "when its published value is 15 or more (the AI floor, CIP_MIN_CELL_AI)" in said
