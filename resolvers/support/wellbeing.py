"""The coordinator's well-being check: a date, never an answer.

Only the day a coordinator last answered is stored. The answers themselves are used once, in
the request, and never stored, counted, aggregated or shown to anyone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models.pseudonym import SUPPORT
from models.support import WellbeingAnswer
from resolvers.request import CareContext, subject
from resolvers.support.peers import post_anonymously

PEER_REQUEST_NOTE = "A coordinator would welcome a peer conversation."
PROMPT = (
    "How are you holding up? Holding care for others is work. Do you have support of your own, "
    "and would a conversation with another coordinator help?"
)
PROMPT_WITHOUT_SUPPORT = (
    "Thank you for saying so. You deserve support too: the resource directory lists people "
    "you can talk to, and the peer channel is there for coordinators."
)


@dataclass(frozen=True)
class WellbeingState:
    due: bool
    last_answered_on: dt.date | None
    prompt: str


def is_due(last_answered_on: dt.date | None, today: dt.date, every_days: int) -> bool:
    """Due at once for a coordinator who never answered, then every ``every_days`` days."""
    return last_answered_on is None or (today - last_answered_on).days >= every_days


async def wellbeing_check(ctx: CareContext) -> WellbeingState:
    row = await WellbeingAnswer.get_or_none(coordinator=subject(ctx.viewer, SUPPORT))
    last = row.answered_on if row else None
    return WellbeingState(
        due=is_due(last, ctx.clock.today(), ctx.policy.wellbeing_days),
        last_answered_on=last,
        prompt=PROMPT,
    )


async def answer_wellbeing_check(
    ctx: CareContext, *, has_support: bool, wants_peer_connection: bool
) -> WellbeingState:
    today = ctx.clock.today()
    me = subject(ctx.viewer, SUPPORT)
    async with in_transaction("default"):
        updated = await WellbeingAnswer.filter(coordinator=me).update(answered_on=today)
        if not updated:
            await WellbeingAnswer.create(
                coordinator=subject(ctx.viewer, SUPPORT), answered_on=today
            )
        if wants_peer_connection:
            await post_anonymously(ctx, PEER_REQUEST_NOTE)
    return WellbeingState(
        due=False,
        last_answered_on=today,
        prompt=PROMPT if has_support else PROMPT_WITHOUT_SUPPORT,
    )
