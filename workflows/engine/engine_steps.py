"""Running the engine's own tasks after a step: gateways, events, rule tasks.

``BpmnWorkflow.do_engine_steps`` with a cheaper search. The library walks the whole task
tree (subprocesses included) to find READY tasks, several times per step; that walk was
most of the cost of completing a task and of replaying a history. Here the READY tasks are
found by scanning each process's task dictionary, in an order fixed by the tree (a
subprocess comes after the process that holds its call activity), so a live run and its
replay run tasks in the same order.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

# Hot loops read ``Task._state`` directly: the ``state`` property costs a call per task.
_READY = TaskState.READY


def run_engine_steps(workflow: BpmnWorkflow) -> None:
    """Run every READY engine task until only people's work or timers remain."""
    while _engine_pass(workflow):
        pass
    workflow.refresh_timers()


def _engine_pass(workflow: BpmnWorkflow) -> bool:
    active = workflow.get_active_subprocesses()
    for subprocess in sorted(active, key=lambda sp: sp.depth, reverse=True):
        while _run_ready([subprocess]):
            pass
        if subprocess.parent_task_id is not None:
            task = workflow.get_task_from_id(subprocess.parent_task_id)
            task.task_spec._update(task)
    ran = _run_ready(_processes_in_tree_order(workflow))
    return ran > 0 or len(workflow.get_active_subprocesses()) > len(active)


def _processes_in_tree_order(workflow: BpmnWorkflow) -> list[Any]:
    """The case's process and its called processes, each after the process calling it.

    Called processes under one process follow the order of their call activities in its
    task dictionary; a process rarely holds more than one, so that order is only worked
    out (a scan of the dictionary) when it does.
    """
    subprocesses = workflow.subprocesses
    ordered = [workflow]
    for process in ordered:
        held = [task_id for task_id in subprocesses if task_id in process.tasks]
        if len(held) > 1:
            held = [task_id for task_id in process.tasks if task_id in subprocesses]
        ordered.extend(subprocesses[task_id] for task_id in held)
    return ordered


def _run_ready(processes: list[Any]) -> int:
    count = 0
    for process in processes:
        ready = [t for t in process.tasks.values() if t._state == _READY and not t.task_spec.manual]
        for task in ready:
            if task._state == _READY:
                task.run()
                count += 1
    return count
