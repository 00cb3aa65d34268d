"""Asking Local Commons for help: the two outbound calls, requestLocalCommonsHelp and
raiseStewardAlert.

Each is one GraphQL request to CIP_LOCAL_COMMONS_URL made with the caller's own bearer token
and nothing but what the caller typed, so Local Commons sees an ordinary request from that
member: no circle id, hold id, focus, display name, CIP header or user agent. CIP keeps
nothing of it: no row, no log line, no aggregate. One attempt, with a timeout and no retry
(a retried mutation could create the request twice); any failure answers
LOCAL_COMMONS_UNAVAILABLE and nothing was done on CIP's side.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import httpx
import strawberry

from models.circles import CircleMember
from models.errors import Forbidden, LocalCommonsUnavailable, NotFound
from models.pseudonym import CIRCLES
from resolvers import input_rules
from resolvers.enums import CareEnum
from resolvers.request import CareContext

TITLE_MAX = 120
DETAILS_MAX = 2000

CREATE_EXCHANGE_REQUEST = (
    "mutation CreateExchangeRequest($input: CreateExchangeRequestInput!) "
    "{ createExchangeRequest(input: $input) { id } }"
)
CREATE_STEWARD_ALERT = (
    "mutation CreateStewardAlert($input: CreateStewardAlertInput!) "
    "{ createStewardAlert(input: $input) { id } }"
)


@strawberry.enum(description="How soon the neighbourhood's stewards are needed.")
class Urgency(CareEnum):
    SOON = "SOON"
    TODAY = "TODAY"
    NOW = "NOW"


@dataclass(frozen=True)
class HelpRequest:
    """What the member typed; the only thing that leaves CIP."""

    title: str
    details: str
    needed_on: dt.date | None = None


@dataclass(frozen=True)
class HelpReceipt:
    forwarded: bool
    local_commons_reference: str | None


# ---------------------------------------------------------------- rules (pure)
def help_request_variables(request: HelpRequest) -> dict[str, Any]:
    """Validate a help request; the GraphQL variables Local Commons receives."""
    title = input_rules.text(request.title, "title", TITLE_MAX)
    details = input_rules.text(request.details, "details", DETAILS_MAX)
    needed_by = request.needed_on.isoformat() if request.needed_on else None
    return {"input": {"title": title, "description": details, "neededBy": needed_by}}


def steward_alert_variables(neighborhood: str, urgency: Urgency) -> dict[str, Any]:
    nbh = input_rules.neighborhood(neighborhood)
    return {"input": {"neighborhood": nbh, "urgency": urgency.value}}


# ---------------------------------------------------------------- the call
NOT_CONFIGURED = (
    "Local Commons is not configured on this server (set CIP_LOCAL_COMMONS_URL to its "
    "GraphQL endpoint); nothing was sent."
)


def _caller_authorization(ctx: CareContext) -> str:
    request = ctx.request
    header = request.headers.get("authorization") if request is not None else None
    if not header:
        # Only a signed-in caller reaches here; without their own token nothing is sent.
        raise LocalCommonsUnavailable()
    return str(header)


async def call_local_commons(
    ctx: CareContext, query: str, variables: dict[str, Any], field: str
) -> dict[str, Any]:
    """POST one operation; the object under ``data.<field>``, or LocalCommonsUnavailable."""
    url = ctx.policy.local_commons_url
    if not url:
        raise LocalCommonsUnavailable(NOT_CONFIGURED)
    authorization = _caller_authorization(ctx)
    transport = httpx.AsyncHTTPTransport(retries=0)
    async with httpx.AsyncClient(
        transport=transport, timeout=ctx.policy.local_commons_timeout, follow_redirects=False
    ) as client:
        # httpx names itself in User-Agent; the request should look like any member's.
        del client.headers["user-agent"]
        try:
            response = await client.post(
                url,
                json={"query": query, "variables": variables},
                headers={"authorization": authorization},
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise LocalCommonsUnavailable() from error
    if response.status_code != 200 or not isinstance(body, dict) or body.get("errors"):
        raise LocalCommonsUnavailable()
    data = body.get("data")
    result = data.get(field) if isinstance(data, dict) else None
    if not isinstance(result, dict):
        raise LocalCommonsUnavailable()
    return result


# ---------------------------------------------------------------- the use cases
async def raise_steward_alert(ctx: CareContext, neighborhood: str, urgency: Urgency) -> bool:
    """Coordinators of ``neighborhood`` alert its stewards: only place and urgency are sent."""
    variables = steward_alert_variables(neighborhood, urgency)
    if not ctx.viewer.coordinates(neighborhood):
        raise Forbidden(
            "Only a coordinator of this neighbourhood can alert its stewards: it needs the "
            "scope cip:coordinator and the neighbourhood in the token's `nbh` claim."
        )
    await call_local_commons(ctx, CREATE_STEWARD_ALERT, variables, "createStewardAlert")
    return True


async def request_local_commons_help(
    ctx: CareContext, membership: CircleMember, request: HelpRequest
) -> HelpReceipt:
    """A circle member asks Local Commons for practical help.

    ``membership`` is the caller's own, already looked up with the circle's authorisation
    (id AND membership); nothing of it is sent. Only what the member typed leaves CIP.
    """
    if membership.member != ctx.viewer.as_(CIRCLES):
        raise NotFound()
    variables = help_request_variables(request)
    created = await call_local_commons(
        ctx, CREATE_EXCHANGE_REQUEST, variables, "createExchangeRequest"
    )
    reference = created.get("id")
    return HelpReceipt(
        forwarded=True, local_commons_reference=str(reference) if reference else None
    )
