"""Composing the supergraph with the real composition libraries (Node), and the partition check.

The Node side is ``federation/compose.mjs`` with its own package.json and committed lockfile;
on first use its dependencies are installed with ``npm ci`` (the lockfile, nothing newer).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from subgraph.partition import partition_reasons, without_security_features

FEDERATION_DIR = Path(__file__).resolve().parent.parent / "federation"
CIP_SUBGRAPH = "cip"
REQUIRED_MODULES = (
    "@apollo/composition",
    "@apollo/gateway",
    "@apollo/server",
    "@theguild/federation-composition",
    "@graphql-hive/gateway",
    "graphql",
    "graphql-http",
    "yaml",
)
NPM_CI_TIMEOUT = 900
COMPOSE_TIMEOUT = 120


@dataclass(frozen=True)
class GatewayTarget:
    """A gateway `cip check-partition --for` writes the supergraph for."""

    name: str
    strip_security: bool  # the gateway refuses the SECURITY features: drop them
    enforcement: str  # one line: what the gateway enforces and what CIP does itself


GATEWAYS = {
    "hive-gateway": GatewayTarget(
        "Hive Gateway",
        strip_security=False,
        enforcement=(
            "Hive Gateway enforces @authenticated and @requiresScopes (CIP_GATEWAY_ENFORCE=1, "
            "the default) and not @aggregateOnly; CIP enforces all of CIP's directives itself"
        ),
    ),
    "apollo-gateway": GatewayTarget(
        "@apollo/gateway",
        strip_security=True,
        enforcement=(
            "@apollo/gateway enforces none of CIP's directives (@authenticated, "
            "@requiresScopes, @aggregateOnly); CIP enforces all of them itself"
        ),
    ),
}


def supergraph_for(target: GatewayTarget, supergraph_sdl: str) -> str:
    return without_security_features(supergraph_sdl) if target.strip_security else supergraph_sdl


class ToolingError(Exception):
    """Node or the composition tooling cannot run; the message says what to do."""


@dataclass(frozen=True)
class Composition:
    library: str
    version: str
    ok: bool
    supergraph_sdl: str | None = None
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class PartitionReport:
    subgraphs: dict[str, str]  # name -> SDL
    compositions: tuple[Composition, ...]
    reasons: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def supergraph_sdl(self) -> str | None:
        """The supergraph as @apollo/composition wrote it (the one served)."""
        for composition in self.compositions:
            if composition.ok and composition.supergraph_sdl:
                return composition.supergraph_sdl
        return None


def node_binary() -> str:
    node = shutil.which("node")
    if node is None:
        raise ToolingError(
            "Node.js is not installed or not on PATH: the partition check composes with the "
            "npm composition libraries; install Node 20 or newer (with npm) and retry"
        )
    return node


def ensure_node_modules(tools: Path = FEDERATION_DIR) -> None:
    """Install the pinned Node dependencies from the lockfile when any is missing."""
    node_binary()
    missing = [m for m in REQUIRED_MODULES if not (tools / "node_modules" / m).is_dir()]
    if not missing:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ToolingError("npm is not on PATH: it installs the composition libraries")
    if not (tools / "package-lock.json").is_file():
        raise ToolingError(f"{tools}/package-lock.json is missing; it pins the Node tooling")
    try:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=tools,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ToolingError(f"`npm ci` in {tools} took over {NPM_CI_TIMEOUT}s") from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise ToolingError(f"`npm ci` in {tools} failed: " + " | ".join(tail))


def compose(config: Path, tools: Path = FEDERATION_DIR) -> dict[str, Any]:
    """Run compose.mjs on a rover-format config; its JSON answer."""
    ensure_node_modules(tools)
    try:
        done = subprocess.run(
            [node_binary(), str(tools / "compose.mjs"), str(config)],
            capture_output=True,
            text=True,
            timeout=COMPOSE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ToolingError(f"composition took over {COMPOSE_TIMEOUT}s") from exc
    try:
        answer: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        tail = done.stderr.strip().splitlines()[-3:]
        raise ToolingError("compose.mjs gave no answer: " + " | ".join(tail)) from exc
    if "error" in answer:
        raise ToolingError(str(answer["error"]))
    return answer


def check_partition(config: Path, tools: Path = FEDERATION_DIR) -> PartitionReport:
    answer = compose(config, tools)
    subgraphs = {s["name"]: s["sdl"] for s in answer["subgraphs"]}
    compositions = tuple(
        Composition(
            library=c["library"],
            version=c["version"],
            ok=bool(c["ok"]),
            supergraph_sdl=c.get("supergraphSdl"),
            errors=tuple(c.get("errors") or ()),
        )
        for c in answer["compositions"]
    )
    reasons = [
        f"composition failed ({c.library} {c.version}): {error}"
        for c in compositions
        for error in c.errors
    ]
    if CIP_SUBGRAPH not in subgraphs:
        reasons.append(f"{config} names no subgraph called {CIP_SUBGRAPH!r}")
    else:
        others = {n: sdl for n, sdl in subgraphs.items() if n != CIP_SUBGRAPH}
        supergraphs = [c.supergraph_sdl for c in compositions if c.ok and c.supergraph_sdl]
        reasons += partition_reasons(subgraphs[CIP_SUBGRAPH], others, supergraphs)
    return PartitionReport(subgraphs, compositions, tuple(reasons))
