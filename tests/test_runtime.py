"""subgraph/runtime.py and the import rules around the two CLIs (bench uses public names
only, no cycle). ``database()`` is exercised by every `cip` command test (a process of its
own: one Tortoise context per process)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from subgraph.runtime import CommandError, settings_or_exit

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.unit
PACKAGES = ("subgraph", "models", "auth", "resolvers", "schema", "bench")


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every ``from module import name`` in a file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


def test_no_private_name_is_imported_from_another_package() -> None:
    crossing = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for module, name in _imports(path):
                other = module.split(".")[0]
                if other in PACKAGES and other != package and name.startswith("_"):
                    crossing.append(f"{path.relative_to(ROOT)}: {module}.{name}")
    assert crossing == []


def test_bench_does_not_import_the_cip_command() -> None:
    """subgraph/cli.py registers `cip bench`; bench must not import it back."""
    users = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "bench").rglob("*.py")
        if any(module == "subgraph.cli" for module, _ in _imports(path))
    ]
    assert users == []


def test_a_configuration_problem_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as info:
        settings_or_exit({"CIP_DATA_DIR": str(tmp_path), "CIP_ENV": "staging"})
    assert str(info.value) == "configuration error: CIP_ENV must be dev or prod, got 'staging'"
    assert info.value.exit_code == 2
