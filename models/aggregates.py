"""What survives closing: anonymous aggregate rows, coordinator weekly counts, releases.

No row here holds an id of a circle, member, hold, ask or thread.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AggregateRow(Model):
    id = fields.BigIntField(primary_key=True)
    neighborhood = fields.CharField(max_length=64)
    day = fields.DateField()
    metric = fields.CharField(max_length=48)
    value = fields.IntField()

    class Meta:
        table = "cip_aggregate_row"
        indexes = (("neighborhood", "day", "metric"),)


class CoordinatorWeek(Model):
    id = fields.BigIntField(primary_key=True)
    neighborhood = fields.CharField(max_length=64)
    week_start = fields.DateField()
    coordinator = fields.CharField(max_length=64)
    actions = fields.IntField(default=0)

    class Meta:
        table = "cip_coordinator_week"
        unique_together = (("neighborhood", "week_start", "coordinator"),)


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
