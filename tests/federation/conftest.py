"""Fixtures for the gateway end to end: the supergraph composed from the live CIP subgraph and
the fake Local Commons, and Hive Gateway in front of them, enforcing or not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from subgraph.composition import check_partition
from tests.federation.fake_local_commons import SDL_PATH, FakeLocalCommons
from tests.federation.tooling import ROOT
from tests.support import LiveServer
from tests.support.gateway import HiveGateway


@pytest.fixture(scope="session")
def supergraph(
    server: LiveServer, local_commons: FakeLocalCommons, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """supergraph.yaml's subgraphs, routed to the live ones, composed and partition-checked."""
    folder = tmp_path_factory.mktemp(f"supergraph-{server.backend}")
    config = folder / "supergraph.yaml"
    config.write_text(
        "federation_version: =2.9.0\n"
        "subgraphs:\n"
        f"  cip:\n    routing_url: {server.base_url}/graphql\n"
        f"    schema:\n      file: {ROOT / 'schema' / 'cip.graphql'}\n"
        f"  local_commons:\n    routing_url: {local_commons.url}\n"
        f"    schema:\n      file: {SDL_PATH}\n"
    )
    report = check_partition(config)
    assert report.ok, report.reasons
    path = folder / "supergraph.graphql"
    path.write_text(report.supergraph_sdl or "")
    return path


def _gateway(server: LiveServer, supergraph: Path, *, enforce: bool) -> Iterator[HiveGateway]:
    settings = server.settings
    assert settings.dev_jwt_secret is not None
    gateway = HiveGateway(
        supergraph,
        jwt_secret=settings.dev_jwt_secret,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        enforce=enforce,
    ).start()
    try:
        yield gateway
    finally:
        gateway.stop()


@pytest.fixture(scope="session")
def gateway(server: LiveServer, supergraph: Path) -> Iterator[HiveGateway]:
    """Hive Gateway verifying JWTs and enforcing @authenticated and @requiresScopes itself."""
    yield from _gateway(server, supergraph, enforce=True)


@pytest.fixture(scope="session")
def open_gateway(server: LiveServer, supergraph: Path) -> Iterator[HiveGateway]:
    """Hive Gateway with its own enforcement off: only the subgraphs' enforcement remains."""
    yield from _gateway(server, supergraph, enforce=False)
