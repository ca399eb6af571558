"""The workflow classes a compacted case runs on.

Two small subclasses of SpiffWorkflow's own: they find WAITING tasks by scanning the task
dictionary instead of walking the tree after every task. Cases filed before compaction
keep the library's classes, and their recorded behaviour, when loaded or replayed. The
class names are part of the saved state (its ``typename``): they must not change.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

_WAITING = TaskState.WAITING


def _update_waiting(process: BpmnWorkflow | BpmnSubWorkflow) -> None:
    """Update a process's WAITING tasks, found by scanning its task dictionary.

    SpiffWorkflow does this after every completed task by walking the whole tree, which
    was about a seventh of replaying a history. Our models hold only timers and join
    instances in WAITING, whose updates do not depend on one another's order, and an
    update never makes another task wait; a task cancelled by an earlier update in the
    same pass is skipped, as the library's lazy walk would skip it.
    """
    for task in [t for t in process.tasks.values() if t._state == _WAITING]:
        if task._state == _WAITING:
            task.task_spec._update(task)


class CaseSubWorkflow(BpmnSubWorkflow):
    """A called process (prior approval, oversight) of a compacted case."""

    def update_waiting_tasks(self) -> None:
        _update_waiting(self)


class CaseWorkflow(BpmnWorkflow):
    """The workflow of a case filed with compaction; its called processes are
    ``CaseSubWorkflow``s."""

    def update_waiting_tasks(self) -> None:
        _update_waiting(self)

    def create_subprocess(self, my_task: Task, spec_name: str) -> CaseSubWorkflow:
        subprocess = CaseSubWorkflow(
            self.subprocess_specs[spec_name], parent_task_id=my_task.id, top_workflow=self
        )
        self.subprocesses[my_task.id] = subprocess
        return subprocess
