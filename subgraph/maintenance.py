"""The background work of `cip serve`: the scrubber and the purge.

Scrubber: a destructive transaction on SQLite returns once its WAL checkpoint succeeded, or
after a bounded wait when a concurrent reader (another worker, a backup) holds a snapshot
(models/sqlite_engine.py). This task finishes those checkpoints as soon as the reader is
gone, and logs, with no id or path, while one stays unfinished for longer than
``SCRUB_WARN_SECONDS``. Every ``TRUNCATE_EVERY_SECONDS`` it also truncates the WAL of
connections that only wrote (a count, a status), so the WAL never keeps a history of those
writes for longer than that.

Purge: expired updates, rota slots, invites, transfer codes, asks and peer posts are deleted
here (resolvers/expiry.py) once at start and every ``PURGE_EVERY_SECONDS``; no request does
it. `cip purge` does the same from a cron.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from models import db
from models.clock import Clock

SCRUB_EVERY_SECONDS = 0.5
TRUNCATE_EVERY_SECONDS = 60.0  # the WAL of writes that destroyed nothing
SCRUB_WARN_SECONDS = 10.0
PURGE_EVERY_SECONDS = 3600.0

log = logging.getLogger("cip.maintenance")


async def scrub_forever(
    every: float = SCRUB_EVERY_SECONDS, truncate_every: float | None = None
) -> None:
    warned = False
    period = TRUNCATE_EVERY_SECONDS if truncate_every is None else truncate_every
    last_truncate = asyncio.get_running_loop().time()
    while True:
        await asyncio.sleep(every)
        try:
            now = asyncio.get_running_loop().time()
            if now - last_truncate >= period:
                last_truncate = now
                await db.truncate_written()
            pending, oldest = await db.scrub_pending()
        except Exception:  # a closed or failing connection: try again next round
            log.warning("scrub attempt failed", exc_info=True)
            continue
        if pending and oldest > SCRUB_WARN_SECONDS and not warned:
            log.warning(
                "a WAL checkpoint after a deletion is still blocked by a reader holding an "
                "old snapshot; deleted content remains in a -wal file until it ends",
                extra={"cip": {"pending": pending, "seconds": int(oldest)}},
            )
            warned = True
        elif not pending and warned:
            log.info("the blocked WAL checkpoint has completed")
            warned = False


async def purge_forever(
    clock: Clock, update_ttl_days: int, every: float = PURGE_EVERY_SECONDS
) -> None:
    from resolvers.expiry import purge_all

    while True:
        try:
            done = await purge_all(clock.today(), update_ttl_days)
            if any(done.values()):
                log.info("expired care data purged", extra={"cip": {"rows": sum(done.values())}})
        except Exception:
            log.warning("the expiry purge failed; it runs again later", exc_info=True)
        await asyncio.sleep(every)


@contextlib.asynccontextmanager
async def running(*jobs: Callable[[], Coroutine[Any, Any, None]]) -> AsyncIterator[None]:
    """Run the jobs as tasks while the block runs; cancel them after."""
    tasks = [asyncio.create_task(job()) for job in jobs]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
