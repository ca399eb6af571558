"""The case service: filing, completing tasks and firing timers, one transaction each.

Every change to a case goes the same way: lock the case row, restore its engine state,
let the engine move, then save the state, the case row (revision + 1), the human-task
rows and one event in the same transaction. Either all of it lands or none.

The writes of a step are statements on the tables, not changes to ORM objects: a step
writes a handful of rows it already knows, and the ORM's unit of work (change tracking,
flush ordering) cost more than the engine's own work on every step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from service.cases.model_store import deploy, models_for
from service.cases.reminders import record_escalations
from service.core.clock import Clock
from service.core.configuration import load_configuration
from service.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.core.models import (
    Case,
    CaseState,
    HumanTask,
    Organization,
    Place,
    User,
    WrittenReply,
)
from service.duties.firm_credit import with_registered_standing
from service.history.chain import (
    GENESIS,
    ChainHead,
    append_event,
    chain_head_columns,
    state_fingerprint,
)
from service.people.access import Actor, may_file_for, may_read_case, may_work_task
from workflows import catalogue, compaction, duty_forms, forms
from workflows.deadlines import DeadlineLog
from workflows.engine import CaseEngine, CaseScriptEngine, ModelBundle, TaskNotReady
from workflows.i18n import _
from workflows.settings import Settings
from workflows.work_calendar import SHANGHAI, WorkCalendar

CASE_STATUS_BY_END = {
    "case_closed": "closed",
    "case_rejected": "rejected",
    "vote_failed": "vote_failed",
}


@dataclass
class _Moment:
    """What one operation runs with: the time, the settings and calendar, the deadlines."""

    now: datetime
    settings: Settings
    calendar: WorkCalendar
    deadlines: DeadlineLog

    def script_engine(self) -> CaseScriptEngine:
        return CaseScriptEngine(now=lambda: self.now, functions={"deadline": self.deadlines})


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


class CaseService:
    """Filing and advancing cases; the HTTP handlers and the CLI call only this."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads that ends with COMMIT rather than ROLLBACK.

        psycopg forgets every prepared statement of a connection when it rolls back (a
        rollback may undo a PREPARE), so requests whose reads ended in a rollback left
        PostgreSQL parsing and planning every statement of every request afresh.
        """
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def single_read(self) -> Iterator[Connection]:
        """A connection for one read statement on the tables, outside any transaction.

        One statement sees one snapshot on its own, so BEGIN and COMMIT would only add
        two round trips; and a plain connection skips a session's bookkeeping (about
        0.1 ms). The bearer-token check before every API request uses this.
        """
        engine = self.sessions.kw["bind"]
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield connection

    def deploy_models(self, bundle: ModelBundle | None = None) -> str:
        with self.transaction() as session:
            return deploy(session, bundle or ModelBundle.from_directory(), self.clock.now())

    def actor(self, session: Session, username: str) -> Actor:
        user = session.scalar(select(User).where(User.username == username, User.active))
        if user is None:
            raise NotFound(f"no active user {username!r}")
        return Actor.of(user)

    def _moment(self, session: Session) -> _Moment:
        now = self.clock.now()
        settings, calendar = load_configuration(session)
        return _Moment(now, settings, calendar, DeadlineLog(now, settings, calendar))

    # -- filing ---------------------------------------------------------------------------

    def file_case(self, actor: Actor, payload: Mapping[str, Any]) -> int:
        """File a request; returns the new case's id. The applicant is the actor's body."""
        with self.transaction() as session:
            matter_type, estate, organization = self._filing_parties(session, actor, payload)
            matter = catalogue.matter(matter_type)
            moment = self._moment(session)
            ctx = forms.StepContext(
                matter_type=matter_type,
                sub_type="",
                request={},
                data={},
                settings=moment.settings,
                calendar=moment.calendar,
                now=moment.now,
            )
            form = payload.get("request")
            if isinstance(form, Mapping):
                form = {"applicant_kind": organization.kind, **form}
            request = self._validated(forms.validate_filing, matter_type, form, ctx)
            if request["applicant_kind"] != organization.kind:
                raise InvalidInput({"applicant_kind": [_("申请单位类型与您所代表的单位不符")]})
            sub_type = str(request.get("sub_type") or "")
            extra = {"initiator": request["initiator"]} if "initiator" in request else {}
            case = self._open_case(
                session,
                moment,
                kind=matter_type,
                sub_type=sub_type,
                title=str(request.get("title") or matter.name),
                process_id=matter.process_id,
                estate=estate,
                organization=organization,
                filed_by=actor.user_id,
                request=request,
                extra=extra,
            )
            return case.id

    def _open_case(
        self,
        session: Session,
        moment: _Moment,
        *,
        kind: str,
        sub_type: str,
        title: str,
        process_id: str,
        estate: Place,
        organization: Organization,
        filed_by: int | None,
        request: dict[str, Any],
        extra: Mapping[str, Any],
        before_start: Callable[[Case], None] | None = None,
    ) -> Case:
        """Create the case row, start its process on the current models, record the filing.

        Matters and periodic duties are opened the same way. ``before_start`` runs once the
        case has its id, before the engine work (a scheduled duty claims its period there).
        """
        community = estate.parent
        street = community.parent
        version = deploy(session, ModelBundle.from_directory(), moment.now)
        case = Case(
            matter_type=kind,
            sub_type=sub_type,
            title=title[:200],
            estate_id=estate.id,
            community_id=community.id,
            street_id=street.id,
            district_id=street.parent_id,
            applicant_org_id=organization.id,
            status="running",
            model_version=version,
            process_id=process_id,
            filed_by=filed_by,
            filed_at=moment.now,
            revision=0,
        )
        session.add(case)
        session.flush()
        if before_start is not None:
            before_start(case)
        data = {
            "matter_type": kind,
            "sub_type": sub_type,
            "case_id": case.id,
            "request": request,
            **extra,
        }
        engine = CaseEngine(models_for(session, version))
        workflow = engine.start(process_id, data, moment.script_engine())
        state = engine.dump(workflow)
        session.add(CaseState(case_id=case.id, state=state))
        for column, value in self._project(session, case, engine, workflow, moment.now).items():
            setattr(case, column, value)
        append_event(
            session,
            case.id,
            "case_filed",
            moment.now,
            filed_by,
            data={
                "process_id": process_id,
                "model_version": version,
                "initial": data,
                "compact": compaction.enabled(workflow),
                "deadlines": moment.deadlines.issued,
                "digest": case.state_digest,
                "state_sha256": state_fingerprint(state),
            },
        )
        return case

    def _filing_parties(
        self, session: Session, actor: Actor, payload: Mapping[str, Any]
    ) -> tuple[str, Place, Organization]:
        if not isinstance(payload, Mapping):
            raise InvalidInput({"_schema": [_("请求体必须是 JSON 对象")]})
        errors: dict[str, list[str]] = {}
        matter_type = payload.get("matter_type")
        if matter_type not in catalogue.MATTERS:
            errors["matter_type"] = [_("请选择有效的事项类型")]
        estate = session.scalar(
            select(Place).where(
                Place.code == str(payload.get("estate") or ""), Place.kind == "estate"
            )
        )
        if estate is None:
            errors["estate"] = [_("请选择有效的小区")]
        if errors:
            raise InvalidInput(errors)
        candidates = [
            g.organization_id
            for g in actor.grants
            if g.role == "applicant" and g.place_id == estate.id and g.organization_id
        ]
        wanted = payload.get("organization")
        if wanted is not None:
            candidates = [c for c in candidates if c == wanted]
        if len(candidates) != 1 or not may_file_for(actor, candidates[0]):
            raise Forbidden(_("您不是该小区可以提出请示的单位"))
        organization = session.get(Organization, candidates[0])
        if catalogue.matter(matter_type).applicant_kinds and (
            organization.kind not in catalogue.matter(matter_type).applicant_kinds
        ):
            raise Forbidden(_("您所代表的单位不能提出该类事项的请示"))
        return matter_type, estate, organization

    @staticmethod
    def _validated(
        validate: Callable[..., dict[str, Any]], key: str, payload: Any, ctx: forms.StepContext
    ) -> dict[str, Any]:
        if not isinstance(payload, Mapping):
            raise InvalidInput({"request": [_("请填写表单内容（JSON 对象）")]})
        try:
            return validate(key, payload, ctx)
        except forms.FormError as exc:
            raise InvalidInput(exc.messages) from exc

    # -- tasks ----------------------------------------------------------------------------

    def complete_task(
        self,
        actor: Actor,
        task_id: int,
        payload: Mapping[str, Any],
        expected_revision: int | None = None,
        check: Callable[[Session, HumanTask], None] | None = None,
    ) -> int:
        """Complete an open task with its form data; returns the case's new revision.

        Problems are reported in the order callers should hear of them: out of scope (404),
        no right to work it (403), done or someone else's (409), then ``check`` (the
        caller's own, e.g. the files the form names), then a stale revision (409).
        """
        with self.transaction() as session:
            step = locked_step(session, actor, task_id)
            task, case = step.task, step.case
            if not may_work_task(actor, task, case):
                raise Forbidden(_("您没有办理该任务的权限。"))
            if task.status != "open":
                raise Conflict(_("该任务已办理完毕或已取消。"))
            if task.assignee_id not in (None, actor.user_id):
                raise Conflict(_("该任务已由他人签收。"))
            if check is not None:
                check(session, task)
            if expected_revision is not None and expected_revision != case.revision:
                raise Conflict(_("案件已被他人更新，请刷新后重试"))
            moment = self._moment(session)
            engine = CaseEngine(models_for(session, case.model_version))
            workflow = engine.load(step.state, moment.script_engine(), case.process_id)
            try:
                seen = engine.task_data(workflow, task.bpmn_id)
            except TaskNotReady as exc:
                raise Conflict(_("该任务已不在办理中")) from exc
            ctx = forms.StepContext(
                matter_type=case.matter_type,
                sub_type=case.sub_type,
                request=seen.get("request", {}),
                data=seen,
                settings=moment.settings,
                calendar=moment.calendar,
                now=moment.now,
            )
            if task.bpmn_id == "firm_selection":
                payload = with_registered_standing(session, payload)
            data = self._validated(
                partial(duty_forms.validate_case_step, case.matter_type),
                task.bpmn_id,
                payload,
                ctx,
            )
            if task.bpmn_id == "written_reply":
                data["reply_document_number"] = self._issue_reply(
                    session, case, actor, data["reply_decision"], moment.now
                )
            engine.complete(workflow, task.bpmn_id, data)
            self._mark_completed(session, task, actor.user_id, moment.now)
            state = self._save(session, case, engine, workflow, moment.now, step.other_open)
            append_event(
                session,
                case.id,
                "task_completed",
                moment.now,
                actor.user_id,
                task.bpmn_id,
                {
                    "task": task.bpmn_id,
                    "data": data,
                    "deadlines": moment.deadlines.issued,
                    "digest": case.state_digest,
                    "state_sha256": state_fingerprint(state),
                },
                step.head,
            )
            return case.revision

    def _issue_reply(
        self, session: Session, case: Case, actor: Actor, decision: str, now: datetime
    ) -> str:
        """Number the 批复 per party organization and year, e.g. 幸福社区党委批〔2026〕3号."""
        party = session.scalar(
            select(Organization).where(
                Organization.place_id == case.community_id,
                Organization.kind == "party_organization",
            )
        )
        if party is None:
            raise Conflict(_("该社区尚未登记党组织，无法出具批复"))
        year = now.astimezone(SHANGHAI).year
        serial = 1 + (
            session.scalar(
                select(func.max(WrittenReply.serial)).where(
                    WrittenReply.party_org_id == party.id, WrittenReply.year == year
                )
            )
            or 0
        )
        number = f"{party.name}批〔{year}〕{serial}号"
        try:
            with session.begin_nested():
                session.add(
                    WrittenReply(
                        case_id=case.id,
                        party_org_id=party.id,
                        year=year,
                        serial=serial,
                        document_number=number,
                        decision=decision,
                        issued_at=now,
                        signed_by=actor.user_id,
                    )
                )
        except IntegrityError as exc:
            raise Conflict(_("批复文号正被同时使用，请重试")) from exc
        return number

    # -- timers ---------------------------------------------------------------------------

    def run_due_timers(self, limit: int = 100) -> int:
        """Fire the due timers of up to ``limit`` cases; returns how many cases moved.

        On PostgreSQL several workers can run at once: each claims cases with
        FOR UPDATE SKIP LOCKED, so no case is worked twice at the same moment, and a
        timer that has fired is no longer waiting, so running again never acts twice.
        """
        moved = 0
        now = self.clock.now()
        with self.transaction() as session:
            ids = list(
                session.scalars(
                    select(Case.id)
                    .where(Case.status == "running", Case.next_timer_due <= now)
                    .order_by(Case.next_timer_due)
                    .limit(limit)
                    .with_for_update(skip_locked=True, of=Case)
                )
            )
        for case_id in ids:
            moved += self._fire_timers(case_id)
        return moved

    def _fire_timers(self, case_id: int) -> int:
        with self.transaction() as session:
            case = session.scalar(
                select(Case).where(Case.id == case_id).with_for_update(skip_locked=True, of=Case)
            )
            if case is None or case.status != "running":
                return 0
            moment = self._moment(session)
            engine = CaseEngine(models_for(session, case.model_version))
            workflow = self._load(session, engine, case, moment)
            fired = engine.fire_due_timers(workflow)
            if not fired:
                case.next_timer_due = engine.next_timer_due(workflow)
                return 0
            state = self._save(session, case, engine, workflow, moment.now)
            append_event(
                session,
                case.id,
                "timers_fired",
                moment.now,
                None,
                None,
                {
                    "timers": fired,
                    "deadlines": moment.deadlines.issued,
                    "digest": case.state_digest,
                    "state_sha256": state_fingerprint(state),
                },
            )
            record_escalations(session, case, moment.now)
            return 1

    # -- persistence of one step -----------------------------------------------------------

    @staticmethod
    def _load(session: Session, engine: CaseEngine, case: Case, moment: _Moment):
        state = session.scalar(_STATE_OF_CASE, {"case": case.id})
        return engine.load(state, moment.script_engine(), case.process_id)

    @classmethod
    def _save(
        cls,
        session: Session,
        case: Case,
        engine: CaseEngine,
        workflow,
        now: datetime,
        open_rows: Sequence[Any] | None = None,
    ) -> str:
        """Store the new engine state and bring the case and task rows in line with it.

        The case row changes in one UPDATE with the revision bump, guarded by the revision
        read when it was locked: a concurrent writer loses.
        """
        changes = cls._project(session, case, engine, workflow, now, open_rows)
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

    @staticmethod
    def _mark_completed(session: Session, task: HumanTask, user_id: int, now: datetime) -> None:
        done = {"status": "completed", "completed_at": now, "completed_by": user_id}
        session.execute(_FINISH_TASK, {"task": task.id, **done})
        for column, value in done.items():
            set_committed_value(task, column, value)

    @staticmethod
    def _project(
        session: Session,
        case: Case,
        engine: CaseEngine,
        workflow,
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
                status=CASE_STATUS_BY_END.get(ended, "ended"), outcome=ended, closed_at=now
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
