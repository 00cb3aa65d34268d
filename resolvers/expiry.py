"""Everything expired, deleted in one pass: the background purge of ``cip serve`` and
``cip purge`` (a cron). No request does this global work; reads hide what has expired.

What goes: circle updates past their expiresOn, circle invites, repair invites and hold
transfer codes past theirs, rota slots older than the update lifetime, asks past their
expiresOn (their keys shredded), peer posts past theirs (keys shredded). On PostgreSQL the key
table is then vacuumed, so the dead tuples of the shredded keys are reclaimed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from models import db
from models.holds import HoldTransfer
from models.repair import RepairInvite
from resolvers.asks_holds import asks
from resolvers.circles import closing
from resolvers.support import peers


async def purge_all(
    today: dt.date,
    update_ttl_days: int = 30,
    progress: Callable[[str, int], None] = lambda *_: None,
) -> dict[str, int]:
    """Delete what has expired everywhere; how many rows of each kind went."""
    done: dict[str, int] = {}
    for kind, count in (await closing.purge_expired(today, update_ttl_days)).items():
        done[kind] = count
        progress(kind, count)
    counts = {
        "repair_invites": await RepairInvite.filter(expires_on__lte=today).delete(),
        "hold_transfers": await HoldTransfer.filter(expires_on__lte=today).delete(),
        "asks": await asks.purge_expired(today),
        "peer_posts": await peers.purge_expired(today),
    }
    for kind, count in counts.items():
        done[kind] = count
        progress(kind, count)
    if await db.vacuum_keystore():
        progress("key_table_vacuumed", 1)
    return done
