"""An ASGI app under uvicorn on a loopback port, in a thread of the test process with an
event loop of its own (the live CIP server, the fake Local Commons)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import uvicorn
from starlette.types import ASGIApp

T = TypeVar("T")


class ThreadedServer:
    def __init__(self, name: str, port: int) -> None:
        self.name = name
        self.port = port
        self.loop = asyncio.new_event_loop()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(
        self, app: ASGIApp, first: Callable[[], Coroutine[Any, Any, None]] | None = None
    ) -> None:
        """Serve ``app``; ``first`` runs on the server's loop before it serves (its failure
        is raised here)."""
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        server = self._server = uvicorn.Server(config)
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            try:
                if first is not None:
                    self.loop.run_until_complete(first())
            except BaseException as exc:  # surfaced to the caller below
                failure.append(exc)
                ready.set()
                return
            ready.set()
            self.loop.run_until_complete(server.serve())

        self._thread = threading.Thread(target=run, name=self.name, daemon=True)
        self._thread.start()
        ready.wait(60)
        if failure:
            raise failure[0]
        for _ in range(600):
            if server.started:
                return
            threading.Event().wait(0.05)
        raise RuntimeError(f"{self.name} did not start")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(30)
        self.loop.close()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop (where its connections live)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)
