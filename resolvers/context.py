"""The per-request context: the Viewer, a fresh Sealer (its key cache), the clock, the policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auth.viewer import Viewer
from models.clock import Clock
from models.sealing import Sealer


@dataclass(frozen=True)
class Policy:
    """The service's settings that use cases need, taken from the one settings object."""

    pseudonym_key: bytes
    issuer: str
    update_ttl_days: int = 30
    wellbeing_days: int = 14
    min_cell_coordinator: int = 5
    min_cell_ai: int = 11
    rounding_key: bytes = b""  # the aggregate rounding key (auth.privacy.rounding_key)
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
