"""The peer coordinator channel: across neighbourhoods, sealed, purged 30 to 36 days on.

A post keeps no author: ``mine`` is answered from a tag that differs for every post (its id
under the author's support pseudonym, models.pseudonym.peer_tag), so no row ties two posts
together or a post to a coordinator. Anonymous notes (from the well-being check) have no tag
at all. A post keeps the week it was posted (its Monday), not the day: the day of the
anonymous note would match the day its author answered the well-being check. Every post of a
week expires on the same day, ``POST_TTL_DAYS + 6`` days after that Monday.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from models.clock import week_start
from models.keystore import DataKey
from models.pseudonym import SUPPORT, peer_tag
from models.sealing import SealError, owner_of, row_aad
from models.support import PeerPost, post_expiry
from resolvers import input_rules
from resolvers.request import CareContext

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
    week = week_start(ctx.clock.today())
    post_id = uuid.uuid4()
    owner = owner_of("peer", post_id)
    await ctx.sealer.create_key(owner)
    sealed = await ctx.sealer.seal(owner, row_aad(TABLE, post_id, "body"), body)
    expires = post_expiry(week)
    tag = None if author is None else peer_tag(author, str(post_id))
    await PeerPost.create(
        id=post_id, mine_tag=tag, body_sealed=sealed, posted_on=week, expires_on=expires
    )
    return PeerPostFacts(post_id, body, week, expires, mine=author is not None)


async def post(ctx: CareContext, body: str) -> PeerPostFacts:
    text = input_rules.text(body, "body", MAX_BODY)
    return await _create(ctx, text, ctx.viewer.as_(SUPPORT))


async def post_anonymously(ctx: CareContext, body: str) -> PeerPostFacts:
    return await _create(ctx, body, None)


def _mine(tag: str | None, me: str | None, post_id: object) -> bool:
    return tag is not None and me is not None and tag == peer_tag(me, str(post_id))


async def channel(ctx: CareContext, first: int) -> list[PeerPostFacts]:
    input_rules.first(first, MAX_FIRST)
    today, me = ctx.clock.today(), ctx.viewer.as_(SUPPORT)
    rows = (
        await PeerPost.filter(expires_on__gte=today)
        .order_by("-posted_on", "-id")
        .limit(first)
        .values("id", "mine_tag", "body_sealed", "posted_on", "expires_on")
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
                mine=_mine(r["mine_tag"], me, r["id"]),
            )
        )
    return posts
