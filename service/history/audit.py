"""A case's history as readers see it: its events page by page, the state at any entry,
and the verification of the whole record.

Everyone who may read a case may read its history: the auditor's role differs in scope
(a district or a street) and in being read-only, not in what the history shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases.catalogue import kind_name
from service.cases.diagrams import Diagram, case_diagrams, process_files
from service.cases.model_store import models_for
from service.cases.persistence import CASE_STATUS_BY_END
from service.cases.readable import CaseParties, case_parties, readable_case
from service.core.errors import Conflict, InvalidInput, NotFound
from service.core.models import Case, CaseEvent
from service.core.paging import Page, SortKey, page
from service.history.chain import ENGINE_EVENTS, events_of
from service.history.replay import ReplayDivergence, replay, verify_case
from service.people.access import Actor
from service.people.directory import Person, display_names, people
from workflows.duties import step_name
from workflows.engine.case_engine import CaseEngine, OpenTask
from workflows.i18n import _

EVENT_ORDER = SortKey("seq", CaseEvent.seq)


def people_in(session: Session, events: list[CaseEvent]) -> dict[int, str]:
    """Names of everyone a history mentions: who acted, and to whom tasks were assigned."""
    ids = [e.actor_id for e in events] + [(e.data or {}).get("assignee_id") for e in events]
    return display_names(session, ids)


@dataclass(frozen=True)
class CaseHistory:
    """A case's whole history with the names in it, as the case page and the auditor's
    pages show it."""

    case: Case
    parties: CaseParties
    events: list[CaseEvent]
    people: dict[int, str]


def case_history(session: Session, actor: Actor, case_id: int) -> CaseHistory:
    """The history of a case the actor may read, with the names of everyone in it."""
    case = readable_case(session, actor, case_id)
    events = events_of(session, case.id)
    return CaseHistory(case, case_parties(session, case), events, people_in(session, events))


@dataclass(frozen=True)
class EventView:
    seq: int
    kind: str
    at: datetime
    actor: Person | None
    task_bpmn_id: str | None
    task_name: str | None
    data: dict[str, Any]
    hash: str
    prev_hash: str


def event_views(session: Session, events: list[CaseEvent]) -> list[EventView]:
    """Events with their actors' names, looked up once for the whole list."""
    names = people(session, (e.actor_id for e in events))
    return [
        EventView(
            seq=e.seq,
            kind=e.kind,
            at=e.at,
            actor=names.get(e.actor_id) if e.actor_id else None,
            task_bpmn_id=e.task_bpmn_id,
            task_name=step_name(e.task_bpmn_id) if e.task_bpmn_id else None,
            data=e.data,
            hash=e.hash,
            prev_hash=e.prev_hash,
        )
        for e in events
    ]


def events_page(
    session: Session, actor: Actor, case_id: int, cursor: str | None, limit: int
) -> Page[EventView]:
    """One page of a case's history, oldest first."""
    readable_case(session, actor, case_id)
    rows, next_cursor = page(
        session,
        select(CaseEvent).where(CaseEvent.case_id == case_id),
        EVENT_ORDER,
        CaseEvent.seq,
        cursor,
        limit,
        value_of=lambda e: e.seq,
        id_of=lambda e: e.seq,
    )
    return Page(event_views(session, list(rows)), next_cursor)


@dataclass(frozen=True)
class ReplayedTask:
    bpmn_id: str
    name: str
    role: str
    process_id: str
    due_at: datetime | None


@dataclass(frozen=True)
class ReplayedState:
    """The case as it stood right after entry ``upto``, rebuilt from its history alone."""

    case_id: int
    upto: int
    event: EventView
    status: str
    ended_at: str | None
    open_tasks: list[ReplayedTask]
    data: dict[str, Any]
    digest: str
    matches_record: bool


@dataclass(frozen=True)
class ReplayStep:
    """The replay page: the case rebuilt from its history up to entry ``seq``, and drawn
    as it stood then; ``divergence`` says where replay departed from the record instead."""

    history: CaseHistory
    seq: int
    event: CaseEvent
    divergence: ReplayDivergence | None
    diagrams: list[Diagram]
    open_tasks: list[OpenTask]
    ended: str | None

    @property
    def replays_state(self) -> bool:
        """Whether the entry moved the engine (others leave the state as it was)."""
        return self.event.kind in ENGINE_EVENTS


def replay_step(session: Session, actor: Actor, case_id: int, seq: int) -> ReplayStep:
    """Replay up to entry ``seq`` (kept within the history), comparing the state after
    every entry with the one recorded, so a departure is named where it happens."""
    history = case_history(session, actor, case_id)
    case, events = history.case, history.events
    if not events:
        raise NotFound("no history")
    seq = min(max(1, seq), events[-1].seq)
    event = next(e for e in events if e.seq == seq)
    engine = CaseEngine(models_for(session, case.model_version))
    try:
        workflow = replay(engine, events, upto=seq, check_each=True)
    except ReplayDivergence as exc:
        return ReplayStep(history, seq, event, exc, [], [], None)
    diagrams = case_diagrams(
        process_files(session, case.model_version),
        engine,
        workflow,
        case.process_id,
        kind_name(case.matter_type),
        event.at,
    )
    return ReplayStep(
        history, seq, event, None, diagrams, engine.open_tasks(workflow), engine.ended_at(workflow)
    )


def replay_to(session: Session, actor: Actor, case_id: int, upto: int) -> ReplayedState:
    """Replay the case from its first entry up to and including entry ``upto``."""
    case = readable_case(session, actor, case_id)
    events = events_of(session, case.id)
    if not 1 <= upto <= len(events):
        raise InvalidInput({"upto": [_("应为 1 至 {n} 之间的记录序号。").format(n=len(events))]})
    engine = CaseEngine(models_for(session, case.model_version))
    try:
        workflow = replay(engine, events, upto)
    except ReplayDivergence as exc:
        raise Conflict(
            _("历史记录在第 {seq} 条无法重演：{reason}").format(seq=exc.seq, reason=exc.reason)
        ) from exc
    ended = engine.ended_at(workflow)
    tasks = engine.open_tasks(workflow)
    if ended is not None:
        data = dict(workflow.data)
    elif tasks:
        data = engine.task_data(workflow, tasks[0].bpmn_id)
    else:
        data = {}
    digest = engine.digest(workflow)
    recorded = [e for e in events[:upto] if e.kind in ENGINE_EVENTS][-1].data.get("digest")
    return ReplayedState(
        case_id=case.id,
        upto=upto,
        event=event_views(session, [events[upto - 1]])[0],
        status=CASE_STATUS_BY_END.get(ended, "ended") if ended else "running",
        ended_at=ended,
        open_tasks=[ReplayedTask(t.bpmn_id, t.name, t.role, t.process_id, t.due_at) for t in tasks],
        data=json.loads(json.dumps(data, ensure_ascii=False, default=str)),
        digest=digest,
        matches_record=digest == recorded,
    )


def verification(session: Session, actor: Actor, case_id: int) -> dict[str, Any]:
    """Hash chain, replay and stored state checked together (``replay.verify_case``)."""
    return verify_case(session, readable_case(session, actor, case_id)).as_dict()
