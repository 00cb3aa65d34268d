"""What survives closing: the weekly releases. The counts they are computed from have no
Tortoise model (a composite primary key and no row id): ``models/aggregate_store.py``.

No row here holds an id of a circle, member, hold, ask or thread.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Release(Model):
    id = fields.BigIntField(primary_key=True)
    neighborhood = fields.CharField(max_length=64)
    week_start = fields.DateField()
    window_days = fields.IntField()
    payload: dict[str, object] = fields.JSONField()
    computed_on = fields.DateField()

    class Meta:
        table = "cip_release"
        unique_together = (("neighborhood", "week_start", "window_days"),)
