"""Test clients for live activity: a subscription over GraphQL over SSE (distinct connections)
or over graphql-transport-ws, each read by a thread of its own into a queue.

``Sub.next()`` waits for the next ``next`` payload; ``Sub.wait_end()`` for the stream's end
(``complete``, an ``error`` message, or the connection closing).
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

CIRCLE_ACTIVITY = "subscription($id: ID) { circleActivity(circleId: $id) { circleId kind on } }"
THREAD_ACTIVITY = (
    "subscription($id: ID!) { repairThreadActivity(threadId: $id) { threadId kind on } }"
)
END = "end"


class Sub:
    """One subscription; messages as (type, payload) in ``messages``."""

    def __init__(self) -> None:
        self.messages: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.ended = threading.Event()
        self.end_reason: Any = None
        self.opened = threading.Event()

    def next(self, timeout: float = 10) -> Any:
        """The next ``next`` payload; fails on an end or a timeout."""
        kind, payload = self.messages.get(timeout=timeout)
        assert kind == "next", (kind, payload)
        return payload

    def wait_end(self, timeout: float = 10) -> tuple[str, Any]:
        """The first message that is not a ``next`` (complete, error or END)."""
        deadline = time.monotonic() + timeout
        while True:
            kind, payload = self.messages.get(timeout=max(0.01, deadline - time.monotonic()))
            if kind != "next":
                return kind, payload

    def quiet(self, seconds: float = 0.5) -> bool:
        """True when nothing arrives for ``seconds``."""
        try:
            self.messages.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def close(self) -> None:  # overridden
        pass


class SseSub(Sub):
    def __init__(self, url: str, query: str, variables: dict[str, Any], token: str | None) -> None:
        super().__init__()
        headers = {"accept": "text/event-stream", "content-type": "application/json"}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        self._client = httpx.Client(timeout=httpx.Timeout(10, read=120))
        self._body = {"query": query, "variables": variables}
        self._url, self._headers = url, headers
        self.status: int | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self.opened.wait(10)

    def _run(self) -> None:
        try:
            with self._client.stream(
                "POST", self._url, json=self._body, headers=self._headers
            ) as resp:
                self._resp = resp
                self.status = resp.status_code
                self.opened.set()
                if not resp.headers.get("content-type", "").startswith("text/event-stream"):
                    self.messages.put(("error", json.loads(resp.read() or b"null")))
                    return
                event = None
                for line in resp.iter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:") and event is not None:
                        data = line[5:].strip()
                        payload = json.loads(data) if data else None
                        if event == "next" and payload and payload.get("errors"):
                            self.messages.put(("error", payload["errors"]))
                        else:
                            self.messages.put((event, payload))
                        event = None
        except (httpx.HTTPError, ValueError) as exc:
            self.end_reason = exc
        finally:
            self.opened.set()
            self.messages.put((END, None))
            self.ended.set()

    def close(self) -> None:
        """Hang up: the server notices the closed connection and ends the stream."""
        resp = getattr(self, "_resp", None)
        if resp is not None:
            # The reading thread is blocked in recv: closing the socket from here would not
            # send the FIN until it returns; shutting it down does.
            sock = resp.extensions["network_stream"].get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._client.close()
        self.ended.wait(5)


class WsConnection:
    """A graphql-transport-ws connection; ``subscribe`` opens operations on it."""

    def __init__(self, url: str, token: str | None, *, header_token: str | None = None) -> None:
        headers = {"authorization": f"Bearer {header_token}"} if header_token else None
        # Entered as a context manager (websockets 17 warns otherwise), left in close().
        self.ws: ClientConnection = connect(
            url.replace("http://", "ws://"),
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            additional_headers=headers,
            open_timeout=10,
        ).__enter__()
        payload = {"Authorization": f"Bearer {token}"} if token is not None else {}
        self.ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        self.subs: dict[str, Sub] = {}
        self.closed: tuple[int | None, str | None] | None = None
        self.acked = threading.Event()
        self._n = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self.acked.wait(10)

    def _run(self) -> None:
        try:
            for raw in self.ws:
                if not isinstance(raw, str):  # graphql-ws clients read text frames only
                    for sub in self.subs.values():
                        sub.messages.put(("binary frame", raw))
                    continue
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "connection_ack":
                    self.acked.set()
                elif kind == "ping":
                    self.ws.send(json.dumps({"type": "pong"}))
                elif kind in ("next", "error", "complete"):
                    sub = self.subs.get(message.get("id"))
                    if sub is not None:
                        payload = message.get("payload")
                        if kind == "next" and payload and payload.get("errors"):
                            sub.messages.put(("error", payload["errors"]))
                        else:
                            sub.messages.put((kind, payload))
        except ConnectionClosed as closed:
            self.closed = (closed.rcvd.code if closed.rcvd else None, None)
        finally:
            if self.closed is None:
                self.closed = (self.ws.close_code, self.ws.close_reason)
            self.acked.set()
            for sub in self.subs.values():
                sub.messages.put((END, self.closed))
                sub.ended.set()

    def subscribe(self, query: str, variables: dict[str, Any]) -> Sub:
        self._n += 1
        op = str(self._n)
        sub = Sub()
        self.subs[op] = sub
        self.ws.send(
            json.dumps(
                {"id": op, "type": "subscribe", "payload": {"query": query, "variables": variables}}
            )
        )
        return sub

    def close(self) -> None:
        self.ws.close()


def sse(server_url: str, token: str | None, query: str, variables: dict[str, Any]) -> SseSub:
    return SseSub(server_url, query, variables, token)


def ws(server_url: str, token: str | None, query: str, variables: dict[str, Any]) -> Sub:
    """A connection of its own with one subscription (closed with ``sub.close()``)."""
    conn = WsConnection(server_url, token)
    sub = conn.subscribe(query, variables)
    sub.close = conn.close  # type: ignore[method-assign]
    return sub


TRANSPORTS = {"sse": sse, "ws": ws}
