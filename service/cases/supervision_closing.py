"""The street's 督办 closes itself when the overdue step it supervises is done.

A ``supervise_<step>`` task is opened beside ``<step>`` by the step's boundary timer and,
left alone, would keep the case's lifecycle from ending long after the step was done. So
completing ``<step>`` also completes its open supervisions, in the same transaction, and
each closing is an engine entry of its own in the history (``supervision_closed``), with
the state after it, so replay reproduces it step by step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.cases.operation import Moment
from service.cases.persistence import mark_completed
from service.core.models import Case, HumanTask
from service.history.chain import append_event, state_fingerprint
from workflows.deadlines import DeadlineLog
from workflows.engine.case_engine import CaseEngine

SUPERVISION_PREFIX = "supervise_"
# What a supervision closed by its step's completion records as its own data.
CLOSED_BY_STEP = {"supervision_outcome": "step_completed"}


@dataclass(frozen=True)
class Closing:
    """One supervision closed, with the engine state as it stood just before."""

    supervision: HumanTask
    deadlines: list[list[str]]
    before_digest: str
    before_sha256: str


def close_supervisions(
    session: Session,
    engine: CaseEngine,
    workflow: Any,
    moment: Moment,
    done: HumanTask,
    open_rows: Sequence[HumanTask],
) -> list[Closing]:
    """Complete in the engine every open 督办 of the step ``done`` just finished."""
    if done.bpmn_id.startswith(SUPERVISION_PREFIX):
        return []
    name = SUPERVISION_PREFIX + done.bpmn_id
    rows = {row.task_uuid: row for row in open_rows if row.bpmn_id == name}
    closings = []
    while ready := [t for t in engine.open_tasks(workflow) if t.bpmn_id == name]:
        row = rows.get(str(ready[0].task_id))
        if row is None:
            break
        # Each closing issues its own deadlines (a lifecycle ending opens the next steps).
        deadlines = DeadlineLog(moment.now, moment.settings, moment.calendar)
        before = (engine.digest(workflow), state_fingerprint(engine.dump(workflow)))
        workflow.script_engine = Moment(
            moment.now, moment.settings, moment.calendar, deadlines
        ).script_engine()
        engine.complete(workflow, name, CLOSED_BY_STEP)
        mark_completed(session, row, None, moment.now)
        closings.append(Closing(row, deadlines.issued, *before))
    return closings


def record_closings(
    session: Session,
    case: Case,
    done: HumanTask,
    closings: Sequence[Closing],
    state: str,
    now: datetime,
) -> None:
    """Append one ``supervision_closed`` entry per closing, after the step's own entry."""
    for position, closing in enumerate(closings):
        later = closings[position + 1] if position + 1 < len(closings) else None
        append_event(
            session,
            case.id,
            "supervision_closed",
            now,
            None,
            closing.supervision.bpmn_id,
            {
                "task": closing.supervision.bpmn_id,
                "data": CLOSED_BY_STEP,
                "step": done.bpmn_id,
                "overdue_task_id": done.id,
                "task_id": closing.supervision.id,
                "completed_by": done.completed_by,
                "deadlines": closing.deadlines,
                "digest": later.before_digest if later else case.state_digest,
                "state_sha256": later.before_sha256 if later else state_fingerprint(state),
            },
        )
