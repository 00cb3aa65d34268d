"""The committed SDL is what the code builds, and it is a Federation 2 schema with no keys."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from schema.build import FEDERATION_VERSION, export_sdl
from tests.support import LiveServer

COMMITTED = Path(__file__).resolve().parent.parent / "schema" / "cip.graphql"


def test_committed_sdl_matches_the_code() -> None:
    assert COMMITTED.read_text() == export_sdl(), (
        "schema/cip.graphql is out of date: run `cip export-schema` and commit the diff"
    )


def test_sdl_links_federation_2_and_declares_no_entity() -> None:
    sdl = export_sdl()
    assert f'@link(url: "https://specs.apollo.dev/federation/v{FEDERATION_VERSION}"' in sdl
    assert not re.search(r"@key\b", sdl)
    assert "_entities" not in sdl and "union _Entity" not in sdl


def test_service_sdl_over_http_is_the_export(server: LiveServer) -> None:
    resp = server.gql("{ _service { sdl } }")
    assert resp.errors == []
    assert resp.data["_service"]["sdl"].rstrip() == export_sdl().rstrip()


AGGREGATE_FIELDS = {
    "careCoordinationView": '@requiresScopes(scopes: [["cip:coordinator"]])',
    "careSignals": '@requiresScopes(scopes: [["cip:coordinator"], ["cip:aggregate:read"]])',
    "careWeeks": '@requiresScopes(scopes: [["cip:coordinator"], ["cip:aggregate:read"]])',
}


def test_every_aggregate_field_carries_both_directives(tmp_path: Path) -> None:
    exported = tmp_path / "cip.graphql"
    code = "from subgraph.cli import main; main()"
    subprocess.run([sys.executable, "-c", code, "export-schema", str(exported)], check=True)
    for sdl in (COMMITTED.read_text(), exported.read_text()):
        assert '@composeDirective(name: "@aggregateOnly")' in sdl
        assert "directive @aggregateOnly(minCell: Int! = 5) on FIELD_DEFINITION" in sdl
        for field, scopes in AGGREGATE_FIELDS.items():
            [line] = [ln for ln in sdl.splitlines() if ln.strip().startswith(f"{field}(")]
            assert "@aggregateOnly(minCell: 5)" in line and scopes in line, line
