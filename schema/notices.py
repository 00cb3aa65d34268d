"""The scope notice every type that could be mistaken for care services carries."""

from __future__ import annotations

NOT_CLINICAL = (
    " CIP is not therapy, not crisis intervention and not clinical care, and it does not "
    "replace professional support: in danger, call emergency services; careScope and the "
    "resource directory point to real help."
)
