"""`cip check-partition` with the real composition libraries: the real config holds, every
rogue schema fails naming its reason, and a machine without Node is told so."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse

from subgraph.composition import FEDERATION_DIR, check_partition, ensure_node_modules
from subgraph.partition import without_security_features
from tests.federation.tooling import ROGUE, ROOT, cip

# Each rogue directory and a phrase its failure must name.
ROGUES = {
    "local_commons_extends_cip_type": "type CareScope is defined by both CIP and local_commons",
    "local_commons_returns_cip_type": "local_commons's Query.careScopeOf names CareScope",
    "cip_redeclares_member": "type Member is defined by both CIP and local_commons",
    "cip_member_key_unresolvable": "CIP declares @key on Member",
    "cip_declares_entities": "CIP declares Query._entities",
    "shared_value_type": "type Place is defined by both CIP and local_commons",
}


@pytest.fixture(scope="module", autouse=True)
def node_tooling() -> None:
    ensure_node_modules()  # npm ci on a fresh clone: once, before the timed runs


def test_every_rogue_directory_has_a_case() -> None:
    assert {p.name for p in ROGUE.iterdir() if p.is_dir()} == set(ROGUES)


def test_the_real_supergraph_config_holds(tmp_path: Path) -> None:
    out = tmp_path / "supergraph.graphql"
    run = cip("check-partition", "--supergraph-out", str(out))
    assert run.code == 0, run.stderr
    assert "partition holds" in run.stderr
    assert "@apollo/composition" in run.stderr and "@theguild/federation-composition" in run.stderr
    supergraph = out.read_text()
    assert 'join__graph(name: "cip"' in supergraph
    assert 'join__graph(name: "local_commons"' in supergraph


def test_for_apollo_gateway_the_supergraph_has_no_security_features_and_says_so(
    tmp_path: Path,
) -> None:
    full, stripped = tmp_path / "full.graphql", tmp_path / "apollo.graphql"
    assert cip("check-partition", "--supergraph-out", str(full)).code == 0
    run = cip("check-partition", "--supergraph-out", str(stripped), "--for", "apollo-gateway")
    assert run.code == 0, run.stderr
    [line] = [x for x in run.stderr.splitlines() if "enforces" in x]
    assert line == (
        "cip: @apollo/gateway enforces none of CIP's directives (@authenticated, "
        "@requiresScopes, @aggregateOnly); CIP enforces all of them itself"
    )
    before, after = full.read_text(), stripped.read_text()
    assert "@authenticated" in before and "@requiresScopes(scopes:" in before
    for gone in ("specs.apollo.dev/authenticated", "specs.apollo.dev/requiresScopes",
                 "@authenticated", "@requiresScopes(", "requiresScopes__Scope"):  # fmt: skip
        assert gone not in after, gone
    # Everything else is kept: the same fields, joins and CIP's own @aggregateOnly.
    assert after.count("@join__field(") == before.count("@join__field(")
    assert "@aggregateOnly(minCell: 5)" in after
    assert len(parse(after).definitions) == len(parse(before).definitions) - 3


def test_without_security_features_leaves_a_supergraph_without_them_alone() -> None:
    sdl = 'schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query }\n'
    sdl += "type Query { a: Int }\n"
    assert without_security_features(sdl) == sdl


def test_both_libraries_compose_the_real_config() -> None:
    report = check_partition(ROOT / "supergraph.yaml")
    assert report.ok, report.reasons
    assert [c.library for c in report.compositions] == [
        "@apollo/composition",
        "@theguild/federation-composition",
    ]
    assert all(c.ok and c.supergraph_sdl for c in report.compositions)
    assert set(report.subgraphs) == {"cip", "local_commons"}


@pytest.mark.parametrize("case", sorted(ROGUES))
def test_a_rogue_schema_fails_naming_its_reason(case: str) -> None:
    run = cip("check-partition", "--config", str(ROGUE / case / "supergraph.yaml"))
    assert run.code == 1, run.stderr
    assert ROGUES[case] in run.stderr
    assert "partition check failed" in run.stderr


def test_a_rogue_that_composes_is_still_refused() -> None:
    # Composition alone would let a shared value type through; the check must not.
    report = check_partition(ROGUE / "shared_value_type" / "supergraph.yaml")
    assert all(c.ok for c in report.compositions)
    assert not report.ok


def test_composition_failure_is_named_per_library() -> None:
    report = check_partition(ROGUE / "local_commons_returns_cip_type" / "supergraph.yaml")
    assert any(r.startswith("composition failed (@apollo/composition") for r in report.reasons)
    assert any(
        r.startswith("composition failed (@theguild/federation-composition") for r in report.reasons
    )


def test_paths_are_relative_to_the_config_not_the_working_directory(tmp_path: Path) -> None:
    run = cip("check-partition", "--config", str(ROOT / "supergraph.yaml"), cwd=tmp_path)
    assert run.code == 0, run.stderr


def test_a_missing_schema_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "supergraph.yaml"
    config.write_text("subgraphs:\n  cip:\n    schema:\n      file: ./nowhere.graphql\n")
    run = cip("check-partition", "--config", str(config))
    assert run.code == 2
    assert "subgraph cip: cannot read ./nowhere.graphql" in run.stderr


def test_a_missing_config_is_named(tmp_path: Path) -> None:
    run = cip("check-partition", "--config", str(tmp_path / "none.yaml"))
    assert run.code == 2 and "does not exist" in run.stderr


def test_without_node_it_says_so(tmp_path: Path) -> None:
    run = cip("check-partition", env={"PATH": str(tmp_path)})
    assert run.code == 2
    assert "Node.js is not installed or not on PATH" in run.stderr


def test_the_tooling_is_pinned_by_a_committed_lockfile() -> None:
    assert (FEDERATION_DIR / "package-lock.json").is_file()
    assert (FEDERATION_DIR / "package.json").is_file()
