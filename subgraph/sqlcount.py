"""Counting SQL statements per request, for benchmarks and the statement-count tests.

Enabled by CIP_COUNT_SQL=1 only. Tortoise logs every statement it sends (execute_query,
execute_insert, execute_many, ...) on the ``tortoise.db_client`` logger at DEBUG; a filter on
that logger, placed before the AtLeastWarning filter of ``subgraph.logs``, adds one to the
current request's counter; the AtLeastWarning filter then drops the record, which carries
parameters and must never be printed. The response carries the total in
``x-cip-sql-statements``. The logger is kept at DEBUG (``logs.keep_debug``) so that logging
set up before or after this still lets the records be made and counted. Transaction control
(BEGIN, COMMIT, savepoints) is not logged by Tortoise and so not counted.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from subgraph import logs

HEADER = b"x-cip-sql-statements"
LOGGER = "tortoise.db_client"
_counter: ContextVar[list[int] | None] = ContextVar("cip_sql_counter", default=None)


def _count(record: logging.LogRecord) -> bool:  # noqa: ARG001
    box = _counter.get()
    if box is not None:
        box[0] += 1
    return True


_installed = False


def install() -> None:
    """Attach the counting filter once per process."""
    global _installed
    if _installed:
        return
    logs.quiet_third_party()  # the dropping filter is in place before any record is made
    log = logging.getLogger(LOGGER)
    log.filters.insert(0, _count)
    logs.keep_debug(LOGGER)
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
