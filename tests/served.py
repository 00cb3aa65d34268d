"""`cip serve` in a subprocess on a loopback port, for tests that need a server of their own
(one Tortoise context per process: never a second LiveServer in the test process)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from auth.devtokens import mint_dev_token
from subgraph.settings import Settings, load_settings, prepare_data_dir
from tests.support import GraphQLResponse, free_port


class TodayClock:
    """The served process's idea of today (real today unless CIP_TODAY fixes it)."""

    def __init__(self, settings: Settings) -> None:
        self._fixed = settings.today

    def today(self) -> dt.date:
        return self._fixed or dt.date.today()


ROOT = Path(__file__).resolve().parent.parent
CIP = [sys.executable, "-c", "from subgraph.cli import main; main()"]


@dataclass
class Served:
    base_url: str
    settings: Settings
    process: subprocess.Popen[bytes]
    log_path: Path

    def token(self, sub: str, scopes: list[str] | None = None, nbh: list[str] | None = None) -> str:
        assert self.settings.dev_jwt_secret is not None
        return mint_dev_token(
            secret=self.settings.dev_jwt_secret,
            issuer=self.settings.jwt_issuer,
            audience=self.settings.jwt_audience,
            sub=sub,
            scopes=scopes,
            neighborhoods=nbh,
            ttl_seconds=3600,
        )

    @property
    def clock(self) -> TodayClock:
        return TodayClock(self.settings)

    @property
    def client(self) -> httpx.Client:
        if not hasattr(self, "_client"):
            self._client = httpx.Client(base_url=self.base_url, timeout=30)
        return self._client

    def gql(
        self, query: str, variables: dict[str, object] | None = None, token: str | None = None
    ) -> GraphQLResponse:
        """The same call as LiveServer.gql, so test worlds can be built on either."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        payload: dict[str, object] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        resp = self.client.post("/graphql", json=payload, headers=headers)
        return GraphQLResponse(resp.status_code, resp.json())

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def cip_serve(env: Mapping[str, str], log_path: Path, workers: int = 1) -> Iterator[Served]:
    """Serve until the block ends; the server's output goes to ``log_path`` (a file, not a pipe
    that nobody reads while it runs)."""
    port = free_port()
    # The dev keys the served process and this test read alike, made before either reads.
    prepare_data_dir(dict(env))
    full_env = {"PATH": os.environ.get("PATH", ""), **env}
    args = [*CIP, "serve", "--port", str(port), "--workers", str(workers)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(args, env=full_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    served: Served | None = None
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                output = log_path.read_text(errors="replace")
                raise AssertionError(f"cip serve did not start:\n{output}")
            time.sleep(0.1)
        # Read once it is ready: `cip serve` makes the dev keys that loading reads.
        served = Served(base_url, load_settings(dict(env)), proc, log_path)
        yield served
    finally:
        if served is not None and hasattr(served, "_client"):
            served.client.close()
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass
class ServedProcess:
    base: str
    output: str = ""


@contextmanager
def serve_process(env: Mapping[str, str]) -> Iterator[ServedProcess]:
    """`cip_serve` with its log in a temporary file: ``.base`` while the block runs, the
    server's whole output in ``.output`` once it has ended."""
    with tempfile.TemporaryDirectory(prefix="cip-serve-") as tmp:
        log = Path(tmp) / "serve.log"
        served = ServedProcess("")
        try:
            with cip_serve(env, log) as running:
                served.base = running.base_url
                yield served
        finally:
            if log.exists():
                served.output = log.read_text(errors="replace")


@contextmanager
def serving(env: Mapping[str, str]) -> Iterator[str]:
    """`serve_process` when only the base URL is wanted."""
    with serve_process(env) as served:
        yield served.base
