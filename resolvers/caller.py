"""The caller's pseudonym, for use cases behind @authenticated fields."""

from __future__ import annotations

from auth.viewer import Viewer
from models.errors import Unauthenticated


def subject(viewer: Viewer) -> str:
    if viewer.subject is None:  # the field guard refuses this first; kept as a second wall
        raise Unauthenticated()
    return viewer.subject
