"""Where CIP could be mistaken for care services, its schema says plainly what it is not."""

from __future__ import annotations

import pytest
from graphql import ObjectTypeDefinitionNode, parse

from schema.build import export_sdl
from tests.support import LiveServer

PHRASES = ("not therapy", "not crisis intervention", "not clinical care")
DESCRIPTIONS = {
    node.name.value: (node.description.value if node.description else "")
    for node in parse(export_sdl()).definitions
    if isinstance(node, ObjectTypeDefinitionNode)
}


@pytest.mark.parametrize("type_name", ["SupportCircle", "RepairThread", "SupportAsk", "CareScope"])
def test_type_descriptions_say_what_cip_is_not(type_name: str) -> None:
    text = DESCRIPTIONS[type_name].lower()
    for phrase in PHRASES:
        assert phrase in text, f"{type_name} description lacks {phrase!r}"


def test_care_scope_lists_it(server: LiveServer) -> None:
    listed = " ".join(server.gql("{ careScope { isNot } }").data["careScope"]["isNot"]).lower()
    for phrase in (*PHRASES, "not a replacement for professional support"):
        assert phrase in listed
