"""The route-to-resources lookup over CareResource rows written through the models."""

from __future__ import annotations

from models.support import CareResource
from resolvers.support.resources_lookup import ROUTE_KINDS, ResourceFacts, resources_for_route
from tests.support import LiveServer, fresh


def test_routes_map_to_the_agreed_kinds() -> None:
    assert ROUTE_KINDS["STEWARD_EMERGENCY"] == ("CRISIS_LINE", "DOMESTIC_VIOLENCE")
    assert set(ROUTE_KINDS["EXTERNAL_SERVICES"]) == {
        "CLINICAL",
        "MENTAL_HEALTH",
        "DOMESTIC_VIOLENCE",
        "HOUSING",
        "LEGAL",
        "GRIEF",
    }
    assert ROUTE_KINDS["GOVERNANCE"] == ("OTHER",)


def test_lookup_returns_local_then_global_rows_of_the_routes_kinds(
    server: LiveServer, nbh: str
) -> None:
    tag = fresh("res")
    rows = [
        (nbh, "b housing", "HOUSING"),
        (nbh, "a grief", "GRIEF"),
        (None, "c clinic", "CLINICAL"),
        (nbh, "d council", "OTHER"),
        ("elsewhere", "e far clinic", "CLINICAL"),
    ]

    async def scenario() -> tuple[list[ResourceFacts], list[ResourceFacts], list[ResourceFacts]]:
        for where, name, kind in rows:
            await CareResource.create(
                neighborhood=where, name=f"{tag} {name}", kind=kind, contact="c"
            )
        return (
            await resources_for_route(nbh, "EXTERNAL_SERVICES"),
            await resources_for_route(nbh, "GOVERNANCE"),
            await resources_for_route(nbh, "NO_SUCH_ROUTE"),
        )

    external, governance, unknown = server.run(scenario())
    mine = [(f.name.removeprefix(f"{tag} "), f.neighborhood) for f in external if tag in f.name]
    assert mine == [("a grief", nbh), ("b housing", nbh), ("c clinic", None)]
    assert all(f.neighborhood in (nbh, None) for f in external)
    assert [f.name for f in governance if tag in f.name] == [f"{tag} d council"]
    assert unknown == []
