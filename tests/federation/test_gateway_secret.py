"""CIP_GATEWAY_SECRET: a `cip serve` that answers its gateways only. Hive Gateway and
@apollo/gateway in front of it send the secret (each its own of the two configured, as during
a rotation) to CIP and to no other subgraph; anything else, `_service` included, gets 401."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from subgraph.composition import GATEWAYS, supergraph_for
from subgraph.gateway_secret import GATEWAY_SECRET_HEADER, secret_matches
from tests.federation.conftest import compose_supergraph
from tests.federation.fake_local_commons import FakeLocalCommons
from tests.support import Served, cip_serve, dev_env
from tests.support.gateway import ApolloGateway, Gateway, HiveGateway

OLD, NEW = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
SCOPE = "{ careScope { isNot } }"


@dataclass
class Guarded:
    served: Served
    gateways: list[Gateway]

    @property
    def url(self) -> str:
        return f"{self.served.base_url}/graphql"


@pytest.fixture(scope="module")
def guarded(
    tmp_path_factory: pytest.TempPathFactory, local_commons: FakeLocalCommons
) -> Iterator[Guarded]:
    folder = tmp_path_factory.mktemp("gateway-secret")
    env = dev_env(
        folder,
        f"sqlite://{folder}/cip.sqlite3",
        CIP_GATEWAY_SECRET=f"{OLD},{NEW}",
        CIP_LOCAL_COMMONS_URL=local_commons.url,
    )
    with cip_serve(env, folder / "serve.log") as served:
        supergraph = compose_supergraph(folder, f"{served.base_url}/graphql", local_commons.url)
        apollo = supergraph.with_name("apollo.graphql")
        apollo.write_text(supergraph_for(GATEWAYS["apollo-gateway"], supergraph.read_text()))
        assert served.settings.dev_jwt_secret is not None
        hive = HiveGateway(
            supergraph,
            jwt_secret=served.settings.dev_jwt_secret,
            issuer=served.settings.jwt_issuer,
            audience=served.settings.jwt_audience,
            secret=NEW,
        )
        gateways: list[Gateway] = [hive.start()]
        try:
            gateways.append(ApolloGateway(apollo, secret=OLD).start())
            yield Guarded(served, gateways)
        finally:
            for gateway in gateways:
                gateway.stop()


def refused(resp: httpx.Response) -> None:
    assert resp.status_code == 401, resp.text
    assert resp.json() == {
        "errors": [
            {
                "message": "This subgraph answers its gateway only; send the request through it.",
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    }


def test_secrets_match_exactly() -> None:
    assert secret_matches(NEW, (OLD, NEW)) and secret_matches(OLD, (OLD, NEW))
    assert not secret_matches(None, (OLD,))
    assert not secret_matches("", (OLD,))
    assert not secret_matches(OLD[:-1], (OLD,)) and not secret_matches(OLD + "x", (OLD,))
    assert not secret_matches(f"{OLD},{NEW}", (OLD, NEW))


def test_without_the_secret_nothing_answers_not_even_service(guarded: Guarded) -> None:
    body = {"query": SCOPE}
    refused(httpx.post(guarded.url, json=body))
    refused(httpx.get(guarded.url, params={"query": SCOPE}))
    refused(httpx.post(guarded.url, json={"query": "{ _service { sdl } }"}))
    refused(httpx.post(guarded.url, json=body, headers={GATEWAY_SECRET_HEADER: "x" * 40}))
    accept = {"accept": "application/graphql-response+json"}
    refused(httpx.post(guarded.url, json=body, headers=accept))
    refused(httpx.post(guarded.url, content=b"\xff", headers={"content-type": "text/plain"}))
    token = guarded.served.token("someone")
    refused(httpx.post(guarded.url, json=body, headers={"authorization": f"Bearer {token}"}))


def test_with_either_secret_the_subgraph_answers(guarded: Guarded) -> None:
    for secret in (OLD, NEW):
        headers = {GATEWAY_SECRET_HEADER: secret}
        resp = httpx.post(guarded.url, json={"query": "{ _service { sdl } }"}, headers=headers)
        assert resp.status_code == 200 and "careScope" in resp.json()["data"]["_service"]["sdl"]
        got = httpx.get(guarded.url, params={"query": SCOPE}, headers=headers)
        assert got.status_code == 200 and got.json()["data"]["careScope"]["isNot"]


def test_both_gateways_reach_cip_and_give_local_commons_no_secret(
    guarded: Guarded, local_commons: FakeLocalCommons
) -> None:
    member = 'query { member(id: "m-1") { id } }'
    token = guarded.served.token("member-secret-test")
    for gateway in guarded.gateways:
        resp = gateway.gql(SCOPE, token=token)
        assert resp.errors == [] and resp.data["careScope"]["isNot"], gateway
        local_commons.reset()
        assert gateway.gql(member, token=token).errors == [], gateway
        [received] = local_commons.received
        assert GATEWAY_SECRET_HEADER not in received.headers, gateway
        assert OLD.encode() not in received.body and NEW.encode() not in received.body
