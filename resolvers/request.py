"""Request plumbing every use case shares: the per-request context (the Viewer, a fresh Sealer
with its key cache, the clock, the policy), the caller's pseudonym, and the neighbourhoods a
coordinator acts for, folded into queries."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from auth.viewer import ALL_NEIGHBORHOODS, NOT_THIS_NEIGHBORHOOD, Viewer
from models.clock import Clock
from models.errors import Forbidden, Unauthenticated
from models.sealing import Sealer
from models.statements import id_table


@dataclass(frozen=True)
class Policy:
    """The service's settings that use cases need, taken from the one settings object."""

    pseudonym_key: bytes
    issuer: str
    update_ttl_days: int = 30
    wellbeing_days: int = 14
    min_cell_coordinator: int = 5
    min_cell_ai: int = 11
    noise_key: bytes = b""  # the aggregates' noise key (resolvers.aggregates.perturbation)
    # Local Commons's GraphQL endpoint for the outbound calls; None: they answer unavailable.
    local_commons_url: str | None = None
    local_commons_timeout: float = 10.0


@dataclass
class CareContext:
    viewer: Viewer
    sealer: Sealer
    clock: Clock
    policy: Policy
    request: Any = None
    # Per-request DataLoaders and caches; never shared across requests.
    loaders: dict[str, Any] = field(default_factory=dict)
    ids: Callable[[Any], uuid.UUID] = field(default_factory=id_table)  # ids parsed once
    # Live activity (resolvers/live/hub.py's Hub) and what one connection counts: over a
    # WebSocket one context serves every operation of the connection.
    live: Any = None
    connection: dict[str, Any] = field(default_factory=dict)
    connection_params: dict[str, Any] | None = None  # graphql-transport-ws connection_init


def subject(viewer: Viewer, capability: str) -> str:
    """The caller's pseudonym in one capability's rows (models/pseudonym.py)."""
    found = viewer.as_(capability)
    if found is None:  # the field guard refuses this first; kept as a second wall
        raise Unauthenticated()
    return found


def require_coordinator(viewer: Viewer, neighborhood: str | None = None) -> None:
    """FORBIDDEN unless a coordinator (for ``neighborhood`` when one is named)."""
    if not viewer.is_coordinator:
        raise Forbidden(
            "Only care coordinators may do this: it needs the scope cip:coordinator in your "
            "token's `scope` claim."
        )
    if neighborhood is not None and not viewer.coordinates(neighborhood):
        raise Forbidden(NOT_THIS_NEIGHBORHOOD)


def coordinated_filter(viewer: Viewer) -> dict[str, Any]:
    """Query filter keeping only rows of the viewer's neighbourhoods."""
    if ALL_NEIGHBORHOODS in viewer.neighborhoods:
        return {}
    return {"neighborhood__in": sorted(viewer.neighborhoods)}
