"""The one base of CIP's domain enums.

A domain enum is a ``CareEnum``: a ``StrEnum`` whose values are its member names. One class
serves every layer: the rules compare its members, the rows store them as that same text (a
member is a ``str``), and the module that defines it registers the class itself with
``strawberry.enum`` under its GraphQL name and description. ``schema/`` declares no enum of
its own, so there is no twin to convert to or from.
"""

from __future__ import annotations

from enum import StrEnum


class CareEnum(StrEnum):
    """Base of every domain enum; each member's value is its name (a test checks)."""
