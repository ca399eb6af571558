"""Compaction, version 1: keep a case's task tree as small as the work still ahead of it.

SpiffWorkflow keeps every task it ever created: each pass through a loop (a request sent
back for additions, a rectification round) adds a chain of tasks below the last one. The
stored state, loading, saving, hashing and even the engine's own ancestor walks then grow
with the length of the history, so a long case costs several times a short one per step.

After every step, each process's tree is cut just above the work still open: the lowest
completed task that is a common ancestor of every unfinished task (and of the split a
waiting join looks back to) becomes the only child of the root, and everything else above
it, all finished, is dropped, except what a join still reads (see ``_finished_joins``).
The nodes the dropped tasks had completed are kept, as ``(process, node)`` pairs on the
root, so the path a case took can still be drawn. The recorded history, not the engine
state, is the case's record of what happened; the cut is a function of the state alone,
so replaying the history reproduces it exactly.

Cases filed with version 1 must replay as they ran: a change to what this module does
is a new version (see ``compaction``), never an edit here.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

# Where on the root task the (process, node) pairs of dropped tasks are kept; every
# version keeps them there, so the path of a case is drawn the same way whatever cut it.
VISITED = "visited"

_FINISHED = TaskState.FINISHED_MASK
_COMPLETED = TaskState.COMPLETED

_Visited = set[tuple[str, ...]]


def compact(workflow: BpmnWorkflow) -> None:
    """Drop the finished part of every process tree of ``workflow``."""
    dropped: _Visited = set()
    for process in [workflow, *workflow.subprocesses.values()]:
        if process is workflow or process.parent_task_id in workflow.subprocesses:
            _compact_process(workflow, process, dropped)
    if dropped:
        root = workflow.task_tree
        visited = {tuple(pair) for pair in root.internal_data.get(VISITED, [])}
        if not dropped <= visited:
            root.internal_data[VISITED] = sorted([list(pair) for pair in visited | dropped])


def _compact_process(top: BpmnWorkflow, process: Any, visited: _Visited) -> None:
    root = process.task_tree
    cut = _cut_point(process)
    if cut is None or cut is root or cut.parent is root:
        return
    tasks = process.tasks
    keep = {root.id}
    pending = [cut.id]
    while pending:
        task_id = pending.pop()
        keep.add(task_id)
        pending.extend(tasks[task_id]._children)
    retained = _finished_joins(process, keep, cut)
    for join in retained:
        keep.update((join.id, join._parent))
    for task_id in [tid for tid in process.tasks if tid not in keep]:
        task = process.tasks.pop(task_id)
        _note_visited(process, task, visited)
        if task_id in top.subprocesses:
            _drop_subprocess(top, task_id, visited)
    root._children = [cut.id]
    cut._parent = root.id
    for join in retained:
        arrived = process.tasks[join._parent]
        arrived._parent = root.id
        arrived._children = [join.id]
        join._children = []
        root._children.append(arrived.id)


def _finished_joins(process: Any, keep: set[str], cut: Task) -> list[Task]:
    """Finished joins outside the kept subtree, with the task that reached each.

    When a join of BPMN style (the end of a process with several branches) fires, it
    merges the data of every earlier finished instance of itself that is not its
    ancestor, read from the task before it. Those instances sit on finished side
    branches, so they are kept, with that one task each, for the merge to see them.
    """
    ancestors = {t.id for t in _path_from_root(cut)}
    return [
        task
        for task in process.tasks.values()
        if isinstance(task.task_spec, UnstructuredJoin)
        and task._state & _FINISHED
        and task.id not in keep
        and task.id not in ancestors
        and task._parent in process.tasks
    ]


def _cut_point(process: Any) -> Task | None:
    """The lowest completed task above all unfinished work, or None if nothing is open.

    The anchors are the unfinished tasks and the split each unfinished join looks back
    to. One pass over the task dictionary marks every task on a path from the root to an
    anchor, each one once: a walk up stops at the first task already marked.
    """
    tasks = process.tasks
    marked: set[str] = set()
    anchor_ids: set[str] = set()
    for task in tasks.values():
        if task._state & _FINISHED:
            continue
        anchor_ids.add(task.id)
        _mark_path(tasks, task.id, marked)
        split = getattr(task.task_spec, "split_task", None)
        if split and (opened := _ancestor_named(tasks, task, split)) is not None:
            anchor_ids.add(opened.id)
            _mark_path(tasks, opened.id, marked)
    if not anchor_ids:
        return None
    # Go down from the root while the marked paths have not yet parted.
    cut = process.task_tree
    while cut.id not in anchor_ids:
        below = [child for child in cut._children if child in marked]
        if len(below) != 1:
            break
        cut = tasks[below[0]]
    while cut._state != _COMPLETED and cut._parent in tasks:
        cut = tasks[cut._parent]
    return cut


def _mark_path(tasks: dict[str, Task], task_id: str | None, marked: set[str]) -> None:
    while task_id is not None and task_id not in marked and task_id in tasks:
        marked.add(task_id)
        task_id = tasks[task_id]._parent


def _ancestor_named(tasks: dict[str, Task], task: Task, spec_name: str) -> Task | None:
    """``Task.find_ancestor`` as a loop over the process's task dictionary."""
    parent = tasks.get(task._parent)
    while parent is not None:
        if parent.task_spec.name == spec_name:
            return parent
        parent = tasks.get(parent._parent)
    return None


def _path_from_root(task: Task) -> list[Task]:
    path = []
    current: Task | None = task
    while current is not None:
        path.append(current)
        current = current.parent
    path.reverse()
    return path


def _note_visited(process: Any, task: Task, visited: _Visited) -> None:
    bpmn_id = getattr(task.task_spec, "bpmn_id", None)
    if bpmn_id and task.state == TaskState.COMPLETED:
        visited.add((process.spec.name, bpmn_id))


def _drop_subprocess(top: BpmnWorkflow, task_id: str, visited: _Visited) -> None:
    subprocess = top.subprocesses.pop(task_id)
    for task in subprocess.tasks.values():
        _note_visited(subprocess, task, visited)
        if task.id in top.subprocesses:
            _drop_subprocess(top, task.id, visited)
