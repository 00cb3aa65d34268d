"""Which neighbourhoods a coordinator acts for, folded into queries."""

from __future__ import annotations

from typing import Any

from auth.viewer import ALL_NEIGHBORHOODS, Viewer
from models.errors import Forbidden


def require_coordinator(viewer: Viewer, neighborhood: str | None = None) -> None:
    """FORBIDDEN unless a coordinator (for ``neighborhood`` when one is named)."""
    if not viewer.is_coordinator:
        raise Forbidden("Only care coordinators may do this.")
    if neighborhood is not None and not viewer.coordinates(neighborhood):
        raise Forbidden("You do not coordinate this neighbourhood.")


def coordinated_filter(viewer: Viewer) -> dict[str, Any]:
    """Query filter keeping only rows of the viewer's neighbourhoods."""
    if ALL_NEIGHBORHOODS in viewer.neighborhoods:
        return {}
    return {"neighborhood__in": sorted(viewer.neighborhoods)}
