"""The service under test, two ways with one interface (``Service``): ``LiveServer``, the real
app under uvicorn in a thread of the test process; ``Served``, `cip serve` in a process of its
own (one Tortoise context per process: never a second LiveServer in the test process)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import httpx
from graphql import OperationType

from auth.devtokens import mint_dev_token
from models.clock import Clock
from subgraph.app import create_app
from subgraph.runtime import apply_migrations
from subgraph.settings import Settings, load_settings, prepare_data_dir
from tests.support.client import GraphQLClient, GraphQLResponse, free_port, headers_of
from tests.support.databases import dump, rows
from tests.support.threaded import ThreadedServer

if TYPE_CHECKING:
    from tests.differential import ExecutorPair

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
CIP = [sys.executable, "-c", "from subgraph.cli import main; main()"]


def dev_token(
    settings: Settings,
    sub: str,
    scopes: list[str] | None = None,
    nbh: list[str] | None = None,
    ttl: int = 3600,
) -> str:
    """A dev token the service with these settings accepts."""
    assert settings.dev_jwt_secret is not None, "dev tokens need CIP_ENV=dev"
    return mint_dev_token(
        secret=settings.dev_jwt_secret,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        sub=sub,
        scopes=scopes,
        neighborhoods=nbh,
        ttl_seconds=ttl,
    )


def prepared_settings(env: Mapping[str, str]) -> Settings:
    """The settings as a `cip` command reads them: the data dir (SQLite directories, dev
    keys not given) prepared first."""
    prepare_data_dir(env)
    return load_settings(env)


class Today(Protocol):
    def today(self) -> dt.date: ...


class Service(GraphQLClient):
    """A running CIP: its settings, GraphQL over HTTP, tokens for it, its database's rows."""

    clock: Today

    def __init__(self, base_url: str, settings: Settings) -> None:
        super().__init__(base_url)
        self.settings = settings

    def token(
        self,
        sub: str,
        scopes: list[str] | None = None,
        nbh: list[str] | None = None,
        ttl: int = 3600,
    ) -> str:
        return dev_token(self.settings, sub, scopes, nbh, ttl)

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        """Rows from the main database (the keystore for the key table) over a connection of
        its own (not the app's)."""
        url = self.settings.database_url
        if "cip_data_key" in query and self.settings.keystore_url:
            url = self.settings.keystore_url
        return rows(url, query)

    def dump(self) -> bytes:
        """The care database and, when it is a database of its own, the keystore."""
        keystore = self.settings.keystore_url
        extra = dump(keystore) if keystore and keystore != self.settings.database_url else b""
        return dump(self.settings.database_url) + extra


class LiveServer(Service):
    """The real app under uvicorn, on loopback, in a thread with its own event loop; its
    clock can be moved (``clock.set``)."""

    clock: Clock

    def __init__(self, env: Mapping[str, str], backend: str) -> None:
        self.env = dict(env)
        self.backend = backend
        self.port = free_port()
        super().__init__(f"http://127.0.0.1:{self.port}", load_settings(self.env))
        self.clock = Clock(self.settings.today)
        self._threaded = ThreadedServer(f"cip-{backend}", self.port)
        self._pair: ExecutorPair | None = None

    def start(self) -> LiveServer:
        self._threaded.start(
            create_app(self.settings, self.clock), lambda: apply_migrations(self.settings)
        )
        return self

    def stop(self) -> None:
        self.close()
        self._threaded.stop()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop (where its Tortoise connections live)."""
        return self._threaded.run(coro)

    def gql(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> GraphQLResponse:
        answer = super().gql(query, variables, token, headers)
        sent = headers_of(token, headers)
        self.differ(
            query, dict(variables) if variables is not None else None, sent.get("Authorization")
        )
        return answer

    def differ(
        self, query: str, variables: dict[str, Any] | None, authorization: str | None
    ) -> None:
        """Every document the suite sends: written to CIP_TEST_DOCUMENTS when that is set, and
        a query run by both executors on the same data, their answers byte for byte the same
        (tests/differential.py). Mutations change the data, so they are run once only."""
        from tests.differential import ExecutorPair, operation_type

        record = os.environ.get("CIP_TEST_DOCUMENTS")
        if record:
            with open(record, "a", encoding="utf-8") as out:
                out.write(json.dumps({"query": query, "variables": variables}) + "\n")
        if operation_type(query) is not OperationType.QUERY:
            return
        if self._pair is None:
            self._pair = ExecutorPair(self.settings, self.clock)
        answers = self.run(self._pair.answers(query, variables, None, authorization))
        assert answers.planned == answers.core, (
            f"the planned executor differs from graphql-core on {query!r} {variables!r}:\n"
            f"planned: {answers.planned}\ncore:    {answers.core}"
        )


class TodayClock:
    """The served process's idea of today (real today unless CIP_TODAY fixes it)."""

    def __init__(self, settings: Settings) -> None:
        self._fixed = settings.today

    def today(self) -> dt.date:
        return self._fixed or dt.date.today()


class Served(Service):
    """`cip serve` running in a process of its own."""

    def __init__(
        self, base_url: str, settings: Settings, process: subprocess.Popen[bytes], log_path: Path
    ) -> None:
        super().__init__(base_url, settings)
        self.process = process
        self.log_path = log_path
        self.clock = TodayClock(settings)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def cip_serve(env: Mapping[str, str], log_path: Path, workers: int = 1) -> Iterator[Served]:
    """Serve until the block ends; the server's output goes to ``log_path`` (a file, not a pipe
    that nobody reads while it runs). The data dir is prepared here first, as `cip serve`
    prepares it, so that this process reads the same dev keys."""
    port = free_port()
    full_env = {"PATH": os.environ.get("PATH", ""), **env}
    settings = prepared_settings(env)
    args = [*CIP, "serve", "--port", str(port), "--workers", str(workers)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(args, env=full_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    served = Served(f"http://127.0.0.1:{port}", settings, proc, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{served.base_url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"cip serve did not start:\n{served.output()}")
            time.sleep(0.1)
        yield served
    finally:
        served.close()
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


def run_cip(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """A `cip` command in a process of its own, as a user runs it."""
    return subprocess.run(
        [*CIP, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any CIP_* variable, a data dir under ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIP_")}
    env["CIP_DATA_DIR"] = str(tmp_path / "data")
    env.update(extra)
    return env
