"""The partition rules, as pure functions over SDL text.

CIP shares nothing with Local Commons but built-in scalars and federation's own machinery:
no entity (no ``@key``, resolvable or not, no ``_entities``), no type name defined on both
sides, and no field, argument or input field on either side naming a type of the other. Each
function answers a list of reasons, one line each; an empty list means the rule holds. The
composition itself is run by ``subgraph.composition``; these rules read its output.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ConstValueNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    GraphQLSyntaxError,
    InputValueDefinitionNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    Node,
    NonNullTypeNode,
    ObjectValueNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
    Visitor,
    parse,
    print_ast,
    visit,
)
from graphql.language.visitor import REMOVE

BUILTIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})
ROOT_TYPES = frozenset({"Query", "Mutation", "Subscription"})
# Prefixes of the names federation, link and join define in every subgraph or supergraph.
MACHINERY_PREFIXES = (
    "_",
    "link__",
    "join__",
    "federation__",
    "connect__",
    "requiresScopes__",
    "policy__",
)
# Names federation's @link imports bring in unprefixed (scalars and enums only).
MACHINERY_IMPORTS = frozenset(
    {"FieldSet", "Scope", "Policy", "Import", "Purpose", "ContextFieldValue"}
)
FEDERATION_SPEC = "https://specs.apollo.dev/federation/"


class SdlError(ValueError):
    """An SDL text that does not parse; the message names the subgraph."""


def parse_sdl(name: str, sdl: str) -> DocumentNode:
    try:
        return parse(sdl, no_location=True)
    except GraphQLSyntaxError as error:
        raise SdlError(f"{name}: SDL does not parse: {error.message}") from error


def _is_machinery(name: str, node: TypeDefinitionNode | TypeExtensionNode) -> bool:
    if name.startswith(MACHINERY_PREFIXES):
        return True
    machinery_kinds = (
        ScalarTypeDefinitionNode,
        ScalarTypeExtensionNode,
        EnumTypeDefinitionNode,
        EnumTypeExtensionNode,
    )
    return name in MACHINERY_IMPORTS and isinstance(node, machinery_kinds)


def _type_nodes(doc: DocumentNode) -> Iterator[TypeDefinitionNode | TypeExtensionNode]:
    for node in doc.definitions:
        if isinstance(node, (TypeDefinitionNode, TypeExtensionNode)):
            yield node


def defined_types(doc: DocumentNode) -> set[str]:
    """Names a subgraph defines or extends, without built-ins, roots and federation's own."""
    names: set[str] = set()
    for node in _type_nodes(doc):
        name = node.name.value
        if name in BUILTIN_SCALARS or name in ROOT_TYPES or _is_machinery(name, node):
            continue
        names.add(name)
    return names


def _named(type_node: TypeNode) -> str:
    while isinstance(type_node, (ListTypeNode, NonNullTypeNode)):
        type_node = type_node.type
    assert isinstance(type_node, NamedTypeNode)
    return type_node.name.value


@dataclass(frozen=True)
class Reference:
    """A field, argument or input field and the type it names."""

    where: str
    type_name: str


def references(doc: DocumentNode) -> Iterator[Reference]:
    for node in _type_nodes(doc):
        owner = node.name.value
        for member in getattr(node, "fields", None) or ():
            if isinstance(member, FieldDefinitionNode):
                yield Reference(f"{owner}.{member.name.value}", _named(member.type))
                for arg in member.arguments or ():
                    where = f"{owner}.{member.name.value}({arg.name.value}:)"
                    yield Reference(where, _named(arg.type))
            elif isinstance(member, InputValueDefinitionNode):
                yield Reference(f"{owner}.{member.name.value}", _named(member.type))
        for iface in getattr(node, "interfaces", None) or ():
            yield Reference(f"{owner} implements", iface.name.value)
        for union_member in getattr(node, "types", None) or ():
            yield Reference(f"{owner} member", union_member.name.value)


# ---------------------------------------------------------------- @link import resolution
def _string(value: ConstValueNode | None) -> str | None:
    return value.value if isinstance(value, StringValueNode) else None


def _argument(directive: DirectiveNode, name: str) -> ConstValueNode | None:
    for arg in directive.arguments or ():
        if arg.name.value == name:
            return arg.value  # type: ignore[return-value]
    return None


def federation_directive_names(doc: DocumentNode, directive: str) -> set[str]:
    """Every name under which this subgraph can write federation's ``@directive``: the
    namespaced form (``federation__key`` or the link's ``as``) and any import or alias."""
    names = {f"federation__{directive}"}
    for node in doc.definitions:
        if not isinstance(node, (SchemaDefinitionNode, SchemaExtensionNode)):
            continue
        for link in node.directives or ():
            url = _string(_argument(link, "url"))
            if link.name.value != "link" or not url or not url.startswith(FEDERATION_SPEC):
                continue
            alias = _string(_argument(link, "as"))
            if alias:
                names.add(f"{alias}__{directive}")
            imports = _argument(link, "import")
            entries = imports.values if isinstance(imports, ListValueNode) else ()
            for entry in entries:
                if _string(entry) == f"@{directive}":
                    names.add(directive)
                elif isinstance(entry, ObjectValueNode):
                    fields = {f.name.value: _string(f.value) for f in entry.fields}
                    if fields.get("name") == f"@{directive}":
                        names.add((fields.get("as") or f"@{directive}").lstrip("@"))
    # A Federation 1 style subgraph (no @link) writes @key bare.
    names.add(directive)
    return names


# ---------------------------------------------------------------- the rules
def cip_declares_no_entity(cip_sdl: str) -> list[str]:
    """CIP may declare no ``@key`` (resolvable or not), no ``_entities`` and no ``_Entity``."""
    doc = parse_sdl("cip", cip_sdl)
    key_names = federation_directive_names(doc, "key")
    reasons: list[str] = []
    for node in _type_nodes(doc):
        for directive in node.directives or ():
            if directive.name.value in key_names:
                reasons.append(f"CIP declares @key on {node.name.value}: CIP has no entities")
        if node.name.value == "_Entity":
            reasons.append("CIP declares the _Entity union: CIP has no entities")
        if node.name.value in ROOT_TYPES:
            for member in getattr(node, "fields", None) or ():
                if member.name.value == "_entities":
                    reasons.append(f"CIP declares {node.name.value}._entities: no entities")
    return reasons


def _cip_graph(doc: DocumentNode, subgraph_name: str) -> str | None:
    for node in doc.definitions:
        if isinstance(node, EnumTypeDefinitionNode) and node.name.value == "join__Graph":
            for value in node.values or ():
                for directive in value.directives or ():
                    name = _string(_argument(directive, "name"))
                    if directive.name.value == "join__graph" and name == subgraph_name:
                        return value.name.value
    return None


def supergraph_has_no_cip_key(supergraph_sdl: str, *, cip_name: str = "cip") -> list[str]:
    """No ``@join__type(graph: CIP, key: ...)`` in the composed supergraph."""
    doc = parse_sdl("supergraph", supergraph_sdl)
    graph = _cip_graph(doc, cip_name)
    if graph is None:
        return [f"the supergraph has no join__Graph value for the subgraph {cip_name!r}"]
    reasons: list[str] = []
    for node in _type_nodes(doc):
        for directive in node.directives or ():
            if directive.name.value != "join__type":
                continue
            on_cip = getattr(_argument(directive, "graph"), "value", None) == graph
            if on_cip and _argument(directive, "key") is not None:
                reasons.append(
                    f"the supergraph joins {node.name.value} to CIP with a key: "
                    "CIP must hold no entity"
                )
    return reasons


def no_shared_types(cip_sdl: str, others: Mapping[str, str]) -> list[str]:
    """No type name (but built-in scalars and federation's own) on both sides."""
    cip_types = defined_types(parse_sdl("cip", cip_sdl))
    reasons: list[str] = []
    for name, sdl in others.items():
        shared = sorted(cip_types & defined_types(parse_sdl(name, sdl)))
        reasons.extend(
            f"type {t} is defined by both CIP and {name}: they may share no type" for t in shared
        )
    return reasons


def _crossing(from_name: str, doc: DocumentNode, to_name: str, to_types: set[str]) -> Iterable[str]:
    for ref in references(doc):
        if ref.type_name in to_types:
            yield f"{from_name}'s {ref.where} names {ref.type_name}, a type of {to_name}"


def no_cross_references(cip_sdl: str, others: Mapping[str, str]) -> list[str]:
    """No field, argument or input field of either side names a type of the other."""
    cip_doc = parse_sdl("cip", cip_sdl)
    cip_types = defined_types(cip_doc)
    reasons: list[str] = []
    for name, sdl in others.items():
        doc = parse_sdl(name, sdl)
        reasons.extend(_crossing("CIP", cip_doc, name, defined_types(doc)))
        reasons.extend(_crossing(name, doc, "CIP", cip_types))
    return reasons


def partition_reasons(
    cip_sdl: str, others: Mapping[str, str], supergraphs: Iterable[str] = ()
) -> list[str]:
    """Every rule at once, over the subgraph SDLs and any composed supergraph."""
    try:
        reasons = cip_declares_no_entity(cip_sdl)
        reasons += no_shared_types(cip_sdl, others)
        reasons += no_cross_references(cip_sdl, others)
        for supergraph in supergraphs:
            reasons += [r for r in supergraph_has_no_cip_key(supergraph) if r not in reasons]
    except SdlError as error:
        return [str(error)]
    return reasons


# ---------------------------------------------------------------- gateways
SECURITY_FEATURES = (
    "https://specs.apollo.dev/authenticated/",
    "https://specs.apollo.dev/requiresScopes/",
    "https://specs.apollo.dev/policy/",
)


def _security_names(doc: DocumentNode) -> tuple[set[str], set[str]]:
    """The directive and type names the supergraph's SECURITY links bring in."""
    directives: set[str] = set()
    types: set[str] = set()
    for node in doc.definitions:
        if not isinstance(node, (SchemaDefinitionNode, SchemaExtensionNode)):
            continue
        for link in node.directives or ():
            url = _string(_argument(link, "url")) or ""
            if link.name.value != "link" or not url.startswith(SECURITY_FEATURES):
                continue
            feature = url.rstrip("/").split("/")[-2]
            alias = _string(_argument(link, "as")) or feature
            directives.add(alias)
            types.add(f"{alias}__")  # a prefix: requiresScopes__Scope, policy__Policy
    return directives, types


def without_security_features(supergraph_sdl: str) -> str:
    """The supergraph without its SECURITY features (@authenticated, @requiresScopes,
    @policy): their @link, their definitions and every use. A gateway that does not know
    them (@apollo/gateway) refuses a supergraph that links them; what it then serves
    enforces none of them, and CIP enforces them all itself."""
    doc = parse_sdl("supergraph", supergraph_sdl)
    directives, prefixes = _security_names(doc)
    if not directives:
        return supergraph_sdl
    prefix_tuple = tuple(prefixes)

    def is_security_link(d: DirectiveNode) -> bool:
        url = _string(_argument(d, "url")) or ""
        return d.name.value == "link" and url.startswith(SECURITY_FEATURES)

    class Strip(Visitor):
        def enter(self, node: Node, *_: Any) -> Any:
            if isinstance(node, DirectiveNode) and (
                node.name.value in directives or is_security_link(node)
            ):
                return REMOVE
            if isinstance(node, DirectiveDefinitionNode) and node.name.value in directives:
                return REMOVE
            if isinstance(node, TypeDefinitionNode) and node.name.value.startswith(prefix_tuple):
                return REMOVE
            return None

    return print_ast(visit(doc, Strip())) + "\n"
