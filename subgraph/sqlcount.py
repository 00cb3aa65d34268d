"""Counting SQL statements per request, for benchmarks and the statement-count tests.

Enabled by CIP_COUNT_SQL=1 only. Tortoise logs every statement it sends (execute_query,
execute_insert, execute_many, ...) on the ``tortoise.db_client`` logger at DEBUG; a handler
on that logger adds one to the current request's counter and drops the record, and the
response carries the total in ``x-cip-sql-statements``. Transaction control (BEGIN, COMMIT,
savepoints) is not logged by Tortoise and so not counted.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-cip-sql-statements"
_counter: ContextVar[list[int] | None] = ContextVar("cip_sql_counter", default=None)


class _CountingHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:  # noqa: ARG002
        box = _counter.get()
        if box is not None:
            box[0] += 1


_installed = False


def install() -> None:
    """Attach the counting handler once per process."""
    global _installed
    if _installed:
        return
    log = logging.getLogger("tortoise.db_client")
    log.setLevel(logging.DEBUG)
    log.propagate = False  # count statements, print none of them
    log.addHandler(_CountingHandler(logging.DEBUG))
    _installed = True


class CountingMiddleware:
    """Counts the statements of each HTTP request and reports them in a response header."""

    def __init__(self, app: ASGIApp) -> None:
        install()
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        box = [0]
        token = _counter.set(box)

        async def counted_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((HEADER, str(box[0]).encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self._app(scope, receive, counted_send)
        finally:
            _counter.reset(token)
