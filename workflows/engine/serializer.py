"""The saved state of a case: SpiffWorkflow's own format without the specs, ids as text.

The specs are stored once per bundle, not in every case, so a state is 10-20 kB. The
script environment is not serialized; the caller attaches it again on every load.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from workflows.engine.case_workflow import CaseSubWorkflow, CaseWorkflow


class _TextTaskIds:
    """Workflow converters for text task ids. The library's own mappings already pass
    text keys through; only its ``last_task`` lookup parses a ``UUID``."""

    def set_default_attributes(self, workflow: Any, dct: dict[str, Any]) -> None:
        last_task = dct.get("last_task")
        dct["last_task"] = None
        super().set_default_attributes(workflow, dct)  # type: ignore[misc]
        workflow.last_task = workflow.tasks.get(last_task) if last_task is not None else None


class _TaskStateConverter(TaskConverter):
    """SpiffWorkflow's task format (its data as a delta from the parent's), with the
    ids kept as text."""

    def to_dict(self, task: Task) -> dict[str, Any]:
        parent = task.parent
        if parent is None:
            data, delta = task.data, {}
        else:
            data = {}
            delta = {
                "updates": DeepMerge.get_updated_keys(parent.data, task.data),
                "deletions": DeepMerge.get_deleted_keys(parent.data, task.data),
            }
        return {
            "id": task.id,
            "parent": task._parent if parent is not None else None,
            "children": list(task._children),
            "last_state_change": task.last_state_change,
            "state": task._state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": data,
            "delta": delta,
        }

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Task:
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=dct["id"])
        task._parent = dct["parent"]
        task._children = dct["children"]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task._state & TaskState.WAITING:
            task.workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        parent = task.parent
        if delta and parent is not None:
            data = DeepMerge.merge({}, parent.data)
            data.update(self.registry.restore(delta.get("updates", {})))
            for key in delta.get("deletions", []):
                data.pop(key, None)
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


class _SubWorkflowConverter(_TextTaskIds, BpmnSubWorkflowConverter):
    """A called process's state, its ids kept as text."""

    def from_dict(self, dct: dict[str, Any], task: Task, top_workflow: Any) -> BpmnSubWorkflow:
        spec = top_workflow.subprocess_specs.get(task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks = self.mapping_from_dict(dct["tasks"], workflow=subprocess)
        subprocess.task_tree = subprocess.tasks.get(dct["root"])
        self.set_default_attributes(subprocess, dct)
        return subprocess


class _StateConverter(_TextTaskIds, BpmnWorkflowConverter):
    """Serializes a workflow without its specs; they live once per bundle, not per case."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(
        self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None
    ) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], workflow=workflow)
        workflow.task_tree = workflow.tasks.get(dct["root"])
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow

    def subprocesses_from_dict(
        self, dct: dict[str, Any], workflow: Any, top_workflow: Any = None
    ) -> None:
        """Called processes, each after the process holding its call activity."""
        top_workflow = top_workflow or workflow
        for task in workflow.tasks.values():
            if not isinstance(task.task_spec, SubWorkflowTask):
                continue
            if task.id in dct:
                subprocess = self.registry.restore(
                    dct.pop(task.id), task=task, top_workflow=top_workflow
                )
                top_workflow.subprocesses[task.id] = subprocess
                subprocess.completed_event.connect(task.task_spec._on_subworkflow_completed, task)
                self.subprocesses_from_dict(dct, subprocess, top_workflow)


def state_serializer() -> BpmnWorkflowSerializer:
    """The library's serializer with the converters above for every workflow class."""
    config = dict(SPIFF_CONFIG)
    config[Task] = _TaskStateConverter
    config[BpmnWorkflow] = _StateConverter
    config[CaseWorkflow] = _StateConverter
    config[BpmnSubWorkflow] = _SubWorkflowConverter
    config[CaseSubWorkflow] = _SubWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
