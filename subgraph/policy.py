"""The Policy the use cases see, taken once from the settings."""

from __future__ import annotations

from resolvers.aggregates.perturbation import noise_key
from resolvers.request import Policy
from subgraph.settings import Settings


def policy_from(settings: Settings) -> Policy:
    return Policy(
        pseudonym_key=settings.pseudonym_key,
        issuer=settings.jwt_issuer,
        update_ttl_days=settings.update_ttl_days,
        wellbeing_days=settings.wellbeing_days,
        min_cell_coordinator=settings.min_cell_coordinator,
        min_cell_ai=settings.min_cell_ai,
        noise_key=noise_key(settings.pseudonym_key),
        local_commons_url=settings.local_commons_url,
    )
