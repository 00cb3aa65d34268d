"""uvicorn's HTTP protocol with TCP_NODELAY set on every connection.

With ``--workers N`` uvicorn binds the listening socket itself with ``proto`` 0; accepted
sockets inherit it, and asyncio sets TCP_NODELAY only on sockets that report IPPROTO_TCP.
Nagle's algorithm then held back the body of every keep-alive response until the client's
delayed ACK: about 40 ms per request on Linux (uvicorn issue #3149). One worker was not
affected. ``cip serve`` passes this class as uvicorn's ``http`` protocol whatever the number
of workers; the benchmark's raw endpoint uses it too, so both are measured alike.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol

PROTOCOL = "subgraph.nodelay:NoDelayHTTPProtocol"


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        set_nodelay(transport)
        super().connection_made(transport)
