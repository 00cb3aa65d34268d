"""The committed SDL is what the code builds, and it is a Federation 2 schema with no keys."""

from __future__ import annotations

import re
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
