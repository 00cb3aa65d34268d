"""Hive Gateway (npm, Node) in front of a composed supergraph, on a free loopback port.

A real process of its own, started from federation/node_modules with federation/
gateway.config.mjs; stopped by its own process id (never by name).
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


class HiveGateway(GraphQLClient):
    def __init__(
        self,
        supergraph: Path,
        *,
        jwt_secret: bytes,
        issuer: str,
        audience: str,
        enforce: bool = True,
    ) -> None:
        self.supergraph = supergraph
        self.enforce = enforce
        self.port = free_port()
        json_only = {"content-type": "application/json", "accept": "application/json"}
        super().__init__(f"http://127.0.0.1:{self.port}", headers=json_only)
        self.env = {
            **os.environ,
            "CIP_GATEWAY_ENFORCE": "1" if enforce else "0",
            "CIP_GATEWAY_JWT_SECRET": jwt_secret.decode(),
            "CIP_GATEWAY_JWT_ISSUER": issuer,
            "CIP_GATEWAY_JWT_AUDIENCE": audience,
            "NODE_NO_WARNINGS": "1",
        }
        self._log = tempfile.TemporaryFile()
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> HiveGateway:
        ensure_node_modules()
        self._process = subprocess.Popen(
            [
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
            ],
            cwd=FEDERATION_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() ends its children too
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"Hive Gateway exited early:\n{self.log()}")
            try:
                if self.gql("{ __typename }").data == {"__typename": "Query"}:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Hive Gateway did not start:\n{self.log()}")

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
