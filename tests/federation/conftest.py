"""Fixtures for the gateway end to end: the supergraph composed from the live CIP subgraph and
the fake Local Commons, and the gateways in front of them: Hive Gateway enforcing or not, and
@apollo/gateway (on the supergraph written for it), which enforces nothing. ``every_gateway``
runs a case through each of the three."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from subgraph.composition import GATEWAYS, check_partition, supergraph_for
from tests.federation.fake_local_commons import SDL_PATH, FakeLocalCommons
from tests.federation.tooling import ROOT
from tests.support import LiveServer
from tests.support.gateway import ApolloGateway, Gateway, HiveGateway


@pytest.fixture(scope="session")
def supergraph(
    server: LiveServer, local_commons: FakeLocalCommons, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """supergraph.yaml's subgraphs, routed to the live ones, composed and partition-checked."""
    folder = tmp_path_factory.mktemp(f"supergraph-{server.backend}")
    return compose_supergraph(folder, f"{server.base_url}/graphql", local_commons.url)


def compose_supergraph(folder: Path, cip_url: str, local_commons_url: str) -> Path:
    """The supergraph of CIP at ``cip_url`` and Local Commons, checked, in ``folder``."""
    config = folder / "supergraph.yaml"
    config.write_text(
        "federation_version: =2.9.0\n"
        "subgraphs:\n"
        f"  cip:\n    routing_url: {cip_url}\n"
        f"    schema:\n      file: {ROOT / 'schema' / 'cip.graphql'}\n"
        f"  local_commons:\n    routing_url: {local_commons_url}\n"
        f"    schema:\n      file: {SDL_PATH}\n"
    )
    report = check_partition(config)
    assert report.ok, report.reasons
    path = folder / "supergraph.graphql"
    path.write_text(report.supergraph_sdl or "")
    return path


def _gateway(
    server: LiveServer, supergraph: Path, *, enforce: bool, subscriptions: str = "sse"
) -> Iterator[HiveGateway]:
    settings = server.settings
    assert settings.dev_jwt_secret is not None
    gateway = HiveGateway(
        supergraph,
        jwt_secret=settings.dev_jwt_secret,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        enforce=enforce,
        subscriptions=subscriptions,
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
def ws_gateway(server: LiveServer, supergraph: Path) -> Iterator[HiveGateway]:
    """Hive Gateway enforcing, subscribing to CIP over graphql-transport-ws (the `gateway`
    fixture subscribes over GraphQL over SSE)."""
    yield from _gateway(server, supergraph, enforce=True, subscriptions="ws")


@pytest.fixture(scope="session")
def open_gateway(server: LiveServer, supergraph: Path) -> Iterator[HiveGateway]:
    """Hive Gateway with its own enforcement off: only the subgraphs' enforcement remains."""
    yield from _gateway(server, supergraph, enforce=False)


@pytest.fixture(scope="session")
def apollo_supergraph(supergraph: Path) -> Path:
    """The supergraph as `cip check-partition --for apollo-gateway` writes it."""
    path = supergraph.with_name("supergraph-apollo.graphql")
    path.write_text(supergraph_for(GATEWAYS["apollo-gateway"], supergraph.read_text()))
    return path


@pytest.fixture(scope="session")
def apollo_gateway(apollo_supergraph: Path) -> Iterator[ApolloGateway]:
    """@apollo/gateway with @apollo/server: it enforces none of CIP's directives."""
    gateway = ApolloGateway(apollo_supergraph).start()
    try:
        yield gateway
    finally:
        gateway.stop()


GATEWAY_FIXTURES = ["gateway", "open_gateway", "apollo_gateway"]


@pytest.fixture(params=GATEWAY_FIXTURES)
def every_gateway(request: pytest.FixtureRequest, server: LiveServer) -> Gateway:
    """Each gateway in turn: Hive Gateway enforcing, Hive Gateway enforcing nothing, and
    @apollo/gateway (enforcing nothing); on each backend (``server`` named so that pytest
    parametrizes the backend before the gateway is looked up)."""
    found = request.getfixturevalue(str(request.param))
    assert isinstance(found, Gateway)
    return found
