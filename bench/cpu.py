"""CPU time per request, in process: CIP's schema (no HTTP) against the raw-driver function.

HTTP figures on a shared 2-core machine measure the queue for the CPU as much as CIP; the
process's own CPU time per request does not depend on what else runs. Both sides read the
same seeded database, as the same probe member, and must produce the same JSON (checked first:
a raw endpoint that answers less would make the ratio meaningless).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from auth.viewer import Viewer
from bench import names
from bench.raw import Raw, Store, store_for
from models.clock import Clock
from models.pseudonym import CIRCLES, capability_pseudonyms, pseudonym
from models.sealing import Sealer
from resolvers.request import CareContext
from schema.build import build_schema
from subgraph.policy import policy_from
from subgraph.runtime import CommandError, database
from subgraph.settings import Settings

ROUNDS = 7
NOT_SEEDED = (
    "{url} holds no benchmark data (no probe member with circles); run `cip bench seed` on it first"
)


class NotSeeded(Exception):
    pass


async def cpu_ms(call: Callable[[], Awaitable[Any]], per_round: int) -> float:
    """The median over rounds of CPU milliseconds per call (this process only)."""
    await call()
    rounds = []
    for _ in range(ROUNDS):
        began = time.process_time()
        for _ in range(per_round):
            await call()
        rounds.append((time.process_time() - began) / per_round * 1000)
    return round(statistics.median(rounds), 2)


async def measure_cpu(settings: Settings, per_round: int = 20) -> dict[str, float]:
    from bench.run import CIRCLE, MY_CIRCLES

    me = pseudonym(settings.pseudonym_key, settings.jwt_issuer, names.ISSUER_SUB_PROBE)
    mine_in_circles = capability_pseudonyms(settings.pseudonym_key, me)[CIRCLES]
    clock = Clock(settings.today)
    policy = policy_from(settings)
    schema = build_schema(dev=settings.is_dev, executor=settings.executor)
    async with database(settings):
        store: Store = store_for(settings)
        await store.open()
        raw = Raw(settings, store)
        try:

            async def cip(query: str, variables: dict[str, Any]) -> str:
                context = CareContext(
                    viewer=Viewer(
                        subject=me, pseudonyms=capability_pseudonyms(settings.pseudonym_key, me)
                    ),
                    sealer=Sealer(settings.master_key, clock),
                    clock=clock,
                    policy=policy,
                )
                result = await schema.execute(
                    query, variable_values=variables, context_value=context
                )
                if result.errors:
                    raise NotSeeded(result.errors[0].message)
                return json.dumps({"data": result.data})

            errors_log = logging.getLogger("cip.errors")
            errors_log.disabled = True  # a missing table is logged as unexpected; said below
            try:
                mine = json.loads(await cip(MY_CIRCLES, {}))["data"]["myCircles"]
            except NotSeeded:
                mine = []
            finally:
                errors_log.disabled = False
            if not mine:
                raise CommandError(NOT_SEEDED.format(url=_display(settings.database_url)), 1)
            one = {"id": mine[0]["id"]}

            async def raw_mine() -> str:
                return json.dumps({"data": {"myCircles": await raw.circles(mine_in_circles, None)}})

            async def raw_one() -> str:
                return json.dumps(
                    {"data": {"circle": (await raw.circles(mine_in_circles, one["id"]))[0]}}
                )

            for name, ours, limit in (
                ("myCircles", await cip(MY_CIRCLES, {}), await raw_mine()),
                ("circle(id)", await cip(CIRCLE, one), await raw_one()),
            ):
                if json.loads(ours) != json.loads(limit):
                    raise CommandError(
                        f"the raw endpoint answers {name} differently from CIP; "
                        "fix bench/raw.py before comparing them",
                        1,
                    )
            return {
                "cip myCircles": await cpu_ms(lambda: cip(MY_CIRCLES, {}), per_round),
                "raw myCircles": await cpu_ms(raw_mine, per_round),
                "cip circle(id)": await cpu_ms(lambda: cip(CIRCLE, one), per_round),
                "raw circle(id)": await cpu_ms(raw_one, per_round),
            }
        finally:
            await store.close()


def _display(url: str) -> str:
    """The database URL without a password."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\\1:***@", url)


def run_cpu(settings: Settings) -> dict[str, float]:
    return asyncio.run(measure_cpu(settings))
