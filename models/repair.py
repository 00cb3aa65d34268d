"""Repair threads: parties, invites and sealed entries. All deleted on closing."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model


class RepairThread(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    neighborhood = fields.CharField(max_length=64, db_index=True)
    stage = fields.CharField(max_length=16)
    paused = fields.BooleanField(default=False)
    advance_proposed = fields.BooleanField(default=False)
    opened_on = fields.DateField()

    class Meta:
        table = "cip_repair_thread"


class RepairParty(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    thread: fields.ForeignKeyRelation[RepairThread] = fields.ForeignKeyField(
        "cip.RepairThread", related_name="parties", on_delete=fields.CASCADE
    )
    member = fields.CharField(max_length=64, db_index=True)
    role = fields.CharField(max_length=24)
    name_sealed = fields.BinaryField()

    class Meta:
        table = "cip_repair_party"
        unique_together = (("thread", "role"), ("thread", "member"))


class RepairInvite(Model):
    code_hash = fields.CharField(max_length=64, primary_key=True)
    thread: fields.ForeignKeyRelation[RepairThread] = fields.ForeignKeyField(
        "cip.RepairThread", related_name="invites", on_delete=fields.CASCADE
    )
    role = fields.CharField(max_length=24)
    expires_on = fields.DateField()

    class Meta:
        table = "cip_repair_invite"


class RepairEntry(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    thread: fields.ForeignKeyRelation[RepairThread] = fields.ForeignKeyField(
        "cip.RepairThread", related_name="entries", on_delete=fields.CASCADE
    )
    stage = fields.CharField(max_length=16)
    author_role = fields.CharField(max_length=24)
    body_sealed = fields.BinaryField()
    posted_on = fields.DateField()

    class Meta:
        table = "cip_repair_entry"
