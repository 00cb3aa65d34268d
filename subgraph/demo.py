"""`cip demo` (dev only): a demo neighbourhood made through the real operations.

Every write goes through the GraphQL schema as a signed-in caller would make it, with the
service clock moved day by day over the five weeks before today, so the coordination view has
a complete week to release. Then it prints tokens and ready-to-paste queries.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auth.devtokens import mint_dev_token
from auth.viewer import AGGREGATE_READ, COORDINATOR, Viewer
from models.circles import Circle
from models.clock import Clock
from models.pseudonym import capability_pseudonyms, pseudonym
from models.sealing import Sealer
from resolvers.request import CareContext
from schema.build import CipSchema, build_schema
from subgraph.policy import policy_from
from subgraph.runtime import database
from subgraph.settings import Settings

NEIGHBORHOOD = "elm-street"
OTHER_NEIGHBORHOOD = "riverside"
DAYS_BACK = 35
TOKEN_TTL = 8 * 3600


class DemoError(Exception):
    """An operation of the demo failed; the message names it."""


@dataclass(frozen=True)
class Actor:
    sub: str
    scopes: tuple[str, ...] = ()
    nbh: tuple[str, ...] = ()


COORDINATORS = [
    Actor("demo-coordinator-amara", (COORDINATOR,), (NEIGHBORHOOD,)),
    Actor("demo-coordinator-ben", (COORDINATOR,), (NEIGHBORHOOD,)),
    Actor("demo-coordinator-chen", (COORDINATOR,), (NEIGHBORHOOD,)),
]
MEMBERS = [Actor(f"demo-member-{n}") for n in range(1, 19)]
AI_CLIENT = Actor("demo-ai-client", (AGGREGATE_READ,), (NEIGHBORHOOD,))

FOCI = [
    ("Mrs. Alvarez after her hip surgery", "Alvarez circle"),
    ("The Osei family while their father is in hospital", "Osei circle"),
    ("Jun, new to the street and very isolated", "Jun's neighbours"),
    ("Grief support for the Haddad household", "Haddad circle"),
    ("Priya, caring for her mother with dementia", "Priya's circle"),
    ("Getting Tom through his first month sober", "Tom's circle"),
]

Q_OPEN_HOLD = "mutation($n: ID!) { openCareHold(neighborhood: $n) { id } }"
Q_FORM = "mutation($i: FormCircleInput!) { formCircle(input: $i) { id } }"
Q_INVITE = (
    "mutation($c: ID!, $r: CircleRole!) { createCircleInvite(circleId: $c, role: $r) { code } }"
)
Q_JOIN = (
    "mutation($c: String!, $d: String!) { joinCircle(code: $c, displayName: $d) { id status } }"
)
Q_UPDATE = "mutation($c: ID!, $b: String!) { postCircleUpdate(circleId: $c, body: $b) { id } }"
Q_RHYTHM = "mutation($c: ID!, $r: String) { setCircleRhythm(circleId: $c, rhythm: $r) { id } }"
Q_SLOT = (
    "mutation($c: ID!, $o: Date!, $t: String!) "
    "{ addRotaSlot(circleId: $c, on: $o, task: $t) { id } }"
)
Q_TAKE_SLOT = "mutation($s: ID!) { takeRotaSlot(slotId: $s) { id } }"
Q_ASK = "mutation($n: ID!, $t: String!) { askForSupport(neighborhood: $n, note: $t) { id } }"
Q_TAKE_ASK = "mutation($a: ID!) { takeSupportAsk(id: $a) { id } }"
Q_REPAIR = "mutation($i: OpenRepairInput!) { openRepairThread(input: $i) { id } }"
Q_REPAIR_INVITE = (
    "mutation($t: ID!, $r: RepairRole!) { createRepairInvite(threadId: $t, role: $r) { code } }"
)
Q_REPAIR_JOIN = (
    "mutation($c: String!, $d: String!) { joinRepairThread(code: $c, displayName: $d) { id } }"
)
Q_ENTRY = "mutation($t: ID!, $b: String!) { addRepairEntry(threadId: $t, body: $b) { id } }"
Q_RESOURCE = "mutation($i: ResourceInput!) { addResource(input: $i) { id } }"
Q_VIEW = (
    "query($n: ID!) { careCoordinationView(neighborhood: $n) { asOf activeCircles { value } } }"
)


class DemoWorld:
    def __init__(self, settings: Settings, schema: CipSchema, clock: Clock) -> None:
        self._settings = settings
        self._schema = schema
        self._clock = clock
        self._policy = policy_from(settings)
        self.operations = 0

    def viewer(self, actor: Actor) -> Viewer:
        key = self._settings.pseudonym_key
        base = pseudonym(key, self._settings.jwt_issuer, actor.sub)
        return Viewer(
            subject=base,
            scopes=frozenset(actor.scopes),
            neighborhoods=frozenset(actor.nbh),
            pseudonyms=capability_pseudonyms(key, base),
        )

    async def op(self, actor: Actor, document: str, variables: dict[str, Any]) -> Any:
        ctx = CareContext(
            viewer=self.viewer(actor),
            sealer=Sealer(self._settings.master_key, self._clock),
            clock=self._clock,
            policy=self._policy,
        )
        result = await self._schema.execute(document, variable_values=variables, context_value=ctx)
        self.operations += 1
        if result.errors:
            name = document.split("{", 2)[1].split("(")[0].strip()
            raise DemoError(f"{name} failed: {result.errors[0].message}")
        return result.data

    def on(self, day: dt.date) -> None:
        self._clock.set(day)


@dataclass(frozen=True)
class SeededCircle:
    id: str
    facilitator: Actor
    members: list[Actor]


UPCOMING_TASKS = ["Groceries", "Evening visit", "Ride to appointment"]


async def _circle(
    world: DemoWorld, index: int, start: dt.date, members: list[Actor]
) -> SeededCircle:
    coordinator = COORDINATORS[0] if index % 3 != 2 else COORDINATORS[index % 2 + 1]
    focus, _ = FOCI[index]
    world.on(start)
    hold = (await world.op(coordinator, Q_OPEN_HOLD, {"n": NEIGHBORHOOD}))["openCareHold"]["id"]
    world.on(start + dt.timedelta(days=2 + index % 4))
    form_input = {
        "neighborhood": NEIGHBORHOOD,
        "focus": focus,
        "displayName": coordinator.sub.rsplit("-", 1)[1].title(),
        "role": "FACILITATOR",
        "fromHold": hold,
    }
    circle = (await world.op(coordinator, Q_FORM, {"i": form_input}))["formCircle"]["id"]
    roles = ["FOCUS", "SUPPORTER", "SUPPORTER"]
    for member, role in zip(members, roles, strict=True):
        code = (await world.op(coordinator, Q_INVITE, {"c": circle, "r": role}))[
            "createCircleInvite"
        ]["code"]
        name = f"Neighbour {member.sub.rsplit('-', 1)[1]}"
        await world.op(member, Q_JOIN, {"c": code, "d": name})
    await world.op(coordinator, Q_RHYTHM, {"c": circle, "r": "Check in Sundays after dinner"})
    await world.op(members[1], Q_UPDATE, {"c": circle, "b": "Dropped off soup; all well today."})
    slot_day = (start + dt.timedelta(days=9)).isoformat()
    slot = (
        await world.op(coordinator, Q_SLOT, {"c": circle, "o": slot_day, "t": "Ride to clinic"})
    )["addRotaSlot"]["id"]
    await world.op(members[2], Q_TAKE_SLOT, {"s": slot})
    world.on(start + dt.timedelta(days=8))
    await world.op(members[2], Q_UPDATE, {"c": circle, "b": "Rota is full for next week."})
    return SeededCircle(circle, coordinator, members)


async def _upcoming_rota(
    world: DemoWorld, index: int, circle: SeededCircle, today: dt.date
) -> None:
    """Slots in the coming two weeks (a rota query starts today): one taken, one still open."""
    for week in range(2):
        day = (today + dt.timedelta(days=2 + index % 3 + 7 * week)).isoformat()
        variables = {"c": circle.id, "o": day, "t": UPCOMING_TASKS[(index + week) % 3]}
        slot = (await world.op(circle.facilitator, Q_SLOT, variables))["addRotaSlot"]["id"]
        if week == 0:
            await world.op(circle.members[1], Q_TAKE_SLOT, {"s": slot})


async def seed(world: DemoWorld, today: dt.date, say: Callable[[str], None]) -> None:
    first = today - dt.timedelta(days=DAYS_BACK)
    circles = []
    for i in range(len(FOCI)):
        say(f"circle {i + 1}/{len(FOCI)}: {FOCI[i][1]}")
        start = first + dt.timedelta(days=4 * i)
        circles.append(await _circle(world, i, start, MEMBERS[3 * i : 3 * i + 3]))

    say("holds still waiting, and quiet asks")
    world.on(first + dt.timedelta(days=6))
    for coordinator in COORDINATORS[:2]:
        await world.op(coordinator, Q_OPEN_HOLD, {"n": NEIGHBORHOOD})
    world.on(today - dt.timedelta(days=10))
    asks = []
    for member, note in zip(
        MEMBERS[:3],
        [
            "Money is very tight this month.",
            "I can't manage the stairs.",
            "Need someone to talk to.",
        ],
        strict=True,
    ):
        asks.append(
            (await world.op(member, Q_ASK, {"n": NEIGHBORHOOD, "t": note}))["askForSupport"]["id"]
        )
    world.on(today - dt.timedelta(days=8))
    await world.op(COORDINATORS[1], Q_TAKE_ASK, {"a": asks[0]})

    say("a repair thread, paced by the harmed party")
    world.on(today - dt.timedelta(days=12))
    thread = (
        await world.op(
            MEMBERS[4],
            Q_REPAIR,
            {"i": {"neighborhood": NEIGHBORHOOD, "myRole": "HARMED_PARTY", "displayName": "R."}},
        )
    )["openRepairThread"]["id"]
    code = (await world.op(MEMBERS[4], Q_REPAIR_INVITE, {"t": thread, "r": "FACILITATOR"}))[
        "createRepairInvite"
    ]["code"]
    await world.op(COORDINATORS[2], Q_REPAIR_JOIN, {"c": code, "d": "Chen"})
    await world.op(
        MEMBERS[4], Q_ENTRY, {"t": thread, "b": "The shouting at the garden meeting hurt."}
    )

    say("a neighbourhood resource")
    await world.op(
        COORDINATORS[0],
        Q_RESOURCE,
        {
            "i": {
                "name": "Elm Street tenants' association",
                "kind": "HOUSING",
                "contact": "REPLACE-ME: the association's phone or email",
                "neighborhood": NEIGHBORHOOD,
            }
        },
    )

    say("rota slots in the coming two weeks")
    world.on(today)
    for i, circle in enumerate(circles):
        await _upcoming_rota(world, i, circle, today)


def token_for(settings: Settings, actor: Actor) -> str:
    assert settings.dev_jwt_secret is not None
    return mint_dev_token(
        secret=settings.dev_jwt_secret,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        sub=actor.sub,
        scopes=list(actor.scopes),
        neighborhoods=list(actor.nbh),
        ttl_seconds=TOKEN_TTL,
    )


async def run_demo(settings: Settings, say: Callable[[str], None]) -> str:
    """Seed (once) and return the text with tokens and queries."""
    async with database(settings, migrated=True):
        today = Clock(settings.today).today()
        world = DemoWorld(settings, build_schema(dev=True), Clock(today))
        if await Circle.filter(neighborhood=NEIGHBORHOOD).exists():
            summary = (
                f"cip: the demo is already there: {NEIGHBORHOOD} was seeded by an earlier "
                "`cip demo`; nothing was added. Fresh tokens for it:"
            )
        else:
            await seed(world, today, say)
            world.on(today)
            view = await world.op(COORDINATORS[0], Q_VIEW, {"n": NEIGHBORHOOD})
            release = view["careCoordinationView"]
            say(f"release as of {release['asOf']} computed")
            summary = f"cip: demo ready: {world.operations} operations in {NEIGHBORHOOD}"
    return summary + "\n" + instructions(settings)


MEMBER_QUERY = """query { myCircles { focus status myRole members { displayName role isMe }
    updates(first: 5) { body postedOn } rota { on task holder { displayName } } } }"""
COORDINATOR_QUERY = f"""query {{
  careCoordinationView(neighborhood: "{NEIGHBORHOOD}", windowDays: 90) {{
    asOf activeCircles {{ value suppressed }} openHolds {{ value suppressed }}
    holdPickupWithin7Days {{ rate }}
    careLoad {{ coordinators {{ value suppressed }} gini myShare }} }}
  myCareHolds {{ id status daysOpen }} supportAsks(neighborhood: "{NEIGHBORHOOD}") {{ note }}
  wellbeingCheck {{ due prompt }} }}"""
AI_QUERY = f"""query {{ careWeeks(neighborhood: "{NEIGHBORHOOD}", weeks: 6) {{
    weekStarting activeCircles {{ value suppressed }} circlesFormed {{ value suppressed }}
    loadConcentration }} }}"""


BLURRED = "Aggregate numbers are slightly blurred on purpose, so that no one can be picked out."
COORDINATOR_NOTE = (
    "Or open the Care view in GraphiQL's sidebar (the heart icon) with this token in the "
    "Headers tab: the same figures in words, with a 12-week chart. " + BLURRED
)


def ai_note(floor: int) -> str:
    return (
        "Most of this answer is suppressed, and that is the point: an AI-layer client sees a "
        f"count only when its published value is {floor} or more (the AI floor, CIP_MIN_CELL_AI), "
        "and a demo street of six circles has few counts that large. " + BLURRED
    )


def demo_calls(settings: Settings) -> list[tuple[str, str, str]]:
    """(who, token, query) for each kind of caller."""
    return [(who, token, query) for who, token, query, _ in demo_callers(settings)]


def demo_callers(settings: Settings) -> list[tuple[str, str, str, str]]:
    """(who, token, query, a note to read with the answer) for each kind of caller."""
    return [
        ("A circle member", token_for(settings, MEMBERS[1]), MEMBER_QUERY, ""),
        (
            f"A coordinator of {NEIGHBORHOOD}",
            token_for(settings, COORDINATORS[0]),
            COORDINATOR_QUERY,
            COORDINATOR_NOTE,
        ),
        (
            "An AI-layer client (aggregates only)",
            token_for(settings, AI_CLIENT),
            AI_QUERY,
            ai_note(policy_from(settings).min_cell_ai),
        ),
    ]


def instructions(settings: Settings) -> str:
    parts = [
        "",
        "Open GraphiQL (cip serve, then http://127.0.0.1:4001/) and paste a token into",
        f"the Headers tab, then the query under it. Tokens last {TOKEN_TTL // 3600} hours.",
    ]
    for who, token, query, note in demo_callers(settings):
        parts += ["", f"{who}:", f'  {{"Authorization": "Bearer {token}"}}', "", query]
        if note:
            parts += ["", *textwrap.wrap(note, 92)]
    return "\n".join(parts) + "\n"
