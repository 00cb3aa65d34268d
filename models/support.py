"""Coordinator support (well-being dates, peer channel) and the resource directory."""

from __future__ import annotations

import datetime as dt
import uuid

from tortoise import fields
from tortoise.models import Model


class WellbeingAnswer(Model):
    # Only the day a coordinator last answered: no answer value is ever stored.
    coordinator = fields.CharField(max_length=64, primary_key=True)
    answered_on = fields.DateField()

    class Meta:
        table = "cip_wellbeing_answer"


POST_TTL_DAYS = 30


def post_expiry(posted_week: dt.date) -> dt.date:
    """Every post of a week expires on the same day: 30 to 36 days after it was posted."""
    return posted_week + dt.timedelta(days=POST_TTL_DAYS + 6)


class PeerPost(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    # No author: a tag of this post's id under its author's support pseudonym, different for
    # every post (models.pseudonym.peer_tag); None for anonymous notes.
    mine_tag = fields.CharField(max_length=64, null=True)
    body_sealed = fields.BinaryField()
    # The Monday of the week it was posted: a day could be matched with a well-being answer.
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
