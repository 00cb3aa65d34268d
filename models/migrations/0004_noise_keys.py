"""Perturbation: every count gets a random key sum, and releases are computed again.

Cells folded from the old rows carry ``key_sum`` 0; left so, every cell with the same value
would draw the same noise in every neighbourhood, and a reader who knows one true count could
read the others. Each gets a fresh random sum (as if its records had drawn their keys).
Stored releases held raw counts (payload version 1); they are deleted and computed again,
perturbed, on first read or by ``cip release``.
"""

from __future__ import annotations

import secrets
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

KEY_BITS = 32


async def rekey(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    pg = str(client.capabilities.dialect) == "postgres"

    def marks(n: int) -> list[str]:
        return [f"${i}" if pg else "?" for i in range(1, n + 1)]

    a, b, c, d = marks(4)
    cells = await client.execute_query_dict(
        "SELECT neighborhood, metric, week_start FROM cip_aggregate_count"
    )
    for r in cells:
        await client.execute_query(
            f"UPDATE cip_aggregate_count SET key_sum = {a} "
            f"WHERE neighborhood = {b} AND metric = {c} AND week_start = {d}",
            [secrets.randbits(KEY_BITS), r["neighborhood"], r["metric"], r["week_start"]],
        )
    weeks = await client.execute_query_dict(
        "SELECT neighborhood, week_start, coordinator FROM cip_coordinator_week"
    )
    for r in weeks:
        await client.execute_query(
            f"UPDATE cip_coordinator_week SET key_sum = {a} "
            f"WHERE neighborhood = {b} AND week_start = {c} AND coordinator = {d}",
            [secrets.randbits(KEY_BITS), r["neighborhood"], r["week_start"], r["coordinator"]],
        )
    await client.execute_script("DELETE FROM cip_release")


class Migration(migrations.Migration):
    dependencies = [("cip", "0003_aggregate_counts")]

    initial = False

    operations = [ops.RunPython(rekey)]
