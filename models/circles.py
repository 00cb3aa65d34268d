"""Support circles and everything inside them. All deleted when the circle closes."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model


class Circle(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    neighborhood = fields.CharField(max_length=64, db_index=True)
    status = fields.CharField(max_length=16)
    focus_sealed = fields.BinaryField()
    rhythm_sealed = fields.BinaryField(null=True)
    formed_on = fields.DateField()
    # Members counted against the size limit (the facilitator is not counted).
    member_count = fields.IntField(default=0)
    # The day the care need behind the circle was first held, when it came from a hold.
    need_since = fields.DateField(null=True)

    class Meta:
        table = "cip_circle"


class CircleMember(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    circle: fields.ForeignKeyRelation[Circle] = fields.ForeignKeyField(
        "cip.Circle", related_name="members", on_delete=fields.CASCADE
    )
    member = fields.CharField(max_length=64, db_index=True)
    role = fields.CharField(max_length=16)
    name_sealed = fields.BinaryField()
    joined_on = fields.DateField()

    class Meta:
        table = "cip_circle_member"
        unique_together = (("circle", "member"),)


class CircleInvite(Model):
    # SHA-256 of the code: a dump of the table does not hold usable codes.
    code_hash = fields.CharField(max_length=64, primary_key=True)
    circle: fields.ForeignKeyRelation[Circle] = fields.ForeignKeyField(
        "cip.Circle", related_name="invites", on_delete=fields.CASCADE
    )
    role = fields.CharField(max_length=16)
    expires_on = fields.DateField()

    class Meta:
        table = "cip_circle_invite"


class CircleUpdate(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    circle: fields.ForeignKeyRelation[Circle] = fields.ForeignKeyField(
        "cip.Circle", related_name="updates", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyNullableRelation[CircleMember] = fields.ForeignKeyField(
        "cip.CircleMember", related_name="updates", null=True, on_delete=fields.SET_NULL
    )
    body_sealed = fields.BinaryField()
    posted_on = fields.DateField()
    expires_on = fields.DateField(db_index=True)

    class Meta:
        table = "cip_circle_update"
        indexes = (("circle_id", "posted_on"),)


class RotaSlot(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    circle: fields.ForeignKeyRelation[Circle] = fields.ForeignKeyField(
        "cip.Circle", related_name="rota", on_delete=fields.CASCADE
    )
    on = fields.DateField()
    task_sealed = fields.BinaryField()
    holder: fields.ForeignKeyNullableRelation[CircleMember] = fields.ForeignKeyField(
        "cip.CircleMember", related_name="slots", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "cip_rota_slot"
        indexes = (("circle_id", "on"),)
