"""The key table: one wrapped data key per owning object (circle, thread, ask, post).

It lives in its own Tortoise app so it can sit in its own database (CIP_KEYSTORE_URL).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class DataKey(Model):
    owner = fields.CharField(max_length=80, primary_key=True)
    wrapped = fields.BinaryField()
    created_on = fields.DateField()

    class Meta:
        app = "keys"
        table = "cip_data_key"
