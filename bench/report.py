"""A Markdown table of a `cip bench run --out` file (docs/benchmarks.md is made from these)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def table(payload: dict[str, Any]) -> str:
    lines = [
        "| backend | target | scenario | c | req/s | rounds req/s | p50 ms | p99 ms "
        "| SQL/request | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in payload["results"]:
        for f in result["figures"]:
            sql = "-" if f["sql_min"] is None else f"{f['sql_min']}..{f['sql_max']}"
            if f["sql_min"] == f["sql_max"] and f["sql_min"] is not None:
                sql = str(f["sql_min"])
            rounds = ", ".join(str(r) for r in f.get("rounds_rps", [])) or "-"
            lines.append(
                f"| {f['backend']} | {f['target']} | {f['scenario']} | {f['concurrency']} "
                f"| {f['rps']} | {rounds} | {f['p50_ms']} | {f['p99_ms']} | {sql} "
                f"| {f['errors']} |"
            )
    lines += [
        "",
        "| backend | seed s | first release ms | cip release s | peak RSS MB (cip / raw) "
        "| CPU ms/request in process |",
        "|---|---|---|---|---|---|",
    ]
    for r in payload["results"]:
        cpu = ", ".join(f"{k} {v}" for k, v in r.get("cpu_ms", {}).items())
        lines.append(
            f"| {r['backend']} | {r['seed_seconds']} | {r['first_release_ms']} "
            f"| {r['release_all_seconds']} | {r['peak_rss_mb']} / {r['raw_peak_rss_mb']} | {cpu} |"
        )
    ratios = [
        f"- {r['backend']} {f['scenario']} c={f['concurrency']}: CIP {f['rps']} req/s, raw "
        f"{limit} req/s: {f['rps'] / limit:.0%}"
        for r in payload["results"]
        for f in r["figures"]
        if f["target"] == "cip"
        and (limit := _raw_rps(r["figures"], f["scenario"], f["concurrency"])) is not None
    ]
    if ratios:
        lines += ["", "CIP as a share of the raw endpoint's requests/s (medians):", "", *ratios]
    return "\n".join(lines) + "\n"


def _raw_rps(figures: list[dict[str, Any]], scenario: str, concurrency: int) -> float | None:
    for f in figures:
        if f["target"] == "raw" and (f["scenario"], f["concurrency"]) == (scenario, concurrency):
            return float(f["rps"])
    return None


def main() -> None:
    print(table(json.loads(Path(sys.argv[1]).read_text())))


if __name__ == "__main__":
    main()
