"""Who is asking: a pseudonym, scopes and neighbourhoods, from a verified token or nobody."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

COORDINATOR = "cip:coordinator"
AGGREGATE_READ = "cip:aggregate:read"
ALL_NEIGHBORHOODS = "*"
# FORBIDDEN's message when a token's `nbh` claim does not cover the neighbourhood asked for.
NOT_THIS_NEIGHBORHOOD = (
    "Your token does not act for this neighbourhood; the neighbourhoods a token acts for "
    "are listed in its `nbh` claim."
)


@dataclass(frozen=True)
class Viewer:
    subject: str | None = None  # the base pseudonym; never the raw `sub`, never stored
    scopes: frozenset[str] = field(default_factory=frozenset)
    neighborhoods: frozenset[str] = field(default_factory=frozenset)
    expires_at: float | None = None  # the token's exp (Unix seconds): live streams end there
    # The pseudonym each capability stores (models/pseudonym.py), made by the Authenticator.
    pseudonyms: Mapping[str, str] = field(default_factory=dict, compare=False)

    def as_(self, capability: str) -> str | None:
        """The caller's pseudonym in one capability's rows; None for nobody. A Viewer made
        without capability pseudonyms (unit tests) uses its subject in every capability."""
        if self.subject is None:
            return None
        return self.pseudonyms.get(capability, self.subject)

    @property
    def authenticated(self) -> bool:
        return self.subject is not None

    @property
    def is_coordinator(self) -> bool:
        return COORDINATOR in self.scopes

    @property
    def is_aggregate_client(self) -> bool:
        """A machine client that may read aggregate fields only."""
        return AGGREGATE_READ in self.scopes and not self.is_coordinator

    def acts_for(self, neighborhood: str | None) -> bool:
        if neighborhood is None:
            return ALL_NEIGHBORHOODS in self.neighborhoods
        return ALL_NEIGHBORHOODS in self.neighborhoods or neighborhood in self.neighborhoods

    def coordinates(self, neighborhood: str | None) -> bool:
        """A coordinator acting for this neighbourhood (None: global, needs nbh "*")."""
        return self.is_coordinator and self.acts_for(neighborhood)


ANONYMOUS = Viewer()


class HasViewer(Protocol):
    @property
    def viewer(self) -> Viewer: ...
