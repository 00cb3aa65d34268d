"""Aggregates: write the counts the care use cases write, move the clock, name callers.
Counts go through ``models/aggregate_store.py`` on the server's loop, the same writer the use
cases call; API-driven tests can use ``frozen_on``/``callers`` unchanged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from auth.viewer import AGGREGATE_READ, COORDINATOR
from models import aggregate_store
from models.aggregate_store import Count
from models.cells import CellState, cell_sum
from models.pseudonym import COUNTS
from resolvers.aggregates import releases
from resolvers.aggregates.perturbation import noise_key, publish
from resolvers.aggregates.published import LoadCells, PublishedLoad, publish_load
from tests.support.people import subject_of
from tests.support.servers import LiveServer

# A Wednesday; its last complete week ends on Sunday 2026-03-01 (ISO week 2026-W09).
TODAY = dt.date(2026, 3, 4)
AS_OF = dt.date(2026, 3, 1)
WEEK = dt.date(2026, 2, 23)

VIEW = """fragment C on AggregateCount { value suppressed }
fragment R on AggregateRate { numerator { ...C } denominator { ...C } rate }
query($n: ID!, $w: Int! = 90) { careCoordinationView(neighborhood: $n, windowDays: $w) {
  neighborhood asOf windowDays
  activeCircles { ...C } formingCircles { ...C } openHolds { ...C }
  holdsWaitingOver7Days { ...C } openSupportAsks { ...C } activeRepairThreads { ...C }
  circleFormationWithin14Days { ...R } holdPickupWithin7Days { ...R } repairThreadsClosed { ...R }
  careLoad { coordinators { ...C } gini topTwoShare myShare trend } } }"""
SIGNALS = """query($ns: [ID!], $w: Int! = 90) { careSignals(neighborhoods: $ns, windowDays: $w) {
  neighborhood kind sinceDays summary } }"""
WEEKS = """query($n: ID!, $k: Int! = 12) { careWeeks(neighborhood: $n, weeks: $k) {
  neighborhood weekStarting activeCircles { value suppressed } openHolds { value suppressed }
  circlesFormed { value suppressed } repairThreadsClosed { value suppressed }
  loadConcentration } }"""


@contextmanager
def frozen_on(server: LiveServer, day: dt.date = TODAY) -> Iterator[None]:
    """The service's clock at ``day`` for the block."""
    server.clock.set(day)
    try:
        yield
    finally:
        server.clock.set(None)


def record_rows(server: LiveServer, *entries: tuple[str, dt.date, str, int]) -> None:
    """Changes dated as given (past weeks included, as a test sets them up)."""
    server.run(aggregate_store.add([Count(n, d, m, v) for n, d, m, v in entries], None))


def cell(
    server: LiveServer, nbh: str, metric: str, first: dt.date | None, last: dt.date = WEEK
) -> CellState:
    """The store's cell of ``metric`` over the weeks first..last (Mondays; None: all before)."""
    return server.run(aggregate_store.cells(nbh, [metric], first, last))[metric]


def published(server: LiveServer, state: CellState) -> int:
    """What the service publishes for a cell: the oracle of the perturbation."""
    return publish(noise_key(server.settings.pseudonym_key), state)


def gauge_published(server: LiveServer, nbh: str, metric: str, true: int) -> int:
    """The published value of a gauge at AS_OF, after checking its true count."""
    state = cell(server, nbh, metric, None)
    assert state.value == true
    return published(server, state)


def expected_load(server: LiveServer, nbh: str, days: int = 90) -> PublishedLoad:
    """The oracle of a window's published care load, from the store's coordinator cells."""
    per = server.run(aggregate_store.coordinator_cells(nbh, *releases.window_weeks(AS_OF, days)))
    actions = cell_sum(per)
    cells = LoadCells(CellState(len(per), actions.key), actions, per)
    return publish_load(noise_key(server.settings.pseudonym_key), cells)


def shown(value: int, floor: int = 5) -> dict[str, object]:
    """A published count as a caller with ``floor`` sees it."""
    hidden = 0 < value < floor
    return {"value": None if hidden else value, "suppressed": hidden}


def record_metric(
    server: LiveServer, nbh: str, metric: str, count: int, day: dt.date = WEEK
) -> None:
    """``count`` rows of +1 on ``day``: events of a flow, or states begun for a gauge."""
    record_rows(server, *[(nbh, day, metric, 1)] * count)


def record_actions(server: LiveServer, nbh: str, sub: str, count: int, day: dt.date = WEEK) -> None:
    """``count`` coordinator actions by ``sub`` (through count_action, as the use cases do)."""
    coordinator = subject_of(server, sub, COUNTS)

    async def act() -> None:
        for _ in range(count):
            await aggregate_store.count_action(nbh, day, coordinator)

    server.run(act())


def record_action_weeks(
    server: LiveServer, nbh: str, weeks: list[tuple[str, dt.date, int]]
) -> None:
    """Many (sub, day, actions) at once: one coordinator-week cell each, as seeding writes
    them (one record key per cell, where the use cases draw one per action)."""
    rows = [(nbh, day, subject_of(server, sub, COUNTS), n) for sub, day, n in weeks]
    server.run(aggregate_store.add_actions(rows))


@dataclass(frozen=True)
class Callers:
    """A token for each role the aggregate fields are tested against."""

    member: str
    coordinator: str
    coordinator_elsewhere: str
    ai: str
    coordinator_sub: str

    def all(self) -> dict[str, str | None]:
        return {
            "member": self.member,
            "coordinator": self.coordinator,
            "coordinator elsewhere": self.coordinator_elsewhere,
            "ai": self.ai,
            "no token": None,
        }


def callers(server: LiveServer, nbh: str, sub: str) -> Callers:
    return Callers(
        member=server.token(f"{sub}-m", nbh=[nbh]),
        coordinator=server.token(f"{sub}-c", scopes=[COORDINATOR], nbh=[nbh]),
        coordinator_elsewhere=server.token(f"{sub}-e", scopes=[COORDINATOR], nbh=[f"{nbh}-x"]),
        ai=server.token(f"{sub}-ai", scopes=[AGGREGATE_READ], nbh=[nbh]),
        coordinator_sub=f"{sub}-c",
    )
