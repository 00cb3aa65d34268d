"""The repair path's pure rules: lens order, harmed-party pacing, pause, invites, closing."""

from __future__ import annotations

import pytest

from models.errors import BadUserInput, Forbidden, InvalidTransition
from resolvers.repair import rules
from resolvers.repair.rules import LENSES, Closure, Role, Route, Stage, ThreadState

pytestmark = pytest.mark.unit

HARMED, RESPONSIBLE, FACILITATOR = Role.HARMED_PARTY, Role.RESPONSIBLE_PARTY, Role.FACILITATOR


def test_lenses_come_in_order_and_end_at_path_forward() -> None:
    assert [s.value for s in LENSES] == ["IMPACT", "NEEDS", "ACCOUNTABILITY", "PATH_FORWARD"]
    assert rules.next_stage(Stage.IMPACT) is Stage.NEEDS
    assert rules.next_stage(Stage.ACCOUNTABILITY) is Stage.PATH_FORWARD
    assert rules.next_stage(Stage.PATH_FORWARD) is None


def test_anyone_proposes_only_the_harmed_party_confirms() -> None:
    state = ThreadState()
    proposed = rules.propose(state)
    assert proposed.advance_proposed and proposed.stage is Stage.IMPACT
    assert rules.propose(proposed) == proposed  # proposing twice changes nothing
    for role in (RESPONSIBLE, FACILITATOR):
        with pytest.raises(Forbidden):
            rules.confirm(proposed, role)
    moved = rules.confirm(proposed, HARMED)
    assert moved == ThreadState(stage=Stage.NEEDS, paused=False, advance_proposed=False)


def test_confirming_needs_a_proposal_and_a_next_lens() -> None:
    with pytest.raises(InvalidTransition):
        rules.confirm(ThreadState(), HARMED)
    last = ThreadState(stage=Stage.PATH_FORWARD, advance_proposed=True)
    with pytest.raises(InvalidTransition):
        rules.confirm(last, HARMED)
    with pytest.raises(InvalidTransition):
        rules.propose(ThreadState(stage=Stage.PATH_FORWARD))


def test_walking_all_lenses() -> None:
    state = ThreadState()
    for expected in LENSES[1:]:
        state = rules.confirm(rules.propose(state), HARMED)
        assert state.stage is expected


def test_pause_blocks_entries_proposals_and_confirmations() -> None:
    paused = rules.pause(ThreadState(advance_proposed=True), HARMED)
    assert paused.paused
    with pytest.raises(InvalidTransition):
        rules.check_add_entry(paused)
    with pytest.raises(InvalidTransition):
        rules.propose(paused)
    with pytest.raises(InvalidTransition):
        rules.confirm(paused, HARMED)
    with pytest.raises(Forbidden):  # the role check comes first for anyone else
        rules.confirm(paused, RESPONSIBLE)
    resumed = rules.resume(paused, HARMED)
    assert not resumed.paused
    rules.check_add_entry(resumed)


def test_only_the_harmed_party_pauses_and_resumes() -> None:
    for role in (RESPONSIBLE, FACILITATOR):
        with pytest.raises(Forbidden):
            rules.pause(ThreadState(), role)
        with pytest.raises(Forbidden):
            rules.resume(ThreadState(paused=True), role)
    with pytest.raises(InvalidTransition):
        rules.pause(ThreadState(paused=True), HARMED)
    with pytest.raises(InvalidTransition):
        rules.resume(ThreadState(), HARMED)


@pytest.mark.parametrize("stage", list(Stage))
def test_facilitator_withdraws_or_escalates_any_time(stage: Stage) -> None:
    state = ThreadState(stage=stage, paused=True)
    rules.check_close(state, FACILITATOR, Closure.WITHDRAWN, None)
    for route in Route:
        rules.check_close(state, FACILITATOR, Closure.ESCALATED, route)


@pytest.mark.parametrize("role", [HARMED, FACILITATOR])
def test_completed_only_from_path_forward_whoever_closes(role: Role) -> None:
    for stage in LENSES[:-1]:
        for paused in (False, True):
            with pytest.raises(InvalidTransition):
                rules.check_close(
                    ThreadState(stage=stage, paused=paused), role, Closure.COMPLETED, None
                )
    rules.check_close(ThreadState(stage=Stage.PATH_FORWARD), role, Closure.COMPLETED, None)


def test_harmed_party_withdraws_any_time_completes_only_from_path_forward() -> None:
    for stage in Stage:
        rules.check_close(ThreadState(stage=stage, paused=True), HARMED, Closure.WITHDRAWN, None)
    for stage in LENSES[:-1]:
        with pytest.raises(InvalidTransition):
            rules.check_close(ThreadState(stage=stage), HARMED, Closure.COMPLETED, None)
    rules.check_close(ThreadState(stage=Stage.PATH_FORWARD), HARMED, Closure.COMPLETED, None)
    with pytest.raises(Forbidden):
        rules.check_close(ThreadState(), HARMED, Closure.ESCALATED, Route.GOVERNANCE)


def test_responsible_party_cannot_close() -> None:
    for closure in (Closure.COMPLETED, Closure.WITHDRAWN):
        with pytest.raises(Forbidden):
            rules.check_close(ThreadState(stage=Stage.PATH_FORWARD), RESPONSIBLE, closure, None)


def test_escalation_needs_a_route_and_only_escalation_takes_one() -> None:
    with pytest.raises(BadUserInput):
        rules.check_close(ThreadState(), FACILITATOR, Closure.ESCALATED, None)
    with pytest.raises(BadUserInput):
        rules.check_close(ThreadState(), FACILITATOR, Closure.WITHDRAWN, Route.GOVERNANCE)


def test_one_person_per_role() -> None:
    rules.check_invite(RESPONSIBLE, {HARMED})
    with pytest.raises(InvalidTransition):
        rules.check_invite(HARMED, {HARMED})
