"""Fixed-window rate-limit counters shared by every `cip serve` instance on one database.

A row is one counter for one window: ``bucket`` is a keyed hash of what is counted (a subject
pseudonym or a client address, never either in clear) with the window's number appended.
Rows live one window or two and are swept as new windows begin.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class RateCounter(Model):
    bucket = fields.CharField(max_length=96, primary_key=True)
    hits = fields.IntField()
    expires_at = fields.BigIntField(db_index=True)  # epoch seconds; swept after this

    class Meta:
        app = "cip"
        table = "cip_rate_counter"
