"""The one place where rate limits are enforced: a field extension on every root mutation.

It runs after the DirectiveGuard (which answers UNAUTHENTICATED/FORBIDDEN first) and counts
the attempt against the caller's subject pseudonym and client address; a mutation that redeems
an invite or transfer code (marked where it is declared: ``member_mutation(...,
redeems_code=True)`` in ``schema/fields.py``) counts against the hourly code limits as well:
guessing codes is what those limits stop. The limiter lives on the app
(``app.state.rate_limiter``); without one (CIP_RATE_LIMIT_BACKEND=off) nothing is limited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.types import Info

from auth.guard import awaited
from auth.rate_limits import RateLimiter


def client_address(request: Any, header: str | None) -> str | None:
    """The caller's address: the last entry of ``header`` (set by the gateway in front, which
    appends the address it saw) when configured, else the TCP peer."""
    if header:
        forwarded = request.headers.get(header)
        if forwarded:
            return str(forwarded.split(",")[-1].strip()) or None
    client = getattr(request, "client", None)
    return str(client.host) if client is not None and client.host else None


class RateGuard(FieldExtension):
    def __init__(self, *, redeems_code: bool = False) -> None:
        super().__init__()
        self.redeems_code = redeems_code

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        request = info.context.request
        state = getattr(request.scope.get("app"), "state", None) if request is not None else None
        limiter: RateLimiter | None = getattr(state, "rate_limiter", None)
        if limiter is not None:
            header = getattr(state, "rate_client_header", None)
            await limiter.check(
                subject=info.context.viewer.subject,
                address=client_address(request, header),
                redeems_code=self.redeems_code,
            )
        return await awaited(next_(source, info, **kwargs))
