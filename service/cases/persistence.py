"""How an operation on a case reads and writes its rows: the case lock, the engine state,
and bringing the case row and the human-task rows in line with the engine after a move.

The writes of a step are statements on the tables, not changes to ORM objects: a step
writes a handful of rows it already knows, and the ORM's unit of work (change tracking,
flush ordering) cost more than the engine's own work on every step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from service.cases.operation import Moment
from service.core.errors import Conflict, NotFound
from service.core.models import Case, CaseState, HumanTask
from service.history.chain import GENESIS, ChainHead, chain_head_columns
from service.people.access import Actor, may_read_case
from workflows.engine.case_engine import CaseEngine
from workflows.i18n import _

CASE_STATUS_BY_END = {
    "case_closed": "closed",
    "case_rejected": "rejected",
    "vote_failed": "vote_failed",
}

# The statements of a step, built once: building a statement per call cost more than
# sending it. Parameter names differ from column names, which SQLAlchemy reserves.
_CASES = Case.__table__
_TASKS = HumanTask.__table__
_STATES = CaseState.__table__
_LOCK_CASE_OF_TASK = (
    select(Case)
    .where(
        Case.id
        == select(HumanTask.case_id).where(HumanTask.id == bindparam("task")).scalar_subquery()
    )
    .with_for_update(of=Case)
    .options(lazyload("*"))
    .execution_options(populate_existing=True)
)
_TASK = (
    select(HumanTask)
    .where(HumanTask.id == bindparam("task"))
    .options(lazyload(HumanTask.case))
    .execution_options(populate_existing=True)
)
# After the lock, a step reads its task, the case's other open task rows, its engine state
# and its history's head in one statement (which sees what writers before the lock
# committed); each row carries the state and head.
_STEP_READ = (
    select(HumanTask, _STATES.c.state, *chain_head_columns(HumanTask.case_id))
    .join(_STATES, _STATES.c.case_id == HumanTask.case_id)
    .where(
        HumanTask.case_id
        == select(_TASKS.c.case_id).where(_TASKS.c.id == bindparam("task")).scalar_subquery(),
        or_(HumanTask.id == bindparam("task"), HumanTask.status == "open"),
    )
    .options(lazyload(HumanTask.case))
    .execution_options(populate_existing=True)
)
_STATE_OF_CASE = select(_STATES.c.state).where(_STATES.c.case_id == bindparam("case"))
_STORE_STATE = (
    update(_STATES)
    .where(_STATES.c.case_id == bindparam("case"))
    .values(state=bindparam("new_state"))
)
# The other columns to set come with the parameters.
_BUMP_CASE = (
    update(_CASES)
    .where(_CASES.c.id == bindparam("case"), _CASES.c.revision == bindparam("read_revision"))
    .values(revision=_CASES.c.revision + 1)
)
_FINISH_TASK = update(_TASKS).where(_TASKS.c.id == bindparam("task"))
_OPEN_TASK_ROWS = select(
    _TASKS.c.id, _TASKS.c.task_uuid, _TASKS.c.due_at, _TASKS.c.completed_at
).where(_TASKS.c.case_id == bindparam("case"), _TASKS.c.status == "open")
_ADD_TASKS = insert(_TASKS)
_SET_DUE = update(_TASKS).where(_TASKS.c.id == bindparam("task")).values(due_at=bindparam("due"))
_CANCEL_TASKS = (
    update(_TASKS)
    .where(_TASKS.c.id.in_(bindparam("tasks", expanding=True)))
    .values(status="cancelled", completed_at=bindparam("now"))
)


def locked_task(session: Session, actor: Actor, task_id: int) -> tuple[HumanTask, Case]:
    """The task, read after its case row is locked; out of the actor's scope reads as missing.

    The case is locked through the task's id in one statement, and the task is read only
    then, so its status and assignee are those every other writer of the case left.
    Neither joins the places and organization their rows usually bring along: a step
    needs only the case's own columns, and anything else loads when it is asked for.
    """
    case = _lock_case_of_task(session, actor, task_id)
    return session.scalar(_TASK, {"task": task_id}), case


@dataclass(frozen=True)
class LockedStep:
    """What completing a task reads under its case's lock."""

    task: HumanTask
    case: Case
    state: str
    # The history's last entry: it holds until this transaction appends one.
    head: ChainHead
    # The case's other open task rows, for bringing them in line after the step.
    other_open: list[HumanTask]


def locked_step(session: Session, actor: Actor, task_id: int) -> LockedStep:
    """``locked_task``, with the rest of what a step reads in the same statement as the task."""
    case = _lock_case_of_task(session, actor, task_id)
    rows = session.execute(_STEP_READ, {"task": task_id}).all()
    [(task, state, head_seq, head_hash)] = [row for row in rows if row[0].id == task_id]
    return LockedStep(
        task=task,
        case=case,
        state=state,
        head=(head_seq, head_hash) if head_seq is not None else (0, GENESIS),
        other_open=[row[0] for row in rows if row[0].id != task_id],
    )


def _lock_case_of_task(session: Session, actor: Actor, task_id: int) -> Case:
    case = session.scalar(_LOCK_CASE_OF_TASK, {"task": task_id})
    if case is None or not may_read_case(actor, case):
        raise NotFound(_("没有找到该任务，或您无权查看。"))
    return case


def load_workflow(session: Session, engine: CaseEngine, case: Case, moment: Moment) -> Any:
    """The case's engine state restored to run at ``moment``."""
    state = session.scalar(_STATE_OF_CASE, {"case": case.id})
    return engine.load(state, moment.script_engine(), case.process_id)


def save(
    session: Session,
    case: Case,
    engine: CaseEngine,
    workflow: Any,
    now: datetime,
    open_rows: Sequence[Any] | None = None,
) -> str:
    """Store the new engine state and bring the case and task rows in line with it.

    The case row changes in one UPDATE with the revision bump, guarded by the revision
    read when it was locked: a concurrent writer loses.
    """
    changes = project(session, case, engine, workflow, now, open_rows)
    result = session.execute(  # on the table: no ORM bookkeeping, no flush before it
        _BUMP_CASE, {"case": case.id, "read_revision": case.revision, **changes}
    )
    if result.rowcount != 1:
        raise Conflict(_("案件已被他人更新，请刷新后重试"))
    # The UPDATE above stored them; marking them committed keeps the flush from
    # sending them again.
    for column, value in {**changes, "revision": case.revision + 1}.items():
        set_committed_value(case, column, value)
    state = engine.dump(workflow)
    session.execute(_STORE_STATE, {"case": case.id, "new_state": state})
    return state


def mark_completed(session: Session, task: HumanTask, user_id: int | None, now: datetime) -> None:
    """Mark the task row done; ``user_id`` is None when the service closed it itself."""
    done = {"status": "completed", "completed_at": now, "completed_by": user_id}
    session.execute(_FINISH_TASK, {"task": task.id, **done})
    for column, value in done.items():
        set_committed_value(task, column, value)


def project(
    session: Session,
    case: Case,
    engine: CaseEngine,
    workflow: Any,
    now: datetime,
    open_rows: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """Bring the open task rows (read here unless the caller has them) in line with the
    engine state; returns the case row's new column values (status, current step, next
    timer, digest)."""
    if open_rows is None:
        open_rows = session.execute(_OPEN_TASK_ROWS, {"case": case.id}).all()
    rows = {row.task_uuid: row for row in open_rows}
    open_tasks = engine.open_tasks(workflow)
    columns: dict[str, Any] = {}
    ended = engine.ended_at(workflow)
    if ended is not None:
        columns.update(
            status=CASE_STATUS_BY_END.get(ended, "ended"),
            outcome=ended,
            closed_at=now,
            # An ended case no longer holds its exclusive matter open.
            exclusive_key=None,
        )
    columns.update(
        current_step="、".join(t.name for t in open_tasks),
        next_timer_due=engine.next_timer_due(workflow),
        state_digest=engine.digest(workflow),
    )
    new = []
    for task in open_tasks:
        row = rows.pop(str(task.task_id), None)
        if row is None:
            new.append(
                {
                    "case_id": case.id,
                    "task_uuid": str(task.task_id),
                    "bpmn_id": task.bpmn_id,
                    "process_id": task.process_id,
                    "name": task.name,
                    "role": task.role,
                    "community_id": case.community_id,
                    "estate_id": case.estate_id,
                    "status": "open",
                    "created_at": now,
                    "due_at": task.due_at,
                }
            )
        elif row.due_at is None and task.due_at is not None:
            # A due date set in the task list stays; one the model sets later is added.
            session.execute(_SET_DUE, {"task": row.id, "due": task.due_at})
    if new:
        session.execute(_ADD_TASKS, new)
    gone = [row.id for row in rows.values() if row.completed_at is None]
    if gone:
        session.execute(_CANCEL_TASKS, {"tasks": gone, "now": now})
    return columns
