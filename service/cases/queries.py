"""Cases as readers see them: the searchable list, the detail, and the written reply.

The detail is assembled from the case row, its open tasks and its history: the request
as last corrected, the vote results and the reply's reasons are what the recorded steps
submitted, so they are exactly what an auditor replays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases.catalogue import kind_name
from service.cases.readable import readable_case
from service.cases.written_reply import ReplyView, reply_view
from service.core.models import Case, CaseEvent, HumanTask, Place
from service.core.paging import Page, SortKey, page
from service.history.chain import recorded_steps
from service.people.access import Actor, visible_cases
from service.people.directory import Person, people
from service.tasks.inbox import TaskView, task_views
from workflows.i18n import _
from workflows.vote_items import VOTE_ITEMS
from workflows.work_calendar import SHANGHAI

CASE_STATUSES = ("running", "closed", "rejected", "vote_failed", "ended")
CASE_STATUS_NAMES = {
    "running": _("办理中"),
    "closed": _("已办结"),
    "rejected": _("不予同意"),
    "vote_failed": _("业主表决未通过"),
    "ended": _("已结束"),
}
CASE_ORDER = SortKey("-filed", Case.filed_at, descending=True, is_datetime=True)


@dataclass(frozen=True)
class PlaceRef:
    code: str
    name: str


@dataclass(frozen=True)
class CaseSummary:
    id: int
    title: str
    matter_type: str
    matter_name: str
    sub_type: str
    estate: PlaceRef
    applicant: str
    status: str
    outcome: str | None
    current_step: str
    revision: int
    filed_at: datetime
    closed_at: datetime | None


def _summary(case: Case) -> CaseSummary:
    return CaseSummary(
        id=case.id,
        title=case.title,
        matter_type=case.matter_type,
        matter_name=kind_name(case.matter_type),
        sub_type=case.sub_type,
        estate=PlaceRef(case.estate.code, case.estate.name),
        applicant=case.applicant.name,
        status=case.status,
        outcome=case.outcome,
        current_step=case.current_step,
        revision=case.revision,
        filed_at=case.filed_at,
        closed_at=case.closed_at,
    )


@dataclass(frozen=True)
class CaseFilter:
    matter: str | None = None
    estate: str | None = None
    status: str | None = None
    filed_from: date | None = None
    filed_to: date | None = None
    text: str | None = None
    cursor: str | None = None
    limit: int = 20

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> CaseFilter:
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI)


def search_cases(session: Session, actor: Actor, flt: CaseFilter) -> Page[CaseSummary]:
    """Readable cases, newest first; filed dates are Beijing calendar days, both inclusive."""
    stmt = select(Case).where(visible_cases(actor))
    if flt.matter:
        stmt = stmt.where(Case.matter_type == flt.matter)
    if flt.estate:
        estate = select(Place.id).where(Place.code == flt.estate).scalar_subquery()
        stmt = stmt.where(Case.estate_id == estate)
    if flt.status:
        stmt = stmt.where(Case.status == flt.status)
    if flt.filed_from:
        stmt = stmt.where(Case.filed_at >= _day_start(flt.filed_from))
    if flt.filed_to:
        stmt = stmt.where(Case.filed_at < _day_start(flt.filed_to) + timedelta(days=1))
    if flt.text and flt.text.strip():
        stmt = stmt.where(Case.title.icontains(flt.text.strip(), autoescape=True))
    rows, next_cursor = page(
        session,
        stmt,
        CASE_ORDER,
        Case.id,
        flt.cursor,
        flt.limit,
        value_of=lambda c: c.filed_at,
        id_of=lambda c: c.id,
    )
    return Page([_summary(c) for c in rows], next_cursor)


def recent_cases(session: Session, actor: Actor, limit: int) -> list[Case]:
    """The actor's cases for the start page: running ones first, newest first."""
    return list(
        session.scalars(
            select(Case)
            .where(visible_cases(actor))
            .order_by(when((Case.status == "running", 0), else_=1), Case.filed_at.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class VoteResult:
    at: datetime
    meeting_date: str | None
    rule: str
    passed: bool
    participation_met: bool
    approval_met: bool
    reasons: list[str]
    base_area: str | None
    base_owners: int | None
    participating_area: str | None
    participating_owners: int | None
    approving_area: str | None
    approving_owners: int | None
    item: str = ""
    subject: str = ""

    @property
    def basis(self) -> str:
        """The 278 item a vote of the first assembly's statutes is counted under."""
        return VOTE_ITEMS[self.item].source if self.item else ""


@dataclass(frozen=True)
class RecordedWarning:
    """A warning a filing or step was accepted with (a late report, a rule set to "warn")."""

    at: datetime
    step: str
    field: str
    message: str


@dataclass(frozen=True)
class CaseDetail:
    summary: CaseSummary
    community: PlaceRef
    applicant_kind: str
    filed_by: Person | None
    request: dict[str, Any]
    open_tasks: list[TaskView]
    reply: ReplyView | None
    vote_results: list[VoteResult]
    warnings: list[RecordedWarning]


def request_as_corrected(events: list[CaseEvent]) -> dict[str, Any]:
    """The request as filed, or as the last 补正 left it."""
    request: dict[str, Any] = {}
    for event in events:
        if event.kind == "case_filed":
            request = event.data.get("initial", {}).get("request", {})
        elif isinstance(event.data.get("data", {}).get("request"), dict):
            request = event.data["data"]["request"]
    return request


def _votes(events: list[CaseEvent]) -> list[VoteResult]:
    """The owners' votes a case recorded: the matter's own, and the first assembly's votes
    on its 管理规约 and 议事规则, which share the election's meeting and bases."""
    results: list[VoteResult] = []
    meeting: dict[str, Any] = {}
    for event in events:
        if event.kind != "task_completed":
            continue
        data = event.data.get("data", {})
        if event.data.get("task") == "owners_vote":
            meeting = data
            results.append(_vote(event.at, data, data.get("vote_outcome") or {}, ""))
        elif event.data.get("task") == "statutes_adoption":
            outcomes = (data.get("statutes_outcome") or {}).items()
            # In the order of the items (一 then 二): a JSON column need not keep the keys'.
            for prefix, outcome in sorted(outcomes, key=lambda pair: _item_rank(pair[1])):
                tally = {
                    **meeting,
                    **{
                        name.removeprefix(f"{prefix}_"): value
                        for name, value in data.items()
                        if name.startswith(f"{prefix}_")
                    },
                }
                results.append(_vote(event.at, tally, outcome, prefix))
    return results


def _item_rank(outcome: dict[str, Any]) -> int:
    return list(VOTE_ITEMS).index(outcome["item"]) if outcome.get("item") in VOTE_ITEMS else 0


def _vote(at: datetime, data: dict[str, Any], outcome: dict[str, Any], prefix: str) -> VoteResult:
    item = VOTE_ITEMS.get(outcome.get("item", ""))
    return VoteResult(
        at=at,
        meeting_date=data.get("vote_meeting_date"),
        rule=outcome.get("rule", ""),
        passed=bool(outcome.get("passed")),
        participation_met=bool(outcome.get("participation_met")),
        approval_met=bool(outcome.get("approval_met")),
        reasons=list(outcome.get("reasons", [])),
        base_area=data.get("base_area_text"),
        base_owners=data.get("base_owners"),
        participating_area=data.get("participating_area_text"),
        participating_owners=data.get("participating_owners"),
        approving_area=data.get("approving_area_text"),
        approving_owners=data.get("approving_owners"),
        item=item.number if item and prefix else "",
        subject=item.text if item and prefix else "",
    )


def _warnings(events: list[CaseEvent]) -> list[RecordedWarning]:
    found = []
    for event in events:
        if event.kind == "case_filed":
            step, data = "", event.data.get("initial", {}).get("request", {})
        else:
            step, data = event.data.get("task", ""), event.data.get("data", {})
        for warning in data.get("warnings") or []:
            found.append(RecordedWarning(event.at, step, warning["field"], warning["message"]))
    return found


def case_detail(session: Session, actor: Actor, case_id: int, now: datetime) -> CaseDetail:
    case = readable_case(session, actor, case_id)
    events = recorded_steps(session, case.id)
    tasks = list(
        session.scalars(
            select(HumanTask)
            .where(HumanTask.case_id == case.id, HumanTask.status == "open")
            .order_by(HumanTask.id)
        )
    )
    community = session.get(Place, case.community_id)
    return CaseDetail(
        summary=_summary(case),
        community=PlaceRef(community.code, community.name),
        applicant_kind=case.applicant.kind,
        filed_by=people(session, [case.filed_by]).get(case.filed_by) if case.filed_by else None,
        request=request_as_corrected(events),
        open_tasks=task_views(session, tasks, now),
        reply=reply_view(session, case, events),
        vote_results=_votes(events),
        warnings=_warnings(events),
    )
