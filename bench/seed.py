"""The data generator: realistic rows written through the models, sealed with the real Sealer.

Per neighbourhood: circles with a facilitating coordinator, members (sealed names) and
updates (sealed bodies), care holds, support asks and repair threads with parties and
entries, a year of anonymous aggregate rows and coordinator weeks. Neighbourhood 0 also
holds the probe member's circles and a pool of circles with single-use invite codes for
the joinCircle benchmark. Rows go in with bulk_create, a batch of circles at a time.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tortoise import connections
from tortoise.models import Model

from bench import names
from models import aggregate_store
from models.aggregate_store import Cell
from models.circles import Circle, CircleInvite, CircleMember, CircleUpdate
from models.clock import Clock, week_start
from models.holds import CareHold, SupportAsk
from models.keystore import DataKey
from models.pseudonym import ASKS_HOLDS, CIRCLES, COUNTS, REPAIR, code_hash, for_capability
from models.repair import RepairEntry, RepairParty, RepairThread
from models.sealing import Sealer, owner_of, row_aad, wrap_key
from resolvers.aggregates.events import Metric
from resolvers.circles.sealing import CIRCLE, MEMBER, UPDATE, key_owner
from subgraph.settings import Settings

FLOWS = [m for m in Metric if not m.name.startswith("GAUGE_")]
GAUGES = [
    Metric.GAUGE_CIRCLES_FORMING,
    Metric.GAUGE_CIRCLES_ACTIVE,
    Metric.GAUGE_HOLDS_OPEN,
    Metric.GAUGE_HOLDS_WAITING,
    Metric.GAUGE_ASKS_OPEN,
    Metric.GAUGE_REPAIR_ACTIVE,
]
WORDS = (
    "dropped off soup, she slept well, the pharmacy run is covered for Thursday, "
    "we talked about the garden and the cat, appointment moved to next week, "
    "feeling better after the walk, could someone take the evening call"
).split()


@dataclass(frozen=True)
class SeedPlan:
    neighborhoods: int = 10
    circles_per_neighborhood: int = 20
    members_per_circle: int = 5  # supporters besides the facilitator (at most 7: MAX_MEMBERS)
    updates_per_circle: int = 25
    aggregate_rows_per_neighborhood: int = 2_000
    coordinators_per_neighborhood: int = 6
    holds_per_neighborhood: int = 4
    asks_per_neighborhood: int = 4
    threads_per_neighborhood: int = 2
    probe_circles: int = 5
    join_codes: int = 800
    batch: int = 500  # circles per batch
    seed: int = 7


@dataclass
class SeedCounts:
    circles: int = 0
    members: int = 0
    updates: int = 0
    invites: int = 0
    holds: int = 0
    asks: int = 0
    threads: int = 0
    aggregate_rows: int = 0
    coordinator_weeks: int = 0
    keys: int = 0


class Generator:
    def __init__(self, settings: Settings, plan: SeedPlan, say: Callable[[str], None]) -> None:
        self.settings = settings
        self.plan = plan
        self.say = say
        self.today = Clock(settings.today).today()
        self.rng = random.Random(plan.seed)
        self.sealer = Sealer(settings.master_key, Clock(settings.today))
        self.counts = SeedCounts()
        self.pending: dict[type[Model], list[Model]] = {}

    def pseudonym(self, sub: str, capability: str = CIRCLES) -> str:
        """What ``capability``'s rows store of ``sub`` (models/pseudonym.py)."""
        key, issuer = self.settings.pseudonym_key, self.settings.jwt_issuer
        return for_capability(key, capability, issuer, sub)

    def text(self, words: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(words))

    def add(self, row: Model) -> None:
        self.pending.setdefault(type(row), []).append(row)

    async def flush(self) -> None:
        # Parents before children: keys, then circles/threads, then what refers to them.
        order = [DataKey, Circle, RepairThread, CircleMember, CircleInvite, CircleUpdate]
        order += [RepairParty, RepairEntry, CareHold, SupportAsk]
        for model in order:
            rows = self.pending.pop(model, [])
            if rows:
                await model.bulk_create(rows, batch_size=2_000)
        assert not self.pending, f"unflushed rows: {list(self.pending)}"

    async def keys(self, owners: list[str]) -> None:
        """Data keys for many owners in one insert, then opened by the Sealer like any key."""
        rows = [
            DataKey(
                owner=o,
                wrapped=wrap_key(self.settings.master_key, o, AESGCM.generate_key(bit_length=256)),
                created_on=self.today,
            )
            for o in owners
        ]
        await DataKey.bulk_create(rows, batch_size=2_000)
        await self.sealer.preload(owners)
        self.counts.keys += len(rows)

    async def seal(self, owner: str, table: str, row_id: uuid.UUID, field: str, text: str) -> bytes:
        return await self.sealer.seal(owner, row_aad(table, row_id, field), text)

    # ------------------------------------------------------------------ circles

    async def circle(
        self, cid: uuid.UUID, nbh: int, index: int, supporters: list[str], updates: int
    ) -> None:
        """One circle under ``cid`` (its data key is already made)."""
        owner = key_owner(cid)
        formed = self.today - dt.timedelta(days=self.rng.randint(30, 360))
        self.add(
            Circle(
                id=cid,
                neighborhood=names.neighborhood(nbh),
                status="ACTIVE" if supporters else "FORMING",
                focus_sealed=await self.seal(owner, CIRCLE, cid, "focus", self.text(6)),
                rhythm_sealed=await self.seal(owner, CIRCLE, cid, "rhythm", "weekly, Sundays"),
                formed_on=formed,
                member_count=len(supporters),
            )
        )
        coordinator = names.coordinator_sub(nbh, index % self.plan.coordinators_per_neighborhood)
        people = [(self.pseudonym(coordinator), "FACILITATOR")]
        people += [(s, "SUPPORTER") for s in supporters]
        member_ids = []
        for k, (who, role) in enumerate(people):
            mid = uuid.uuid4()
            member_ids.append(mid)
            self.add(
                CircleMember(
                    id=mid,
                    circle_id=cid,
                    member=who,
                    role=role,
                    name_sealed=await self.seal(owner, MEMBER, mid, "name", f"Neighbour {k}"),
                    joined_on=formed + dt.timedelta(days=k),
                )
            )
        ttl = self.settings.update_ttl_days
        for _ in range(updates):
            uid = uuid.uuid4()
            posted = self.today - dt.timedelta(days=self.rng.randint(0, ttl - 1))
            self.add(
                CircleUpdate(
                    id=uid,
                    circle_id=cid,
                    author_id=self.rng.choice(member_ids),
                    body_sealed=await self.seal(owner, UPDATE, uid, "body", self.text(20)),
                    posted_on=posted,
                    expires_on=posted + dt.timedelta(days=ttl),
                )
            )
        self.counts.circles += 1
        self.counts.members += len(people)
        self.counts.updates += updates

    async def circles(self) -> None:
        plan = self.plan
        probe = self.pseudonym(names.ISSUER_SUB_PROBE)
        todo = [
            (n, c) for n in range(plan.neighborhoods) for c in range(plan.circles_per_neighborhood)
        ]
        started = time.monotonic()
        for first in range(0, len(todo), plan.batch):
            batch = todo[first : first + plan.batch]
            ids = [uuid.uuid4() for _ in batch]
            await self.keys([key_owner(i) for i in ids])
            for (nbh, index), cid in zip(batch, ids, strict=True):
                supporters = [
                    self.pseudonym(names.member_sub(nbh, index, j))
                    for j in range(plan.members_per_circle)
                ]
                if nbh == 0 and index < plan.probe_circles:
                    supporters.append(probe)
                await self.circle(cid, nbh, index, supporters, plan.updates_per_circle)
            await self.flush()
            done = first + len(batch)
            rate = done / max(time.monotonic() - started, 1e-9)
            self.say(f"circles {done}/{len(todo)} ({rate:.0f}/s)")

    async def join_pool(self) -> None:
        """Circles of neighbourhood 0 with only a facilitator and single-use invite codes."""
        per = names.JOIN_CODES_PER_CIRCLE
        count = -(-self.plan.join_codes // per)
        ids = [uuid.uuid4() for _ in range(count)]
        await self.keys([key_owner(i) for i in ids])
        code = 0
        for k, cid in enumerate(ids):
            await self.circle(cid, 0, 1_000_000 + k, [], 0)
            for _ in range(per):
                if code >= self.plan.join_codes:
                    break
                self.add(
                    CircleInvite(
                        code_hash=code_hash(names.join_code(code)),
                        circle_id=cid,
                        role="SUPPORTER",
                        expires_on=self.today + dt.timedelta(days=7),
                    )
                )
                code += 1
        self.counts.invites += code
        await self.flush()
        self.say(f"join pool: {count} circles, {code} invite codes")

    # ------------------------------------------------------------------ the rest

    async def holds_asks_threads(self) -> None:
        plan = self.plan
        thread_ids = [
            uuid.uuid4() for _ in range(plan.neighborhoods * plan.threads_per_neighborhood)
        ]
        ask_ids = [uuid.uuid4() for _ in range(plan.neighborhoods * plan.asks_per_neighborhood)]
        await self.keys([owner_of("thread", t) for t in thread_ids])
        await self.keys([owner_of("ask", a) for a in ask_ids])
        threads, asks = iter(thread_ids), iter(ask_ids)
        for nbh in range(plan.neighborhoods):
            name = names.neighborhood(nbh)
            for h in range(plan.holds_per_neighborhood):
                self.add(
                    CareHold(
                        neighborhood=name,
                        status="OPEN",
                        opened_on=self.today - dt.timedelta(days=self.rng.randint(0, 20)),
                        holder=self.pseudonym(names.coordinator_sub(nbh, h), ASKS_HOLDS),
                        sealed_note=os.urandom(64),
                    )
                )
            for a in range(plan.asks_per_neighborhood):
                aid = next(asks)
                self.add(
                    SupportAsk(
                        id=aid,
                        neighborhood=name,
                        asker=self.pseudonym(names.member_sub(nbh, -1, a), ASKS_HOLDS),
                        note_sealed=await self.seal(
                            owner_of("ask", aid), "cip_support_ask", aid, "note", self.text(12)
                        ),
                        asked_on=self.today - dt.timedelta(days=2),
                        expires_on=self.today + dt.timedelta(days=12),
                    )
                )
            for t in range(plan.threads_per_neighborhood):
                tid = next(threads)
                owner = owner_of("thread", tid)
                self.add(
                    RepairThread(
                        id=tid,
                        neighborhood=name,
                        stage="IMPACT",
                        opened_on=self.today - dt.timedelta(days=5),
                    )
                )
                roles = ["FACILITATOR", "HARMED_PARTY", "RESPONSIBLE_PARTY"]
                for k, role in enumerate(roles):
                    pid = uuid.uuid4()
                    who = names.member_sub(nbh, -2 - t, k)
                    self.add(
                        RepairParty(
                            id=pid,
                            thread_id=tid,
                            member=self.pseudonym(who, REPAIR),
                            role=role,
                            name_sealed=await self.seal(
                                owner, "cip_repair_party", pid, "name", f"Party {k}"
                            ),
                        )
                    )
                for _ in range(3):
                    eid = uuid.uuid4()
                    self.add(
                        RepairEntry(
                            id=eid,
                            thread_id=tid,
                            stage="IMPACT",
                            author_role="HARMED_PARTY",
                            body_sealed=await self.seal(
                                owner, "cip_repair_entry", eid, "body", self.text(25)
                            ),
                            posted_on=self.today - dt.timedelta(days=1),
                        )
                    )
            self.counts.holds += plan.holds_per_neighborhood
            self.counts.asks += plan.asks_per_neighborhood
            self.counts.threads += plan.threads_per_neighborhood
        await self.flush()
        self.say(f"holds, asks and repair threads for {plan.neighborhoods} neighbourhoods")

    async def aggregates(self) -> None:
        """A year of counted events and coordinator weeks per neighbourhood, stored as the
        service stores them: weekly counts."""
        plan = self.plan
        per = plan.aggregate_rows_per_neighborhood
        monday = week_start(self.today)
        cells: dict[Cell, int] = {}
        actions: list[tuple[str, dt.date, str, int]] = []
        for nbh in range(plan.neighborhoods):
            name = names.neighborhood(nbh)
            for i in range(per):
                day = self.today - dt.timedelta(days=1 + (i * 365) // max(per, 1))
                if i % 3 == 2:
                    metric = GAUGES[i % len(GAUGES)]
                    value = 1 if self.rng.random() < 0.6 else -1
                else:
                    metric, value = FLOWS[i % len(FLOWS)], 1
                cell = (name, week_start(day), metric)
                cells[cell] = cells.get(cell, 0) + value
            for week in range(1, 53):
                for k in range(plan.coordinators_per_neighborhood):
                    who = self.pseudonym(names.coordinator_sub(nbh, k), COUNTS)
                    actions.append(
                        (name, monday - dt.timedelta(days=7 * week), who, self.rng.randint(1, 30))
                    )
            self.counts.aggregate_rows += per
            self.counts.coordinator_weeks += 52 * plan.coordinators_per_neighborhood
            if len(cells) >= 50_000 or nbh == plan.neighborhoods - 1:
                await aggregate_store.add_cells(cells)
                await aggregate_store.add_actions(actions)
                cells, actions = {}, []
                self.say(
                    f"aggregates {nbh + 1}/{plan.neighborhoods} neighbourhoods "
                    f"({self.counts.aggregate_rows} events counted)"
                )


async def seed(settings: Settings, plan: SeedPlan, say: Callable[[str], None]) -> SeedCounts:
    """Write the plan's rows into the configured database (open Tortoise first)."""
    gen = Generator(settings, plan, say)
    await gen.circles()
    await gen.join_pool()
    await gen.holds_asks_threads()
    await gen.aggregates()
    # Planner statistics, as autovacuum gathers them soon after a bulk load in production;
    # without them PostgreSQL plans the first reads of a fresh million-row table blind.
    say("analyze")
    for name in {"default", DataKey._meta.default_connection}:
        await connections.get(str(name)).execute_script("ANALYZE")
    return gen.counts


def summary(counts: SeedCounts, seconds: float) -> str:
    parts: dict[str, Any] = vars(counts)
    text = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in parts.items())
    return f"seeded in {seconds:.1f} s: {text}"
