"""A Markdown table of a `cip bench run --out` file (docs/benchmarks.md is made from these)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def table(payload: dict[str, Any]) -> str:
    lines = [
        "| backend | target | scenario | c | req/s | p50 ms | p99 ms | SQL/request | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for result in payload["results"]:
        for f in result["figures"]:
            sql = "-" if f["sql_min"] is None else f"{f['sql_min']}..{f['sql_max']}"
            if f["sql_min"] == f["sql_max"] and f["sql_min"] is not None:
                sql = str(f["sql_min"])
            lines.append(
                f"| {f['backend']} | {f['target']} | {f['scenario']} | {f['concurrency']} "
                f"| {f['rps']} | {f['p50_ms']} | {f['p99_ms']} | {sql} | {f['errors']} |"
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
    return "\n".join(lines) + "\n"


def main() -> None:
    print(table(json.loads(Path(sys.argv[1]).read_text())))


if __name__ == "__main__":
    main()
