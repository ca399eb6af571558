"""Which compaction a case runs with, by the version it was filed with.

A case is filed with the current version, recorded both in its filing entry and on its
state's root task; every later step, and every replay of its history, cuts its tree with
that version's algorithm, so a later fix to the cut ships as a new version while cases of
the old one still replay as they ran. A new version is a function (a module beside
``compaction_v1``) and an entry in ``ALGORITHMS``; ``CURRENT`` then names it.

Cases filed before compaction existed carry no marker and keep whole trees; cases filed
before versions existed say ``"compact": true``, which is version 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from workflows.engine import compaction_v1

MARKER = "compaction"
LEGACY_MARKER = "compact"

ALGORITHMS: dict[int, Callable[[BpmnWorkflow], None]] = {
    1: compaction_v1.compact,
}
CURRENT = 1


class UnknownCompaction(Exception):
    """A history or state names a compaction version this release does not have."""

    def __init__(self, version: object) -> None:
        known = ", ".join(str(v) for v in sorted(ALGORITHMS))
        super().__init__(
            f"compaction version {version!r} is unknown to this release (it knows {known})"
        )
        self.version = version


def recorded_version(marks: Mapping[str, Any]) -> Any:
    """The version a filing entry's data or a state root's internal data records; None
    when the case was filed before compaction (no marker, or ``"compact": false``)."""
    if MARKER in marks:
        return marks[MARKER]
    return 1 if marks.get(LEGACY_MARKER) is True else None


def algorithm(version: Any) -> Callable[[BpmnWorkflow], None]:
    """The cut of ``version``; raises ``UnknownCompaction`` for any other value."""
    cut = ALGORITHMS.get(version) if type(version) is int else None
    if cut is None:
        raise UnknownCompaction(version)
    return cut


def enable(workflow: BpmnWorkflow, version: int) -> None:
    """Mark a new case's state with the compaction its steps will run."""
    algorithm(version)
    workflow.task_tree.internal_data[MARKER] = version


def version_of(workflow: BpmnWorkflow) -> Any:
    """The compaction version of a case's state, None if it keeps its whole tree."""
    return recorded_version(workflow.task_tree.internal_data)


def enabled(workflow: BpmnWorkflow) -> bool:
    return version_of(workflow) is not None


def compact(workflow: BpmnWorkflow) -> None:
    """Drop the finished part of the case's trees with its own version's cut, if any."""
    marked = recorded_version(workflow.task_tree.internal_data)
    if marked is not None:
        algorithm(marked)(workflow)


def visited_nodes(workflow: BpmnWorkflow) -> list[tuple[str, str]]:
    """(process id, node id) of the completed nodes compaction has dropped."""
    pairs = workflow.task_tree.internal_data.get(compaction_v1.VISITED, [])
    return [(str(process), str(node)) for process, node in pairs]
