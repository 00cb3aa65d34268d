"""The gateways (npm, Node) in front of a composed supergraph, each on a free loopback port:
Hive Gateway (federation/gateway.config.mjs, enforcing @authenticated/@requiresScopes or not)
and @apollo/gateway with @apollo/server (federation/apollo-gateway.mjs, enforcing nothing).

Each is a real process of its own, started from federation/node_modules; stopped by its own
process group id (never by name). Each is a ``GraphQLClient`` to its own port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from subgraph.composition import FEDERATION_DIR, ensure_node_modules, node_binary
from tests.support.client import GraphQLClient, free_port

GATEWAY_BIN = FEDERATION_DIR / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"
CONFIG = FEDERATION_DIR / "gateway.config.mjs"
APOLLO_GATEWAY = FEDERATION_DIR / "apollo-gateway.mjs"


class Gateway(GraphQLClient):
    """One gateway process. ``enforces``: it refuses unauthorized fields itself (Hive Gateway
    with CIP_GATEWAY_ENFORCE=1); otherwise CIP's own enforcement is all there is."""

    name = "gateway"
    enforces = False

    def __init__(self, supergraph: Path, *, secret: str | None = None) -> None:
        self.supergraph = supergraph
        self.port = free_port()
        json_only = {"content-type": "application/json", "accept": "application/json"}
        super().__init__(f"http://127.0.0.1:{self.port}", headers=json_only)
        self.env = {**os.environ, "NODE_NO_WARNINGS": "1"}
        if secret is not None:
            self.env["CIP_GATEWAY_SECRET"] = secret
        self._log = tempfile.TemporaryFile()
        self._process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.name

    def start(self) -> Gateway:
        ensure_node_modules()
        self._process = subprocess.Popen(
            self.command(),
            cwd=FEDERATION_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() ends its children too
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log()}")
            try:
                if self.gql("{ __typename }").data == {"__typename": "Query"}:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not start:\n{self.log()}")

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        self.close()
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(15)
        self._log.close()


class HiveGateway(Gateway):
    name = "Hive Gateway"

    def __init__(
        self,
        supergraph: Path,
        *,
        jwt_secret: bytes,
        issuer: str,
        audience: str,
        enforce: bool = True,
        secret: str | None = None,
        subscriptions: str = "sse",
    ) -> None:
        super().__init__(supergraph, secret=secret)
        self.enforces = enforce
        self.subscriptions = subscriptions  # how it subscribes to CIP: sse or ws
        self.name = "Hive Gateway" if enforce else "Hive Gateway (enforcing nothing)"
        self.env |= {
            "CIP_GATEWAY_ENFORCE": "1" if enforce else "0",
            "CIP_GATEWAY_JWT_SECRET": jwt_secret.decode(),
            "CIP_GATEWAY_JWT_ISSUER": issuer,
            "CIP_GATEWAY_JWT_AUDIENCE": audience,
            "CIP_GATEWAY_SUBSCRIPTIONS": subscriptions,
        }

    def command(self) -> list[str]:
        return [
            node_binary(),
            str(GATEWAY_BIN),
            "supergraph",
            str(self.supergraph),
            "--config-path",
            str(CONFIG),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]


class ApolloGateway(Gateway):
    """@apollo/gateway with @apollo/server, on the supergraph `--for apollo-gateway` writes."""

    name = "@apollo/gateway"

    def command(self) -> list[str]:
        return [
            node_binary(),
            str(APOLLO_GATEWAY),
            str(self.supergraph),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
