"""The Local Commons interface: requestLocalCommonsHelp and raiseStewardAlert."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from resolvers import local_commons
from resolvers.circles.lookup import membership
from resolvers.local_commons import Urgency
from resolvers.request import CareContext
from schema.fields import member_mutation


@strawberry.input(description="What a circle member asks Local Commons for; sent as typed.")
class HelpRequestInput:
    title: str
    details: str
    # UNSET, not None: the contract declares no default for neededOn.
    needed_on: dt.date | None = strawberry.UNSET

    def to_request(self) -> local_commons.HelpRequest:
        needed_on = self.needed_on if isinstance(self.needed_on, dt.date) else None
        return local_commons.HelpRequest(
            title=self.title, details=self.details, needed_on=needed_on
        )


@strawberry.type(description="What Local Commons answered. CIP keeps no copy and no link to it.")
class HelpRequestReceipt:
    forwarded: bool
    local_commons_reference: str | None

    @classmethod
    def from_receipt(cls, receipt: local_commons.HelpReceipt) -> HelpRequestReceipt:
        return cls(
            forwarded=receipt.forwarded,
            local_commons_reference=receipt.local_commons_reference,
        )


async def resolve_raise_steward_alert(
    info: Info[CareContext, None], neighborhood: strawberry.ID, urgency: Urgency
) -> bool:
    return await local_commons.raise_steward_alert(info.context, str(neighborhood), urgency)


async def resolve_request_local_commons_help(
    info: Info[CareContext, None], circle_id: strawberry.ID, input: HelpRequestInput
) -> HelpRequestReceipt:
    request = input.to_request()
    local_commons.help_request_variables(request)  # bad input is refused before any lookup
    mine = await membership(info.context, str(circle_id))
    receipt = await local_commons.request_local_commons_help(info.context, mine.member, request)
    return HelpRequestReceipt.from_receipt(receipt)


@strawberry.type
class LocalCommonsMutation:
    request_local_commons_help: HelpRequestReceipt = member_mutation(
        resolve_request_local_commons_help,
        description="Circle members ask Local Commons for practical help. Only the title, "
        "details and day the member typed are sent, with their own token: no circle, no "
        "name, no focus. CIP keeps nothing of the request.",
    )
    raise_steward_alert: bool = member_mutation(
        resolve_raise_steward_alert,
        description="Coordinators of the neighbourhood: alert its Local Commons stewards. Only "
        "the neighbourhood and the urgency are sent, with the caller's own token; CIP keeps "
        "nothing of it.",
    )
