"""The peer coordinator channel: across neighbourhoods, sealed, purged after 30 days.

The author's pseudonym is kept only to mark a coordinator's own posts (``mine``); it is never
shown. Anonymous notes (from the well-being check) have no author at all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from models.errors import BadUserInput
from models.keystore import DataKey
from models.sealing import SealError, owner_of, row_aad
from models.support import PeerPost
from resolvers import input_rules
from resolvers.request import CareContext

POST_TTL_DAYS = 30
MAX_BODY = 2000
MAX_FIRST = 100
TABLE = "cip_peer_post"


@dataclass(frozen=True)
class PeerPostFacts:
    id: uuid.UUID
    body: str
    posted_on: dt.date
    expires_on: dt.date
    mine: bool


async def purge_expired(today: dt.date) -> int:
    """Delete posts past their expiry and shred their keys (the background purge and
    ``cip purge``; the channel never shows them)."""
    expired = [r["id"] for r in await PeerPost.filter(expires_on__lt=today).values("id")]
    if expired:
        await DataKey.filter(owner__in=[owner_of("peer", p) for p in expired]).delete()
        await PeerPost.filter(id__in=expired).delete()
    return len(expired)


async def _create(ctx: CareContext, body: str, author: str | None) -> PeerPostFacts:
    today = ctx.clock.today()
    post_id = uuid.uuid4()
    owner = owner_of("peer", post_id)
    await ctx.sealer.create_key(owner)
    sealed = await ctx.sealer.seal(owner, row_aad(TABLE, post_id, "body"), body)
    expires = today + dt.timedelta(days=POST_TTL_DAYS)
    await PeerPost.create(
        id=post_id, author=author, body_sealed=sealed, posted_on=today, expires_on=expires
    )
    return PeerPostFacts(post_id, body, today, expires, mine=author is not None)


async def post(ctx: CareContext, body: str) -> PeerPostFacts:
    text = input_rules.text(body, "body", MAX_BODY)
    return await _create(ctx, text, ctx.viewer.subject)


async def post_anonymously(ctx: CareContext, body: str) -> PeerPostFacts:
    return await _create(ctx, body, None)


async def channel(ctx: CareContext, first: int) -> list[PeerPostFacts]:
    input_rules.first(first, MAX_FIRST)
    today = ctx.clock.today()
    rows = (
        await PeerPost.filter(expires_on__gte=today)
        .order_by("-posted_on", "-id")
        .limit(first)
        .values("id", "author", "body_sealed", "posted_on", "expires_on")
    )
    await ctx.sealer.preload([owner_of("peer", r["id"]) for r in rows])
    posts: list[PeerPostFacts] = []
    for r in rows:
        owner, aad = owner_of("peer", r["id"]), row_aad(TABLE, r["id"], "body")
        try:
            body = await ctx.sealer.open(owner, aad, r["body_sealed"])
        except SealError:
            continue  # purged by another request between the listing and here
        posts.append(
            PeerPostFacts(
                id=r["id"],
                body=body,
                posted_on=r["posted_on"],
                expires_on=r["expires_on"],
                mine=r["author"] is not None and r["author"] == ctx.viewer.subject,
            )
        )
    return posts
