"""The served schema contains the whole API contract: names, arguments, defaults, nullability.

tests/fixtures/contract.graphql is a copy of the shared contract (../shared/contract/cip.graphql,
which must stay identical when it is present beside the project).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    DirectiveDefinitionNode,
    EnumTypeDefinitionNode,
    InputObjectTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    parse,
    print_ast,
)

from schema.build import export_sdl

pytestmark = pytest.mark.unit

HERE = Path(__file__).resolve().parent
CONTRACT = HERE / "fixtures" / "contract.graphql"
SHARED = HERE.parent.parent / "shared" / "contract" / "cip.graphql"


def _shape(sdl: str) -> dict[str, dict[str, str]]:
    """type name -> member name -> its printed signature (type, arguments, defaults)."""
    shapes: dict[str, dict[str, str]] = {}
    for node in parse(sdl).definitions:
        if isinstance(node, ObjectTypeDefinitionNode):
            members = {}
            for f in node.fields or ():
                args = ", ".join(
                    f"{a.name.value}: {print_ast(a.type)}"
                    + (f" = {print_ast(a.default_value)}" if a.default_value else "")
                    for a in f.arguments or ()
                )
                members[f.name.value] = f"({args}): {print_ast(f.type)}"
            shapes.setdefault(node.name.value, {}).update(members)
        elif isinstance(node, InputObjectTypeDefinitionNode):
            shapes[node.name.value] = {
                f.name.value: print_ast(f.type)
                + (f" = {print_ast(f.default_value)}" if f.default_value else "")
                for f in node.fields or ()
            }
        elif isinstance(node, EnumTypeDefinitionNode):
            shapes[node.name.value] = {v.name.value: "enum value" for v in node.values or ()}
        elif isinstance(node, ScalarTypeDefinitionNode):
            shapes[node.name.value] = {}
        elif isinstance(node, DirectiveDefinitionNode):
            shapes["@" + node.name.value] = {
                a.name.value: print_ast(a.type)
                + (f" = {print_ast(a.default_value)}" if a.default_value else "")
                for a in node.arguments or ()
            }
    return shapes


CONTRACT_SHAPE = _shape(CONTRACT.read_text())
SERVED_SHAPE = _shape(export_sdl())


def test_the_fixture_is_the_shared_contract() -> None:
    if SHARED.exists():
        assert SHARED.read_text() == CONTRACT.read_text(), "copy the new contract into fixtures"


@pytest.mark.parametrize("type_name", sorted(CONTRACT_SHAPE))
def test_served_schema_has_every_contract_member(type_name: str) -> None:
    served = SERVED_SHAPE.get(type_name)
    assert served is not None, f"{type_name} is missing from the served schema"
    for member, signature in CONTRACT_SHAPE[type_name].items():
        assert served.get(member) == signature, f"{type_name}.{member}"
