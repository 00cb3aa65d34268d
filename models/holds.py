"""Support asks, care holds and hold transfers."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model


class SupportAsk(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    neighborhood = fields.CharField(max_length=64, db_index=True)
    asker = fields.CharField(max_length=64, db_index=True)
    note_sealed = fields.BinaryField()
    asked_on = fields.DateField()
    expires_on = fields.DateField(db_index=True)

    class Meta:
        table = "cip_support_ask"


class CareHold(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    neighborhood = fields.CharField(max_length=64, db_index=True)
    status = fields.CharField(max_length=16)
    opened_on = fields.DateField()
    holder = fields.CharField(max_length=64, db_index=True)
    # Opaque bytes from the coordinator's own tool: stored as given, never parsed or logged.
    sealed_note = fields.BinaryField(null=True)

    class Meta:
        table = "cip_care_hold"


class HoldTransfer(Model):
    code_hash = fields.CharField(max_length=64, primary_key=True)
    hold: fields.ForeignKeyRelation[CareHold] = fields.ForeignKeyField(
        "cip.CareHold", related_name="transfers", on_delete=fields.CASCADE
    )
    expires_on = fields.DateField()

    class Meta:
        table = "cip_hold_transfer"
