"""Schemathesis in GraphQL mode against a served CIP: operations generated from the live
schema (introspection), sent with each role's token, every answer judged by the oracle.

Configuration: tests/fuzz/schemathesis.toml (generation settings and the dictionary that makes
generated neighbourhood arguments hit the fuzzing world some of the time). A run is bounded by
a number of generated operations and fixed by its seed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from tests.fuzz.oracle import Role, problems, root_rules

CONFIG_PATH = Path(__file__).resolve().parent / "schemathesis.toml"


@dataclass(frozen=True)
class Caller:
    role: Role
    token: str | None


@dataclass
class Finding:
    role: str
    query: str
    status: int
    body: str
    problems: list[str]


@dataclass
class Outcome:
    seed: int
    operations: int = 0
    seconds: float = 0.0
    codes: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def load_schema(base_url: str) -> schemathesis.graphql.GraphQLSchema:  # type: ignore[name-defined]
    config = SchemathesisConfig.from_path(CONFIG_PATH)
    return schemathesis.graphql.from_url(f"{base_url}/graphql", config=config, timeout=30)


def fuzz(base_url: str, callers: list[Caller], run_seed: int, budget: int) -> Outcome:
    """``budget`` generated operations, each sent once with a drawn caller's token."""
    schema = load_schema(base_url)
    operations = [r.ok() for r in schema.get_all_operations()]
    rules = root_rules()
    outcome = Outcome(seed=run_seed)
    started = time.monotonic()
    client = httpx.Client(base_url=base_url, timeout=30)

    @seed(run_seed)
    @settings(
        max_examples=budget,
        database=None,
        deadline=None,
        phases=[Phase.generate],  # judge every answer; no shrinking, no replay database
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def one(data: st.DataObject) -> None:
        operation = data.draw(st.sampled_from(operations), label="operation")
        case = data.draw(operation.as_strategy(), label="case")
        caller = data.draw(st.sampled_from(callers), label="caller")
        headers = {"Authorization": f"Bearer {caller.token}"} if caller.token else {}
        query = str(case.body)
        resp = client.post("/graphql", json={"query": query}, headers=headers)
        outcome.operations += 1
        try:
            codes = [e.get("extensions", {}).get("code") for e in resp.json().get("errors") or []]
        except ValueError:
            codes = ["<not json>"]
        for code in codes or ["OK"]:
            outcome.codes[str(code)] = outcome.codes.get(str(code), 0) + 1
        found = problems(caller.role, query, resp.status_code, resp.text, rules)
        if found:
            outcome.findings.append(
                Finding(caller.role.name, query, resp.status_code, resp.text[:2000], found)
            )

    try:
        one()
    finally:
        client.close()
    outcome.seconds = time.monotonic() - started
    return outcome
