"""Compaction keeps the task tree small and changes nothing a case does or shows.

Each case below is replayed twice from its history: as recorded (compacted after every
step) and with compaction off (SpiffWorkflow's whole tree). After every entry both must
offer the same open steps, with the same data, deadlines and roles, the same path taken
and the same end; the compacted one must stay the size of the work still open.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from service.cases.case_service import CaseService
from service.cases.model_store import models_for
from service.core.models import Case, CaseEvent, CaseState
from service.demo.cases import (
    complete_step,
    drive,
    filing_payload,
    open_task,
    step_lead,
    step_payload,
    variants,
)
from service.history.chain import ENGINE_EVENTS, events_of
from service.history.replay import replay, verify_case
from workflows import catalogue
from workflows.engine import compaction, compaction_v1
from workflows.engine.case_engine import CaseEngine
from workflows.engine.case_workflow import CaseWorkflow
from workflows.engine.script_engine import CaseScriptEngine

# Every variant of every matter type (sub-types, firm_exit's initiators), from the catalogue.
MATTERS = [(code, variant) for code in catalogue.MATTERS for variant in variants(code)]


def _history(service: CaseService, case_id: int) -> tuple[CaseEngine, list[CaseEvent]]:
    with service.sessions() as session:
        case = session.get(Case, case_id)
        return CaseEngine(models_for(session, case.model_version)), events_of(session, case_id)


def _uncompacted(events: list[CaseEvent]) -> list[Any]:
    """The same history as if it had been recorded before compaction existed."""
    return [
        SimpleNamespace(
            seq=e.seq,
            kind=e.kind,
            at=e.at,
            data=_without_compaction(e.data) if e.kind == "case_filed" else e.data,
        )
        for e in events
    ]


def _without_compaction(filing: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in filing.items() if k not in ("compaction", "compact")}


def _all_tasks(workflow: Any) -> int:
    return len(workflow.tasks) + sum(len(sp.tasks) for sp in workflow.subprocesses.values())


def _view(engine: CaseEngine, workflow: Any) -> dict[str, Any]:
    """Everything the service reads from a workflow."""
    open_tasks = engine.open_tasks(workflow)
    return {
        "open": [(t.bpmn_id, t.process_id, t.role, t.name, t.due_at) for t in open_tasks],
        "seen": {t.bpmn_id: engine.task_data(workflow, t.bpmn_id) for t in open_tasks},
        "path": set(engine.path_taken(workflow)),
        "ended": engine.ended_at(workflow),
        "completed": engine.is_completed(workflow),
        "next_timer": engine.next_timer_due(workflow),
        "data": workflow.data,
    }


def _assert_same_at_every_entry(service: CaseService, case_id: int) -> None:
    engine, events = _history(service, case_id)
    whole = _uncompacted(events)
    for event in events:
        if event.kind not in ENGINE_EVENTS:
            continue
        compacted = replay(engine, events, upto=event.seq)
        assert compaction.enabled(compacted)
        full = replay(engine, whole, upto=event.seq)
        assert not compaction.enabled(full)
        assert _view(engine, compacted) == _view(engine, full), f"entry {event.seq}"
        assert _all_tasks(compacted) <= _all_tasks(full)


@pytest.mark.parametrize("variant", MATTERS, ids=lambda v: "-".join(filter(None, v)))
def test_every_matter_behaves_the_same_compacted(service: CaseService, variant) -> None:
    """Return for additions, rectification, closure: the loops compaction cuts."""
    case_id = drive(service, variant[0], sub_type=variant[1], path="return_once")
    _assert_same_at_every_entry(service, case_id)


def test_escalated_steps_behave_the_same_compacted(service: CaseService, clock) -> None:
    """A step overdue: the street's supervision opens beside it (a second live branch)."""
    case_id = drive(service, "firm_entry", stop_before="acceptance_check")
    clock.advance(days=10)
    assert service.run_due_timers() == 1
    complete_step(service, case_id, "supervise_acceptance_check", {"supervision_note": "已督促"})
    payload = step_payload("firm_entry", "acceptance_check", clock.now(), choice="return")
    complete_step(service, case_id, "acceptance_check", payload)
    additions = open_task(service, case_id).bpmn_id
    payload = step_payload("firm_entry", additions, clock.now())
    complete_step(service, case_id, additions, payload)
    clock.advance(days=10)
    assert service.run_due_timers() == 1
    # Work the case on while the second supervision stays open, then close that too.
    while (task := open_task(service, case_id)) is not None:
        clock.advance(days=step_lead("firm_entry", task.bpmn_id))
        payload = step_payload("firm_entry", task.bpmn_id, clock.now())
        complete_step(service, case_id, task.bpmn_id, payload)
    _assert_same_at_every_entry(service, case_id)
    with service.sessions() as session:
        assert verify_case(session, session.get(Case, case_id)).ok


def _loaded(service: CaseService, engine: CaseEngine, case_id: int) -> Any:
    with service.sessions() as session:
        case = session.get(Case, case_id)
        state = session.get(CaseState, case_id).state
    script = CaseScriptEngine(now=service.clock.now, functions={})
    return engine.load(state, script, case.process_id)


def _state_tasks(service: CaseService, case_id: int) -> int:
    with service.sessions() as session:
        state = json.loads(session.get(CaseState, case_id).state)
    return len(state["tasks"]) + sum(len(sp["tasks"]) for sp in state["subprocesses"].values())


def test_a_case_sent_back_again_and_again_stays_the_size_of_one_round(
    service: CaseService,
) -> None:
    with service.sessions() as session:
        committee = service.actor(session, "committee")
    case_id = service.file_case(committee, filing_payload("firm_entry", service.clock.now()))
    sizes = []
    for _ in range(12):
        for step, choice in (("acceptance_check", "return"), ("supplement", "")):
            payload = step_payload("firm_entry", step, service.clock.now(), choice=choice)
            complete_step(service, case_id, step, payload)
        sizes.append(_state_tasks(service, case_id))
    assert len(set(sizes)) == 1, sizes
    engine, events = _history(service, case_id)
    assert type(_loaded(service, engine, case_id)) is CaseWorkflow
    full = replay(engine, _uncompacted(events))
    assert _all_tasks(full) > 5 * sizes[-1]
    assert _view(engine, replay(engine, events)) == _view(engine, full)
    with service.sessions() as session:
        assert verify_case(session, session.get(Case, case_id)).ok


def test_a_case_filed_before_compaction_keeps_its_whole_tree_and_verifies(
    service: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        original = CaseEngine.start
        patched.setattr(
            CaseEngine,
            "start",
            lambda self, pid, data, script, version=1: original(self, pid, data, script, None),
        )
        case_id = drive(service, "firm_entry", path="return_once", stop_before="owners_vote")
    engine, (first, *_) = _history(service, case_id)
    assert first.data["compaction"] is None
    # Loaded and replayed, it runs on SpiffWorkflow's own classes, as it was recorded.
    assert type(replay(engine, _history(service, case_id)[1])) is BpmnWorkflow
    assert type(_loaded(service, engine, case_id)) is BpmnWorkflow
    grown = _state_tasks(service, case_id)
    task = open_task(service, case_id)
    payload = step_payload("firm_entry", task.bpmn_id, service.clock.now())
    complete_step(service, case_id, task.bpmn_id, payload)
    assert _state_tasks(service, case_id) > grown, "an old case is never cut"
    with service.sessions() as session:
        assert verify_case(session, session.get(Case, case_id)).ok


def test_a_filing_records_the_compaction_version_its_case_runs(service: CaseService) -> None:
    case_id = drive(service, "firm_entry", stop_before="collective_study")
    engine, (first, *_) = _history(service, case_id)
    assert first.data["compaction"] == compaction.CURRENT == 1
    assert "compact" not in first.data
    assert compaction.version_of(_loaded(service, engine, case_id)) == 1


@pytest.mark.parametrize(
    ("marks", "version"),
    [
        ({}, None),
        ({"compact": False}, None),
        ({"compact": True}, 1),
        ({"compaction": 1}, 1),
        ({"compaction": 2}, 2),
        ({"compaction": None}, None),
    ],
)
def test_the_recorded_version_reads_old_and_new_markers(marks: dict, version: Any) -> None:
    assert compaction.recorded_version(marks) == version


@pytest.mark.parametrize("version", [0, 2, True, "1", 1.0])
def test_a_version_without_an_algorithm_is_refused(version: Any) -> None:
    with pytest.raises(compaction.UnknownCompaction, match="unknown to this release"):
        compaction.algorithm(version)


def test_a_new_version_is_one_function_and_one_registry_entry(
    service: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case filed with version 2 replays with version 2's cut, after every entry; the
    same history filed with version 1 replays with version 1's, to the same views."""
    case_id = drive(service, "firm_entry", path="return_once", stop_before="owners_vote")
    engine, events = _history(service, case_id)
    cuts: list[int] = []

    def version_2(workflow: Any) -> None:
        cuts.append(len(workflow.tasks))
        compaction_v1.compact(workflow)

    monkeypatch.setitem(compaction.ALGORITHMS, 2, version_2)
    as_version_2 = [
        SimpleNamespace(
            seq=e.seq,
            kind=e.kind,
            at=e.at,
            data={**e.data, "compaction": 2} if e.kind == "case_filed" else e.data,
        )
        for e in events
    ]
    replayed = replay(engine, as_version_2)
    assert compaction.version_of(replayed) == 2
    assert len(cuts) == sum(1 for e in events if e.kind in ENGINE_EVENTS)
    assert _view(engine, replayed) == _view(engine, replay(engine, events))
    with service.sessions() as session:
        assert verify_case(session, session.get(Case, case_id)).ok
