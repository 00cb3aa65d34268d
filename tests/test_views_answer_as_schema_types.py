"""The circle page's members, updates and rota slots are answered from the views themselves
(schema/circles/types.py: one conversion, rows to views): every field of each schema type
must be an attribute of its view, of a type the field answers."""

from __future__ import annotations

import dataclasses
import uuid
from typing import get_type_hints

import pytest
from strawberry.types.base import get_object_definition

from resolvers.circles import views
from schema.circles.types import CircleMember, CircleUpdate, RotaSlot

pytestmark = pytest.mark.unit

PAIRS = [
    (CircleMember, views.MemberView),
    (CircleUpdate, views.UpdateView),
    (RotaSlot, views.SlotView),
]


@pytest.mark.parametrize(("schema_type", "view"), PAIRS, ids=lambda t: t.__name__)
def test_every_field_of_the_schema_type_is_an_attribute_of_its_view(
    schema_type: type, view: type
) -> None:
    definition = get_object_definition(schema_type, strict=True)
    hints = get_type_hints(view, vars(views))
    attributes = {f.name for f in dataclasses.fields(view)}
    for field in definition.fields:
        assert field.base_resolver is None, f"{schema_type.__name__}.{field.python_name}"
        assert field.python_name in attributes, f"{view.__name__} has no {field.python_name}"
        if field.python_name == "id":
            assert hints["id"] is uuid.UUID  # answered as its text (schema/compiled.py)
    nested = {"author": views.MemberView, "holder": views.MemberView}
    for name, expected in nested.items():
        if name in attributes:
            assert hints[name] == expected | None
