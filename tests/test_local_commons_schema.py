"""The Local Commons types match the contract, including the two requestLocalCommonsHelp
waits for (wired by the circles work)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import strawberry
from strawberry.printer import print_schema

from schema.build import export_sdl
from schema.local_commons import HelpRequestInput, HelpRequestReceipt

pytestmark = pytest.mark.unit


def _types(sdl: str) -> dict[str, str]:
    """Type name -> its body with descriptions and whitespace dropped."""
    sdl = re.sub(r'"""[\s\S]*?"""|"[^"\n]*"', "", sdl)
    found = re.findall(r"(?:type|input|enum)\s+(\w+)[^{]*\{([^}]*)\}", sdl)
    return {name: " ".join(body.split()) for name, body in found}


def test_raise_steward_alert_and_urgency_are_exported() -> None:
    types = _types(export_sdl())
    assert (
        "raiseStewardAlert(neighborhood: ID!, urgency: Urgency!): Boolean! @authenticated"
        in (types["Mutation"])
    )
    assert types["Urgency"] == "SOON TODAY NOW"


def test_help_request_types_match_the_contract() -> None:
    @strawberry.type
    class Query:
        @strawberry.field
        def probe(self, input: HelpRequestInput) -> HelpRequestReceipt:
            raise NotImplementedError

    types = _types(print_schema(strawberry.Schema(query=Query)))
    assert types["HelpRequestInput"] == "title: String! details: String! neededOn: Date"
    assert types["HelpRequestReceipt"] == "forwarded: Boolean! localCommonsReference: String"


def test_help_request_input_hands_over_only_what_was_typed() -> None:
    typed = HelpRequestInput(title="t", details="d")
    assert typed.to_request().needed_on is None
    day = HelpRequestInput(title="t", details="d", needed_on=dt.date(2026, 1, 2))
    assert day.to_request().needed_on == dt.date(2026, 1, 2)
