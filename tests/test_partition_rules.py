"""The partition rules as pure functions over SDL text (no Node needed)."""

from __future__ import annotations

import pytest

from schema.build import export_sdl
from subgraph.partition import (
    cip_declares_no_entity,
    defined_types,
    no_cross_references,
    no_shared_types,
    parse_sdl,
    partition_reasons,
    supergraph_has_no_cip_key,
)

pytestmark = pytest.mark.unit

FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: {imports})\n'
LOCAL = (
    FED.format(imports='["@key"]')
    + """
type Member @key(fields: "id") { id: ID! name: String! }
type Query { member(id: ID!): Member }
"""
)


def cip(body: str, imports: str = "[]") -> str:
    return FED.format(imports=imports) + "type CareScope { isNot: [String!]! }\n" + body


def test_the_real_cip_schema_holds_beside_local_commons() -> None:
    assert partition_reasons(export_sdl(), {"local_commons": LOCAL}) == []


def test_machinery_and_builtins_are_not_counted_as_types() -> None:
    sdl = """
    scalar _Any
    type _Service { sdl: String! }
    scalar link__Import
    enum link__Purpose { SECURITY EXECUTION }
    scalar federation__Scope
    scalar FieldSet
    scalar String
    type Query { x: Int }
    type Mine { a: Int }
    """
    assert defined_types(parse_sdl("t", sdl)) == {"Mine"}


def test_a_type_called_like_an_import_is_still_a_type_when_it_is_an_object() -> None:
    assert defined_types(parse_sdl("t", "type Policy { a: Int }")) == {"Policy"}


def test_key_is_found_imported_namespaced_aliased_and_bare() -> None:
    imported = cip('type Member @key(fields: "id", resolvable: false) { id: ID! }', '["@key"]')
    namespaced = cip('type Member @federation__key(fields: "id") { id: ID! }')
    aliased = cip(
        'type Member @primary(fields: "id") { id: ID! }', '[{name: "@key", as: "@primary"}]'
    )
    bare = 'type Member @key(fields: "id") { id: ID! }'
    for sdl in (imported, namespaced, aliased, bare):
        assert cip_declares_no_entity(sdl) == [
            "CIP declares @key on Member: CIP has no entities"
        ], sdl


def test_key_on_a_type_extension_counts() -> None:
    sdl = cip('extend type Circle @key(fields: "id") { id: ID! }', '["@key"]')
    assert cip_declares_no_entity(sdl)


def test_entities_field_and_union_are_refused() -> None:
    sdl = cip("union _Entity = CareScope\ntype Query { _entities(r: [ID!]!): [_Entity]! }")
    reasons = cip_declares_no_entity(sdl)
    assert any("_Entity union" in r for r in reasons)
    assert any("Query._entities" in r for r in reasons)


def test_a_directive_that_is_not_federations_key_is_fine() -> None:
    assert cip_declares_no_entity(cip("type Circle @aggregateOnly { id: ID! }")) == []


def test_shared_type_names_are_refused_but_builtin_scalars_are_not() -> None:
    sdl = cip("type Member { id: ID! }\nscalar ID")
    assert no_shared_types(sdl, {"local_commons": LOCAL}) == [
        "type Member is defined by both CIP and local_commons: they may share no type"
    ]
    assert no_shared_types(cip("type Query { a: ID }"), {"local_commons": LOCAL}) == []


def test_fields_arguments_and_inputs_naming_the_other_side_are_refused() -> None:
    other = (
        FED.format(imports="[]")
        + """
    input Ask { scope: CareScope }
    type Query { ask(where: CareScope): Int }
    """
    )
    reasons = no_cross_references(cip(""), {"lc": other})
    assert "lc's Ask.scope names CareScope, a type of CIP" in reasons
    assert "lc's Query.ask(where:) names CareScope, a type of CIP" in reasons


def test_interfaces_and_union_members_count_as_references() -> None:
    other = "interface CareScope { isNot: [String!]! }\ntype X implements CareScope { a: Int }"
    reasons = no_cross_references(cip("union U = CareScope"), {"lc": other})
    assert "lc's X implements names CareScope, a type of CIP" in reasons


SUPERGRAPH = """
enum join__Graph {
  CIP @join__graph(name: "cip", url: "http://x")
  LOCAL_COMMONS @join__graph(name: "local_commons", url: "http://y")
}
type Member @join__type(graph: LOCAL_COMMONS, key: "id") {KEYED}
type CareScope @join__type(graph: CIP) { isNot: [String!]! }
"""


def test_supergraph_keys_of_other_graphs_are_fine() -> None:
    assert supergraph_has_no_cip_key(SUPERGRAPH.replace("{KEYED}", "{ id: ID! }")) == []


def test_supergraph_key_joined_to_cip_is_refused() -> None:
    sdl = SUPERGRAPH.replace(
        "{KEYED}", '@join__type(graph: CIP, key: "id", resolvable: false) { id: ID! }'
    )
    assert supergraph_has_no_cip_key(sdl) == [
        "the supergraph joins Member to CIP with a key: CIP must hold no entity"
    ]


def test_supergraph_without_a_cip_graph_is_named() -> None:
    sdl = SUPERGRAPH.replace('CIP @join__graph(name: "cip"', 'C @join__graph(name: "c"')
    assert "no join__Graph value" in supergraph_has_no_cip_key(sdl.replace("{KEYED}", ""))[0]


def test_sdl_that_does_not_parse_is_a_reason_not_a_crash() -> None:
    assert partition_reasons("type {", {"lc": LOCAL}) == [
        "cip: SDL does not parse: Syntax Error: Expected Name, found '{'."
    ]
