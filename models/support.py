"""Coordinator support (well-being dates, peer channel) and the resource directory."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model


class WellbeingAnswer(Model):
    # Only the day a coordinator last answered: no answer value is ever stored.
    coordinator = fields.CharField(max_length=64, primary_key=True)
    answered_on = fields.DateField()

    class Meta:
        table = "cip_wellbeing_answer"


class PeerPost(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    author = fields.CharField(max_length=64, null=True)
    body_sealed = fields.BinaryField()
    posted_on = fields.DateField()
    expires_on = fields.DateField(db_index=True)

    class Meta:
        table = "cip_peer_post"


class CareResource(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    neighborhood = fields.CharField(max_length=64, null=True, db_index=True)
    name = fields.CharField(max_length=200)
    kind = fields.CharField(max_length=24)
    contact = fields.CharField(max_length=500)
    description = fields.TextField(null=True)

    class Meta:
        table = "cip_care_resource"
