"""The release payload: the published (perturbed) counts of one (neighbourhood, ISO week,
window) and the figures derived from them, typed. Pure. No true count is ever stored.

Stored as JSON in ``cip_release.payload`` (version 2, camelCase keys: the contract's field
names for the gauges); read back into these classes, so no code reads a release by string
key. Each count field names, in its metadata, the JSON key it is stored under and the metric
(``events.Metric``) it sums.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from resolvers.aggregates.events import Metric

VERSION = 2  # 1 held raw counts (before the perturbation)


def _count(key: str, metric: Metric) -> Any:
    return field(metadata={"key": key, "metric": metric})


class _Counts:
    """Count fields read from metric sums and written as JSON by their keys."""

    @classmethod
    def metrics(cls) -> list[Metric]:
        return [f.metadata["metric"] for f in dataclasses.fields(cls)]  # type: ignore[arg-type]

    @classmethod
    def from_sums(cls, sums: Mapping[str, int]) -> Self:
        return cls(**{f.name: sums.get(f.metadata["metric"], 0) for f in dataclasses.fields(cls)})  # type: ignore[arg-type]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(**{f.name: int(data[f.metadata["key"]]) for f in dataclasses.fields(cls)})  # type: ignore[arg-type]

    def to_json(self) -> dict[str, int]:
        return {f.metadata["key"]: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class Gauges(_Counts):
    """States at the end of the week (every week up to it summed)."""

    active_circles: int = _count("activeCircles", Metric.GAUGE_CIRCLES_ACTIVE)
    forming_circles: int = _count("formingCircles", Metric.GAUGE_CIRCLES_FORMING)
    open_holds: int = _count("openHolds", Metric.GAUGE_HOLDS_OPEN)
    holds_waiting_over_7_days: int = _count("holdsWaitingOver7Days", Metric.GAUGE_HOLDS_WAITING)
    open_support_asks: int = _count("openSupportAsks", Metric.GAUGE_ASKS_OPEN)
    active_repair_threads: int = _count("activeRepairThreads", Metric.GAUGE_REPAIR_ACTIVE)


@dataclass(frozen=True)
class WindowFlows(_Counts):
    """Flows over the window's weeks."""

    need_opened: int = _count("needOpened", Metric.NEED_OPENED)
    need_circle_within_14_days: int = _count(
        "needCircleWithin14Days", Metric.NEED_CIRCLE_WITHIN_14D
    )
    hold_opened: int = _count("holdOpened", Metric.HOLD_OPENED)
    hold_picked_up_within_7_days: int = _count(
        "holdPickedUpWithin7Days", Metric.HOLD_PICKED_UP_WITHIN_7D
    )
    repair_opened: int = _count("repairOpened", Metric.REPAIR_OPENED)
    repair_closed: int = _count("repairClosed", Metric.REPAIR_CLOSED)
    circles_formed: int = _count("circlesFormed", Metric.CIRCLE_FORMED)


@dataclass(frozen=True)
class WeekFlows(_Counts):
    """Flows of the release's own week (careWeeks)."""

    circles_formed: int = _count("circlesFormed", Metric.CIRCLE_FORMED)
    repair_threads_closed: int = _count("repairThreadsClosed", Metric.REPAIR_CLOSED)


@dataclass(frozen=True)
class Load:
    """Coordinator actions: how many acted, how many actions, and the spread; never who."""

    coordinators: int
    actions: int
    gini: float | None
    top_two_share: float | None


@dataclass(frozen=True)
class LoadPoint:
    """One of the last eight weeks' releases of the same window: its top-two share and
    coordinator count (the trend's input)."""

    top_two_share: float | None
    coordinators: int


@dataclass(frozen=True)
class Week:
    flows: WeekFlows
    coordinators: int
    top_two_share: float | None


@dataclass(frozen=True)
class ReleasePayload:
    as_of: dt.date
    window_days: int
    gauges: Gauges
    window: WindowFlows
    week: Week
    load: Load
    weekly_load: tuple[LoadPoint, ...]  # oldest first

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "asOf": self.as_of.isoformat(),
            "windowDays": self.window_days,
            "gauges": self.gauges.to_json(),
            "window": self.window.to_json(),
            "week": {
                **self.week.flows.to_json(),
                "coordinators": self.week.coordinators,
                "topTwoShare": self.week.top_two_share,
            },
            "load": {
                "coordinators": self.load.coordinators,
                "actions": self.load.actions,
                "gini": self.load.gini,
                "topTwoShare": self.load.top_two_share,
            },
            "weeklyLoad": [[p.top_two_share, p.coordinators] for p in self.weekly_load],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReleasePayload:
        if data.get("version") != VERSION:
            raise ValueError(f"unknown release payload version: {data.get('version')!r}")
        week, load = data["week"], data["load"]
        return cls(
            as_of=dt.date.fromisoformat(data["asOf"]),
            window_days=int(data["windowDays"]),
            gauges=Gauges.from_json(data["gauges"]),
            window=WindowFlows.from_json(data["window"]),
            week=Week(
                flows=WeekFlows.from_json(week),
                coordinators=int(week["coordinators"]),
                top_two_share=_share(week["topTwoShare"]),
            ),
            load=Load(
                coordinators=int(load["coordinators"]),
                actions=int(load["actions"]),
                gini=_share(load["gini"]),
                top_two_share=_share(load["topTwoShare"]),
            ),
            weekly_load=tuple(LoadPoint(_share(s), int(n)) for s, n in data["weeklyLoad"]),
        )

    def shares(self) -> list[float | None]:
        """The last eight weeks' top-two shares, oldest first."""
        return [p.top_two_share for p in self.weekly_load]


def _share(value: Any) -> float | None:
    return None if value is None else float(value)
