from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from resolvers.support.resource_seed import (
    DEFAULT_FILE,
    RESOURCE_KINDS,
    ResourceFileError,
    parse_resource_file,
    placeholders,
)

ROOT = Path(__file__).resolve().parent.parent


def test_the_default_file_is_valid_and_marks_every_placeholder() -> None:
    entries = parse_resource_file(DEFAULT_FILE.read_text())
    kinds = {e.kind for e in entries}
    assert {"CRISIS_LINE", "DOMESTIC_VIOLENCE", "MENTAL_HEALTH"} <= kinds
    assert kinds <= set(RESOURCE_KINDS)
    assert placeholders(entries) == [e.name for e in entries]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("{", "not valid JSON"),
        ('{"resources": []}', "non-empty"),
        ('{"resources": [{"name": "A", "kind": "SPA", "contact": "x"}]}', "kind 'SPA'"),
        ('{"resources": [{"name": "", "kind": "OTHER", "contact": "x"}]}', "needs a name"),
        ('{"resources": [{"name": "A", "kind": "OTHER"}]}', "needs a contact"),
        # The API's own input rules (resolvers/input_rules.py): NUL, length.
        ('{"resources": [{"name": "A\\u0000", "kind": "OTHER", "contact": "x"}]}', "control"),
        (
            '{"resources": [{"name": "A", "kind": "OTHER", "contact": "x", "description": "'
            + "d" * 2001
            + '"}]}',
            "description must be at most 2000",
        ),
    ],
)
def test_bad_files_name_what_to_fix(doc: str, message: str) -> None:
    with pytest.raises(ResourceFileError) as info:
        parse_resource_file(doc)
    assert message in str(info.value)


def test_seed_resources_command_is_idempotent(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIP_")}
    env["CIP_DATA_DIR"] = str(tmp_path)
    custom = tmp_path / "mine.json"
    custom.write_text(
        json.dumps(
            {
                "resources": [
                    {"name": "Elm St crisis line", "kind": "CRISIS_LINE", "contact": "+1 555 0100"},
                ]
            }
        )
    )
    cmd = [sys.executable, "-c", "from subgraph.cli import main; main()", "seed-resources"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "9 added, 0 replaced" in first.stdout and "REPLACE-ME" in first.stdout
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "0 added, 9 replaced" in again.stdout
    mine = subprocess.run(
        [*cmd, "--file", str(custom)],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert mine.stdout.strip().endswith("1 added, 0 replaced")
    missing = subprocess.run(
        [*cmd, "--file", str(tmp_path / "nope.json")],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert missing.returncode == 2 and "--file" in missing.stderr
