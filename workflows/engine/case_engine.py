"""What the service calls to run a case: start, open tasks, complete, timers, save, load.

A case's engine state is serialized without its specs (they are stored once per bundle),
and the script environment, which SpiffWorkflow does not serialize, is attached again on
every load. After every step the case's tree is compacted with its own version's cut.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from workflows.engine import compaction, patches
from workflows.engine.case_workflow import CaseWorkflow
from workflows.engine.engine_steps import run_engine_steps
from workflows.engine.errors import TaskNotReady
from workflows.engine.parsed_models import ParsedModels
from workflows.engine.script_engine import CaseScriptEngine, ClockedTimeDate
from workflows.engine.serializer import state_serializer


@dataclass(frozen=True)
class OpenTask:
    """A human task waiting in a case: what the inbox and the forms need to know."""

    task_id: str
    bpmn_id: str
    name: str
    role: str
    process_id: str
    due_at: datetime | None


class CaseEngine:
    """Starts, advances, saves and restores the BPMN workflow of one case."""

    _serializer = state_serializer()

    def __init__(self, models: ParsedModels) -> None:
        patches.require_installed()
        self.models = models

    def start(
        self,
        process_id: str,
        data: Mapping[str, Any],
        script_engine: CaseScriptEngine,
        compaction_version: Any = compaction.CURRENT,
    ) -> BpmnWorkflow:
        """Start a case. Replay passes the version its filing recorded: None for a case
        filed before compaction; one this release does not know raises
        ``UnknownCompaction``."""
        compacted = compaction_version is not None
        if compacted:
            compaction.algorithm(compaction_version)
        workflow_class = CaseWorkflow if compacted else BpmnWorkflow
        workflow = workflow_class(
            self.models.spec(process_id),
            self.models.subprocess_specs(process_id),
            script_engine=script_engine,
        )
        if compacted:
            compaction.enable(workflow, compaction_version)
        workflow.task_tree.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        run_engine_steps(workflow)
        compaction.compact(workflow)
        return workflow

    def open_tasks(self, workflow: BpmnWorkflow) -> list[OpenTask]:
        tasks = []
        for task in self._ready_user_tasks(workflow):
            pid = task.workflow.spec.name
            bpmn_id = task.task_spec.bpmn_id
            tasks.append(
                OpenTask(
                    task_id=task.id,
                    bpmn_id=bpmn_id,
                    name=self.models.name(pid, bpmn_id),
                    role=self.models.role(pid, bpmn_id),
                    process_id=pid,
                    due_at=self._due_at(task),
                )
            )
        return tasks

    @staticmethod
    def _due_at(task: Task) -> datetime | None:
        """The deadline a boundary timer puts on ``task``, if one is attached."""
        if task.parent is None or not isinstance(task.parent.task_spec, BoundaryEventSplit):
            return None
        dues: list[datetime] = [
            TimerEventDefinition.get_datetime(value)
            for sibling in task.parent.children
            if isinstance(getattr(sibling.task_spec, "event_definition", None), ClockedTimeDate)
            and (value := sibling._get_internal_data("event_value")) is not None
        ]
        return min(dues) if dues else None

    def task_data(self, workflow: BpmnWorkflow, bpmn_id: str) -> dict[str, Any]:
        """The data an open task sees (earlier steps' results), for validating its form."""
        return dict(self._ready_task(workflow, bpmn_id).data)

    def complete(self, workflow: BpmnWorkflow, bpmn_id: str, data: Mapping[str, Any]) -> None:
        task = self._ready_task(workflow, bpmn_id)
        task.data.update(data)
        task.run()
        run_engine_steps(workflow)
        compaction.compact(workflow)

    def _ready_task(self, workflow: BpmnWorkflow, bpmn_id: str) -> Task:
        for task in self._ready_user_tasks(workflow):
            if task.task_spec.bpmn_id == bpmn_id:
                return task
        raise TaskNotReady(bpmn_id)

    @staticmethod
    def _ready_user_tasks(workflow: BpmnWorkflow) -> Iterator[Task]:
        """READY user tasks of the case and its subprocesses, in creation order.

        Scanning the task dictionaries is several times cheaper than SpiffWorkflow's
        tree iterator, which matters on every completion and every replayed step.
        """
        for process in (workflow, *workflow.subprocesses.values()):
            for task in process.tasks.values():
                if task.state == TaskState.READY and task.task_spec.manual:
                    yield task

    def fire_due_timers(self, workflow: BpmnWorkflow) -> list[str]:
        """Fire every timer the case's clock says is due; returns the fired timers' ids."""
        waiting = self._waiting_timers(workflow)
        workflow.refresh_timers()
        fired = [t.task_spec.bpmn_id for t in waiting if t.state != TaskState.WAITING]
        if fired:
            run_engine_steps(workflow)
            compaction.compact(workflow)
        return fired

    @staticmethod
    def _waiting_timers(workflow: BpmnWorkflow) -> list[Task]:
        return [
            t
            for t in workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(getattr(t.task_spec, "event_definition", None), ClockedTimeDate)
        ]

    def next_timer_due(self, workflow: BpmnWorkflow) -> datetime | None:
        """The earliest instant a waiting timer of this case falls due, if any."""
        dues: list[datetime] = [
            TimerEventDefinition.get_datetime(value)
            for t in self._waiting_timers(workflow)
            if (value := t._get_internal_data("event_value")) is not None
        ]
        return min(dues) if dues else None

    def dump(self, workflow: BpmnWorkflow) -> str:
        state: str = self._serializer.serialize_json(workflow)
        return state

    def load(self, state: str, script_engine: CaseScriptEngine, process_id: str) -> BpmnWorkflow:
        dct = json.loads(state)
        self._serializer.migrate(dct)
        workflow = self._serializer.from_dict(
            dct,
            spec=self.models.spec(process_id),
            subprocess_specs=self.models.subprocess_specs(process_id),
        )
        workflow.script_engine = script_engine
        return workflow

    @staticmethod
    def is_completed(workflow: BpmnWorkflow) -> bool:
        return bool(workflow.is_completed())

    @staticmethod
    def ended_at(workflow: BpmnWorkflow) -> str | None:
        """The end event of the matter process the case reached, if it has ended."""
        if not workflow.is_completed():
            return None
        for task in workflow.get_tasks(state=TaskState.COMPLETED):
            if task.workflow is workflow and task.task_spec.__class__.__name__ == "EndEvent":
                return str(task.task_spec.bpmn_id)
        return None

    @staticmethod
    def path_taken(workflow: BpmnWorkflow) -> list[tuple[str, str]]:
        """(process id, node id) of every completed BPMN node, for drawing the path."""
        return compaction.visited_nodes(workflow) + [
            (t.workflow.spec.name, t.task_spec.bpmn_id)
            for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.bpmn_id
        ]

    @staticmethod
    def digest(workflow: BpmnWorkflow) -> str:
        """A hash of what defines the case's state, independent of task UUIDs.

        Replay produces new UUIDs and timestamps, so the comparison uses the task tree's
        shape (process, node and state of every task in tree order), the data of every
        task not yet completed (completed tasks' data flowed into them), the timers'
        values and the workflow's own data.
        """
        rows: list[Any] = []
        for task in workflow.get_tasks():
            row = [task.workflow.spec.name, task.task_spec.name, task.state]
            if task.state != TaskState.COMPLETED:
                row.append(task.data)
                row.append(task.internal_data.get("event_value"))
            rows.append(row)
        rows.append(["workflow", workflow.data, workflow.is_completed()])
        text = json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
