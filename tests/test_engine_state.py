"""A case's saved engine state is SpiffWorkflow's own format, read and written by the
engine's converters (which keep task ids as their text)."""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.deep_merge import DeepMerge

from service.cases.case_service import CaseService
from service.cases.model_store import models_for
from service.core.models import Case, CaseState
from service.demo.cases import drive, step_payload
from workflows.engine.case_engine import CaseEngine
from workflows.engine.patches import inherit_data, new_task_id
from workflows.engine.script_engine import CaseScriptEngine


def _saved(service: CaseService) -> tuple[CaseEngine, str, str]:
    case_id = drive(service, "firm_entry", path="return_once", stop_before="oversight_review")
    with service.sessions() as session:
        case = session.get(Case, case_id)
        engine = CaseEngine(models_for(session, case.model_version))
        return engine, session.get(CaseState, case_id).state, case.process_id


def test_a_state_is_read_and_written_back_unchanged(service: CaseService) -> None:
    engine, state, process_id = _saved(service)
    script = CaseScriptEngine(now=service.clock.now, functions={})
    workflow = engine.load(state, script, process_id)
    assert workflow.subprocesses, "the case is inside a called process"
    assert json.loads(engine.dump(workflow)) == json.loads(state)


def test_task_ids_are_the_text_the_state_holds(service: CaseService) -> None:
    engine, state, process_id = _saved(service)
    workflow = engine.load(state, CaseScriptEngine(now=service.clock.now, functions={}), process_id)
    saved = json.loads(state)
    assert set(workflow.tasks) == set(saved["tasks"])
    assert workflow.task_tree.id == saved["root"]
    assert workflow.last_task is not None and workflow.last_task.id == saved["last_task"]
    for process in workflow.subprocesses.values():
        assert process.last_task is None or process.last_task.id in process.tasks
    step = step_payload("firm_entry", "oversight_review", service.clock.now(), choice="compliant")
    engine.complete(workflow, "oversight_review", step)
    assert all(type(task_id) is str for task_id in workflow.tasks)


def test_new_task_ids_are_random_version_4_uuids() -> None:
    ids = [new_task_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for task_id in ids:
        parsed = UUID(task_id)
        assert str(parsed) == task_id
        assert parsed.version == 4
        assert parsed.variant == "specified in RFC 4122"


def test_every_task_is_written_as_spiffworkflow_writes_it(service: CaseService) -> None:
    engine, state, process_id = _saved(service)
    workflow = engine.load(state, CaseScriptEngine(now=service.clock.now, functions={}), process_id)
    ours = CaseEngine._serializer.registry
    library = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).registry
    tasks = [
        t for process in (workflow, *workflow.subprocesses.values()) for t in process.tasks.values()
    ]
    assert len(tasks) > 10
    for task in tasks:
        assert ours.convert(task) == library.convert(task)


@pytest.mark.parametrize(
    "own, parents",
    [
        ({}, {"a": 1, "b": {"c": [1, 2]}, "d": [{"e": 1}], "f": {1, 2}}),
        ({"a": 1, "b": {"c": [1, 2]}}, {"a": 1, "b": {"c": [1, 2]}}),
        ({"a": 1, "x": 2}, {"a": 1}),
        ({"a": 1, "b": {"c": 1}}, {"a": 2, "b": {"d": 2}, "g": [3]}),
    ],
    ids=["empty", "equal", "more", "different"],
)
def test_inheriting_data_gives_what_the_library_gives(
    own: dict[str, Any], parents: dict[str, Any]
) -> None:
    expected = DeepMerge.merge(copy.deepcopy(own), copy.deepcopy(parents))
    parent = SimpleNamespace(data=copy.deepcopy(parents))
    task = SimpleNamespace(data=copy.deepcopy(own), parent=parent)
    before = task.data
    inherit_data(task)
    assert task.data == expected
    assert task.data is before
    # Containers are the task's own copies, as the library's merge makes them.
    for key, value in task.data.items():
        if isinstance(value, dict | list | set) and key not in own:
            assert value is not parent.data[key]
