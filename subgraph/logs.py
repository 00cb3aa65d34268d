"""Structured logs: JSON lines on stderr, one line per request, nothing personal.

A request line holds the route, method, HTTP status, operation name(s), outcome code and
duration: never variables, query text, tokens, subjects, addresses or care text.

Third-party loggers that print SQL parameters or call arguments at DEBUG (tortoise's
``db_client``, aiosqlite, asyncpg) are held at WARNING by a filter on the logger itself, so
CIP_LOG_LEVEL=DEBUG, or anyone lowering their level later, cannot make them print sealed bytes
or pseudonyms. Exceptions are logged by type and frame locations only: their messages can
carry SQL parameters.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import traceback
from collections.abc import Callable
from typing import IO, Any

REQUEST_LOGGER = "cip.request"
# Loggers that print statement parameters or call arguments below WARNING.
QUIET_LOGGERS = (
    "tortoise",
    "tortoise.db_client",
    "db_client",
    "aiosqlite",
    "asyncpg",
    "httpx",
    "httpcore",
    "uvicorn.access",
)
_HANDLER_NAME = "cip-json"
# Quiet loggers left at DEBUG on purpose (statement counting, CIP_COUNT_SQL): their records
# are still made, counted and then dropped by the AtLeastWarning filter.
_keep_debug: set[str] = set()

request_log = logging.getLogger(REQUEST_LOGGER)


class AtLeastWarning(logging.Filter):
    """Drops records below WARNING, whatever the logger's level says."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


_QUIET = AtLeastWarning()


class QuietThirdPartyRecords(logging.Filter):
    """On CIP's handler: also drops records of the quiet loggers' children below WARNING
    (a filter on a logger does not apply to records its children pass up)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return not any(
            record.name == name or record.name.startswith(name + ".") for name in QUIET_LOGGERS
        )


def keep_debug(name: str) -> None:
    """Leave one quiet logger at DEBUG so a filter placed before AtLeastWarning sees records."""
    _keep_debug.add(name)
    logging.getLogger(name).setLevel(logging.DEBUG)


def quiet_third_party() -> None:
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if _QUIET not in logger.filters:
            logger.addFilter(_QUIET)
        logger.setLevel(logging.DEBUG if name in _keep_debug else logging.WARNING)


def _exception_summary(exc_info: Any) -> dict[str, Any]:
    exc_type, _, tb = exc_info
    frames = [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)]
    return {"exception": getattr(exc_type, "__name__", "?"), "frames": frames[-8:]}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = getattr(record, "cip", None)
        if isinstance(fields, dict):
            line["msg"] = record.msg
            line.update(fields)
        else:
            line["msg"] = record.getMessage()
        if record.exc_info and record.exc_info[0] is not None:
            line.update(_exception_summary(record.exc_info))
        return json.dumps(line, default=str)


def configure_logging(level: str = "INFO", stream: IO[str] | None = None) -> Callable[[], None]:
    """JSON lines to ``stream`` (stderr) at ``level``; returns a function that undoes it."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(QuietThirdPartyRecords())
    touched = [root, logging.getLogger("cip")] + [logging.getLogger(n) for n in QUIET_LOGGERS]
    before = [(logger, logger.level, list(logger.filters)) for logger in touched]
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("cip").setLevel(level)
    quiet_third_party()

    def undo() -> None:
        root.removeHandler(handler)
        for logger, old_level, old_filters in before:
            logger.setLevel(old_level)
            logger.filters = old_filters

    return undo


def log_request(
    *,
    route: str,
    method: str,
    status: int,
    operation: str,
    outcome: str,
    seconds: float,
    reason: str | None = None,
) -> None:
    fields: dict[str, object] = {
        "route": route,
        "method": method,
        "status": status,
        "operation": operation,
        "outcome": outcome,
        "duration_ms": round(seconds * 1000, 2),
    }
    if reason is not None:
        fields["reason"] = reason  # why a token was refused (auth.tokens.REASONS)
    request_log.info("request", extra={"cip": fields})
