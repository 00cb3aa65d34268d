"""Root fields for support circles: thin resolvers calling one use case each."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from resolvers.circles import closing as circle_closing
from resolvers.circles import coordination as circle_coordination
from resolvers.circles import forming as circle_forming
from resolvers.circles import invites as circle_invites
from resolvers.circles import reads as circle_reads
from resolvers.circles.rules import Role
from resolvers.request import CareContext
from schema.circles.types import (
    CircleInvite,
    CircleUpdate,
    FormCircleInput,
    RotaSlot,
    SupportCircle,
    unset_to_none,
)
from schema.fields import member_field, member_mutation

Ctx = Info[CareContext, None]


async def resolve_my_circles(info: Ctx) -> list[SupportCircle]:
    return [SupportCircle.from_view(v) for v in await circle_reads.my_circles(info.context)]


async def resolve_circle(info: Ctx, id: strawberry.ID) -> SupportCircle | None:
    return SupportCircle.from_view(await circle_reads.circle(info.context, id))


@strawberry.type
class CircleQuery:
    my_circles: list[SupportCircle] = member_field(
        resolve_my_circles, description="The circles the caller is in, as member or facilitator."
    )
    circle: SupportCircle | None = member_field(
        resolve_circle,
        description="One of the caller's circles. Any other id answers NOT_FOUND, whether the "
        "circle exists or not.",
    )


async def form_circle(info: Ctx, input: FormCircleInput) -> SupportCircle:
    request = circle_forming.FormCircleRequest(
        neighborhood=input.neighborhood,
        focus=input.focus,
        display_name=input.display_name,
        role=input.role,
        from_hold=unset_to_none(input.from_hold),
    )
    return SupportCircle.from_view(await circle_forming.form_circle(info.context, request))


async def create_circle_invite(
    info: Ctx, circle_id: strawberry.ID, role: Role = Role.SUPPORTER
) -> CircleInvite:
    view = await circle_invites.create_invite(info.context, circle_id, role)
    return CircleInvite.from_view(view)


async def join_circle(info: Ctx, code: str, display_name: str) -> SupportCircle:
    return SupportCircle.from_view(
        await circle_invites.join_circle(info.context, code, display_name)
    )


async def leave_circle(info: Ctx, circle_id: strawberry.ID) -> bool:
    return await circle_closing.leave_circle(info.context, circle_id)


async def post_circle_update(info: Ctx, circle_id: strawberry.ID, body: str) -> CircleUpdate:
    view = await circle_coordination.post_update(info.context, circle_id, body)
    return CircleUpdate.from_view(view)


async def set_circle_rhythm(
    info: Ctx, circle_id: strawberry.ID, rhythm: str | None = strawberry.UNSET
) -> SupportCircle:
    # An omitted rhythm clears it, like an explicit null.
    view = await circle_coordination.set_rhythm(info.context, circle_id, unset_to_none(rhythm))
    return SupportCircle.from_view(view)


async def add_rota_slot(info: Ctx, circle_id: strawberry.ID, on: dt.date, task: str) -> RotaSlot:
    view = await circle_coordination.add_rota_slot(info.context, circle_id, on, task)
    return RotaSlot.from_view(view)


async def take_rota_slot(info: Ctx, slot_id: strawberry.ID) -> RotaSlot:
    return RotaSlot.from_view(await circle_coordination.take_rota_slot(info.context, slot_id))


async def pause_circle(info: Ctx, circle_id: strawberry.ID) -> SupportCircle:
    return SupportCircle.from_view(await circle_coordination.pause_circle(info.context, circle_id))


async def resume_circle(info: Ctx, circle_id: strawberry.ID) -> SupportCircle:
    view = await circle_coordination.resume_circle(info.context, circle_id)
    return SupportCircle.from_view(view)


async def close_circle(info: Ctx, circle_id: strawberry.ID) -> bool:
    return await circle_closing.close_circle(info.context, circle_id)


@strawberry.type
class CircleMutation:
    form_circle: SupportCircle = member_mutation(
        form_circle,
        description="Form a circle: as FACILITATOR (a coordinator of the neighbourhood), FOCUS "
        "or SUPPORTER.",
    )
    create_circle_invite: CircleInvite = member_mutation(
        create_circle_invite,
        description="A single-use code for one person to join in a role, valid seven days.",
    )
    join_circle: SupportCircle = member_mutation(
        join_circle,
        description="Join with an invite code; a circle holds at most 8 members.",
        redeems_code=True,
    )
    leave_circle: bool = member_mutation(
        leave_circle,
        description="Leave the circle; your display name goes with you. A circle left with "
        "nobody in it closes.",
    )
    post_circle_update: CircleUpdate = member_mutation(
        post_circle_update, description="Post an update; it expires and is deleted."
    )
    set_circle_rhythm: SupportCircle = member_mutation(
        set_circle_rhythm, description="Set the check-in rhythm; null clears it."
    )
    add_rota_slot: RotaSlot = member_mutation(
        add_rota_slot, description="Add a task on a day to the circle's rota."
    )
    take_rota_slot: RotaSlot = member_mutation(take_rota_slot, description="Take a free rota slot.")
    pause_circle: SupportCircle = member_mutation(
        pause_circle, description="Pause an active circle (the facilitator or focus member)."
    )
    resume_circle: SupportCircle = member_mutation(
        resume_circle, description="Resume a paused circle."
    )
    close_circle: bool = member_mutation(
        close_circle,
        description="Close the circle: everything in it is deleted and its key destroyed; "
        "only anonymous counts remain.",
    )
