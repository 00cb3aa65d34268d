"""Running `cip check-partition` as a user would: a subprocess, with its exit code and words."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FEDERATION_TESTS = Path(__file__).resolve().parent
ROGUE = FEDERATION_TESTS / "rogue"
CIP_MAIN = "from subgraph.cli import main; main()"


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def cip(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> Run:
    done = subprocess.run(
        [sys.executable, "-c", CIP_MAIN, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)
