"""Support circle types: SupportCircle, CircleMember, CircleUpdate, RotaSlot, CircleInvite."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, TypeVar, cast

import strawberry
from strawberry.types import Info

from resolvers.circles import rules as circle_rules
from resolvers.circles.rules import Role
from resolvers.circles.status import Status
from resolvers.circles.views import CircleView, InviteView, MemberView, SlotView, UpdateView
from resolvers.request import CareContext
from schema.circles.loaders import circle_loaders
from schema.notices import NOT_CLINICAL

T = TypeVar("T")


def unset_to_none(value: T | None) -> T | None:
    """An omitted optional argument (UNSET) means the same as null."""
    return None if value is strawberry.UNSET else value


@strawberry.type(
    description="Someone in a circle, as the circle knows them. The id is local to this "
    "circle: the same person has another id in another circle."
)
class CircleMember:
    id: strawberry.ID
    display_name: str
    role: Role
    is_me: bool

    @classmethod
    def from_view(cls, view: MemberView) -> CircleMember:
        return cls(
            id=strawberry.ID(str(view.id)),
            display_name=view.display_name,
            role=view.role,
            is_me=view.is_me,
        )


def _member_or_none(view: MemberView | None) -> CircleMember | None:
    return None if view is None else CircleMember.from_view(view)


@strawberry.type(description="A note to the circle; it is deleted when it expires.")
class CircleUpdate:
    id: strawberry.ID
    body: str
    posted_on: dt.date
    expires_on: dt.date = strawberry.field(
        description="The day the update is deleted from the database."
    )
    author: CircleMember | None = strawberry.field(
        description="Who posted it; null once they have left the circle."
    )

    @classmethod
    def from_view(cls, view: UpdateView) -> CircleUpdate:
        return cls(
            id=strawberry.ID(str(view.id)),
            body=view.body,
            posted_on=view.posted_on,
            expires_on=view.expires_on,
            author=_member_or_none(view.author),
        )


@strawberry.type(description="A day's task in the circle's rota, and who has taken it.")
class RotaSlot:
    id: strawberry.ID
    on: dt.date
    task: str
    holder: CircleMember | None = strawberry.field(
        description="The member who took the slot; null while it is free."
    )

    @classmethod
    def from_view(cls, view: SlotView) -> RotaSlot:
        return cls(
            id=strawberry.ID(str(view.id)),
            on=view.on,
            task=view.task,
            holder=_member_or_none(view.holder),
        )


@strawberry.type(
    description="A small private group holding one person, situation or difficulty over time. "
    "Visible only to its members and its facilitator." + NOT_CLINICAL
)
class SupportCircle:
    id: strawberry.ID
    neighborhood: strawberry.ID
    focus: str = strawberry.field(
        description="The members' own words for who or what the circle holds."
    )
    status: Status
    my_role: Role
    rhythm: str | None = strawberry.field(description="The agreed check-in rhythm, free text.")
    formed_on: dt.date
    circle_id: strawberry.Private[uuid.UUID]

    async def _members(self, info: Info[CareContext, None]) -> list[CircleMember]:
        loaders = circle_loaders(info.context)
        # The views themselves: CircleMember's fields are theirs by name (one conversion,
        # rows to views; the executors read the fields off the view, ids as text).
        return cast(list[CircleMember], await loaders.members.load(self.circle_id))

    members = strawberry.field(
        resolver=_members,
        description="Everyone in the circle, the facilitator first.",
    )

    async def _updates(self, info: Info[CareContext, None], first: int = 20) -> list[CircleUpdate]:
        first = circle_rules.updates_first(first)
        loaders = circle_loaders(info.context)
        # The views themselves, their authors too (see _members).
        return cast(list[CircleUpdate], await loaders.updates.load((self.circle_id, first)))

    updates = strawberry.field(
        resolver=_updates,
        description="The newest live updates, newest first (first: 1 to 100).",
    )

    async def _rota(
        self,
        info: Info[CareContext, None],
        from_: Annotated[dt.date | None, strawberry.argument(name="from")] = strawberry.UNSET,
        to: dt.date | None = strawberry.UNSET,
    ) -> list[RotaSlot]:
        start, end = circle_rules.rota_range(
            unset_to_none(from_), unset_to_none(to), info.context.clock.today()
        )
        loaders = circle_loaders(info.context)
        # The views themselves, their holders too (see _members).
        return cast(list[RotaSlot], await loaders.rota.load((self.circle_id, start, end)))

    rota = strawberry.field(
        resolver=_rota,
        description="Rota slots between two days, inclusive; from defaults to today and to to "
        "no end.",
    )

    @classmethod
    def from_view(cls, view: CircleView) -> SupportCircle:
        return cls(
            id=strawberry.ID(str(view.id)),
            neighborhood=strawberry.ID(view.neighborhood),
            focus=view.focus,
            status=view.status,
            my_role=view.my_role,
            rhythm=view.rhythm,
            formed_on=view.formed_on,
            circle_id=view.id,
        )


@strawberry.type(description="A single-use code to join a circle in a role, valid seven days.")
class CircleInvite:
    code: str
    role: Role
    expires_on: dt.date = strawberry.field(description="The first day the code no longer works.")

    @classmethod
    def from_view(cls, view: InviteView) -> CircleInvite:
        return cls(code=view.code, role=view.role, expires_on=view.expires_on)


@strawberry.input(description="What a new circle starts from.")
class FormCircleInput:
    neighborhood: strawberry.ID
    focus: str = strawberry.field(
        description="The members' own words for who or what the circle holds (up to 200 "
        "characters)."
    )
    display_name: str = strawberry.field(
        description="How the caller appears inside this circle (up to 60 characters)."
    )
    role: Role = strawberry.field(
        description="The caller's role: FACILITATOR (a coordinator of the neighbourhood), FOCUS "
        "(a circle around themselves) or SUPPORTER."
    )
    from_hold: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="A care hold of the calling coordinator that this circle picks up; the "
        "hold then counts as CIRCLE_FORMED.",
    )
