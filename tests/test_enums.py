"""Domain enums are the schema's enums: one class each, no twin in schema/."""

from __future__ import annotations

import enum
import re

import pytest
from strawberry.types.enum import StrawberryEnumDefinition

from resolvers.enums import CareEnum
from schema.build import build_schema, export_sdl

pytestmark = pytest.mark.unit


def _schema_enums() -> dict[str, type[enum.Enum]]:
    """Every enum the built schema declares, by GraphQL name, with the class it wraps."""
    type_map = build_schema().schema_converter.type_map
    found = {}
    for name, concrete in type_map.items():
        definition = concrete.definition
        if isinstance(definition, StrawberryEnumDefinition) and definition.print_definition:
            found[name] = definition.wrapped_cls
    return found


def _subclasses(cls: type[CareEnum]) -> list[type[CareEnum]]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_subclasses(sub))]


def test_every_schema_enum_is_a_domain_enum_of_the_resolvers() -> None:
    enums = _schema_enums()
    assert set(enums) == set(re.findall(r"^enum (\w+)", export_sdl(), re.MULTILINE))
    for name, cls in enums.items():
        assert issubclass(cls, CareEnum), f"{name} wraps {cls!r}, not a CareEnum"
        assert cls.__module__.startswith("resolvers."), f"{name} is declared in {cls.__module__}"


def test_every_domain_enum_value_is_its_name() -> None:
    build_schema()  # imports every capability
    classes = _subclasses(CareEnum)
    assert len(classes) >= 12
    for cls in classes:
        for member in cls:
            assert member.value == member.name, f"{cls.__name__}.{member.name} = {member.value!r}"
            assert member == member.name  # a member is the text its row stores
