"""Reading circles: the caller's circles, one circle, and batched reads of members, updates
and rota for many circles at once (a constant number of statements per request). Every read
here goes through the page's hand-written statements (resolvers/circles/statements.py).

The batch functions trust the circle ids they are given: they are called only for circles
already read through the caller's membership.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from models import statements
from models.errors import NotFound
from models.pseudonym import CIRCLES
from models.sealing import Sealer, row_aad
from resolvers.circles import statements as sql
from resolvers.circles.rules import Role
from resolvers.circles.sealing import MEMBER, SLOT, UPDATE, key_owner
from resolvers.circles.views import CircleView, MemberView, SlotView, UpdateView, circle_view_of_row
from resolvers.input_rules import parse_id
from resolvers.request import CareContext

RotaKey = tuple[uuid.UUID, dt.date, dt.date | None]
Members = Mapping[uuid.UUID, Sequence[MemberView]]


async def _preload(ctx: CareContext, circle_ids: Sequence[uuid.UUID]) -> None:
    await ctx.sealer.preload([key_owner(c) for c in set(circle_ids)])


class _Openers(dict[uuid.UUID, Callable[[bytes, bytes], str]]):
    """Each circle's opener of preloaded texts (Sealer.opener), made on first use."""

    def __init__(self, sealer: Sealer) -> None:
        super().__init__()
        self._sealer = sealer

    def __missing__(self, circle_id: uuid.UUID) -> Callable[[bytes, bytes], str]:
        opener = self[circle_id] = self._sealer.opener(key_owner(circle_id))
        return opener


def _openers(ctx: CareContext) -> _Openers:
    return _Openers(ctx.sealer)


async def _circle_views(ctx: CareContext, rows: list[dict[str, Any]]) -> list[CircleView]:
    await _preload(ctx, [ctx.ids(r["id"]) for r in rows])
    return [await circle_view_of_row(ctx, r) for r in rows]


async def my_circles(ctx: CareContext) -> list[CircleView]:
    me = ctx.viewer.as_(CIRCLES)
    if me is None:
        raise NotFound()
    return await _circle_views(ctx, await statements.select(sql.MINE, (), [me]))


async def circle(ctx: CareContext, raw_id: str) -> CircleView:
    """One of the caller's circles; NotFound for any other id, whether it exists or not."""
    circle_id = parse_id(raw_id)
    me = ctx.viewer.as_(CIRCLES)
    if circle_id is None or me is None:
        raise NotFound()
    rows = await statements.select(sql.ONE, (), [me, circle_id])
    if not rows:
        raise NotFound()
    [view] = await _circle_views(ctx, rows)
    return view


async def members_of(ctx: CareContext, circle_ids: Sequence[uuid.UUID]) -> list[list[MemberView]]:
    """Each circle's members, facilitator first, then by joining day."""
    rows = await statements.select(sql.MEMBERS, list(set(circle_ids)))
    await _preload(ctx, circle_ids)
    by_circle: dict[uuid.UUID, list[MemberView]] = defaultdict(list)
    openers = _openers(ctx)
    for r in rows:
        cid = ctx.ids(r["circle_id"])
        mid = ctx.ids(r["id"])
        name = openers[cid](row_aad(MEMBER, mid, "name"), r["name_sealed"])
        by_circle[cid].append(
            MemberView(
                id=mid,
                display_name=name,
                role=Role(r["role"]),
                is_me=r["member"] == ctx.viewer.as_(CIRCLES),
            )
        )
    for members in by_circle.values():
        members.sort(key=lambda m: m.role is not Role.FACILITATOR)
    return [by_circle.get(c, []) for c in circle_ids]


async def _purge(look: str, purge: str, circle_ids: Sequence[uuid.UUID], before: dt.date) -> None:
    """Delete the circles' rows that ``look`` finds (looked for first: see EXPIRED_UPDATES)."""
    found = await statements.select(look, list(set(circle_ids)), [before])
    if not found:
        return
    ids = [statements.as_uuid(r["circle_id"]) for r in found]
    await statements.execute(purge, ids, [before])


async def purge_updates(circle_ids: Sequence[uuid.UUID], today: dt.date) -> None:
    """Expired updates are deleted, not hidden, whenever a read touches their circle."""
    await _purge(sql.EXPIRED_UPDATES, sql.PURGE_UPDATES, circle_ids, today)


def _by_id(
    ctx: CareContext, members: Members, circle_id: uuid.UUID
) -> Callable[[Any], MemberView | None]:
    """The circle's member with a given local id: None for no id, or once they have left."""
    found = {m.id: m for m in members.get(circle_id, ())}
    return lambda member_id: None if member_id is None else found.get(ctx.ids(member_id))


async def updates_of(
    ctx: CareContext, keys: Sequence[tuple[uuid.UUID, int]], members: Members
) -> list[list[UpdateView]]:
    """The newest ``first`` live updates of each circle, newest first, with their authors
    taken from ``members`` (each circle's current members)."""
    today = ctx.clock.today()
    circle_ids = [c for c, _ in keys]
    await purge_updates(circle_ids, today)
    by_circle: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    newest = max(first for _, first in keys)
    for r in await statements.select(sql.NEWEST_UPDATES, list(set(circle_ids)), [newest]):
        by_circle[ctx.ids(r["circle_id"])].append(r)
    await _preload(ctx, circle_ids)
    result: list[list[UpdateView]] = []
    openers = _openers(ctx)
    for cid, first in keys:
        author = _by_id(ctx, members, cid)
        open_text = openers[cid]
        views = []
        for r in by_circle.get(cid, [])[:first]:
            uid = ctx.ids(r["id"])
            views.append(
                UpdateView(
                    id=uid,
                    circle_id=cid,
                    body=open_text(row_aad(UPDATE, uid, "body"), r["body_sealed"]),
                    author=author(r["author_id"]),
                    posted_on=statements.as_date(r["posted_on"]),
                    expires_on=statements.as_date(r["expires_on"]),
                )
            )
        result.append(views)
    return result


async def rota_of(
    ctx: CareContext, keys: Sequence[RotaKey], members: Members
) -> list[list[SlotView]]:
    """Each circle's slots between the two days (inclusive; open-ended when ``to`` is None),
    in day order, with their holders taken from ``members``. One statement per distinct day
    range in the batch (usually one)."""
    today = ctx.clock.today()
    oldest = today - dt.timedelta(days=ctx.policy.update_ttl_days)
    circle_ids = list({c for c, _, _ in keys})
    await _purge(sql.PAST_SLOTS, sql.PURGE_SLOTS, circle_ids, oldest)
    await _preload(ctx, circle_ids)
    ranges: dict[tuple[dt.date, dt.date | None], list[uuid.UUID]] = defaultdict(list)
    for cid, start, end in keys:
        ranges[(start, end)].append(cid)
    holder = {cid: _by_id(ctx, members, cid) for cid in circle_ids}
    found: dict[RotaKey, list[SlotView]] = defaultdict(list)
    openers = _openers(ctx)
    for (start, end), cids in ranges.items():
        ids = list(set(cids))
        if end is None:
            rows = await statements.select(sql.ROTA_FROM, ids, [start])
        else:
            rows = await statements.select(sql.ROTA_UNTIL, ids, [start, end])
        for r in rows:
            cid = ctx.ids(r["circle_id"])
            sid = ctx.ids(r["id"])
            task = openers[cid](row_aad(SLOT, sid, "task"), r["task_sealed"])
            found[(cid, start, end)].append(
                SlotView(
                    id=sid,
                    circle_id=cid,
                    on=statements.as_date(r["on"]),
                    task=task,
                    holder=holder[cid](r["holder_id"]),
                )
            )
    return [found.get(k, []) for k in keys]
