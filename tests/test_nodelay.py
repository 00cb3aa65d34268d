"""Connections served by `cip serve --workers N` have TCP_NODELAY (subgraph/nodelay.py).

uvicorn binds the shared listening socket with proto 0 for several workers; asyncio then
leaves Nagle's algorithm on for accepted sockets. The control shows that behaviour on a real
socket bound the same way; the test shows the protocol's hook turning it off."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from uvicorn.importer import import_from_string

from subgraph import nodelay
from subgraph.cli import build_parser, uvicorn_options
from subgraph.settings import load_settings
from tests.support import dev_env


async def accepted_nodelay(hook: bool) -> int:
    listener = socket.socket(socket.AF_INET)  # as uvicorn's Config.bind_socket makes it
    listener.bind(("127.0.0.1", 0))
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            if hook:
                nodelay.set_nodelay(transport)
            sock = transport.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
    port = listener.getsockname()[1]
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        value = await asyncio.wait_for(seen, 5)
        writer.close()
        return value
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.skipif(not hasattr(socket, "TCP_NODELAY"), reason="no TCP_NODELAY here")
def test_a_socket_bound_like_uvicorns_workers_keeps_nagle_without_the_hook() -> None:
    assert asyncio.run(accepted_nodelay(hook=False)) == 0


def test_the_protocol_hook_sets_nodelay_on_such_a_socket() -> None:
    assert asyncio.run(accepted_nodelay(hook=True)) != 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_cip_serve_hands_uvicorn_the_protocol(workers: str) -> None:
    args = build_parser().parse_args(["serve", "--workers", workers])
    options = uvicorn_options(
        args, load_settings(dev_env(Path("/nonexistent"), "sqlite:///nonexistent/cip.sqlite3"))
    )
    # What uvicorn's Config.load does with the option, in every worker.
    assert import_from_string(options["http"]) is nodelay.NoDelayHTTPProtocol
