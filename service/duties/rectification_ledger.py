"""The rectification ledger (整改台账) of the year-end reviews, who may read it, and its CSV
export.

It is read from the case histories, not kept beside them: the evaluation lists the items
with their deadlines, and each later step of the review records the items' updated
states, so the latest of those entries says where every item stands. Nothing can drift
between the ledger and what was recorded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.errors import Forbidden
from service.core.models import Case, CaseEvent, DutyFiling, Place
from service.people.access import Actor, visible_cases
from workflows.duties import YEAR_END_REVIEW
from workflows.duty_forms import EVALUATIONS, ITEM_STATUSES
from workflows.i18n import _
from workflows.work_calendar import SHANGHAI

REVIEW_STEPS = ("annual_evaluation", "rectification_progress", "rectification_check")


@dataclass(frozen=True)
class LedgerRow:
    """One rectification item of one year-end review."""

    year: str
    community: str
    estate: str
    organization: str
    evaluation: str
    item_no: int
    item: str
    due_on: str
    status: str
    reported_on: str
    done_on: str
    overdue: bool
    case_id: int
    organization_id: int


HEADER = (
    _("年度"),
    _("社区"),
    _("小区"),
    _("述职单位"),
    _("评议结果"),
    _("序号"),
    _("整改事项"),
    _("整改期限"),
    _("整改状态"),
    _("报告完成日期"),
    _("核查确认日期"),
    _("是否超期"),
    _("案件编号"),
)


def ledger_rows(
    session: Session,
    today: date,
    *,
    year: str | None = None,
    organization_id: int | None = None,
    actor: Actor | None = None,
) -> list[LedgerRow]:
    """Every rectification item of the year-end reviews the filters (and the actor) allow."""
    query = (
        select(Case, DutyFiling.period)
        .join(DutyFiling, DutyFiling.case_id == Case.id)
        .where(Case.matter_type == YEAR_END_REVIEW)
        .order_by(DutyFiling.period, Case.community_id, Case.estate_id, Case.id)
    )
    if year is not None:
        query = query.where(DutyFiling.period == year)
    if organization_id is not None:
        query = query.where(Case.applicant_org_id == organization_id)
    if actor is not None:
        query = query.where(visible_cases(actor))
    reviews = session.execute(query).all()
    if not reviews:
        return []
    communities = dict(
        session.execute(
            select(Place.id, Place.name).where(Place.id.in_({c.community_id for c, _p in reviews}))
        ).all()
    )
    steps = _review_steps(session, [case.id for case, _p in reviews])
    rows = []
    for case, period in reviews:
        evaluation, items = _state(steps.get(case.id, []))
        for item in items:
            rows.append(
                LedgerRow(
                    year=period,
                    community=communities.get(case.community_id, ""),
                    estate=case.estate.name,
                    organization=case.applicant.name,
                    evaluation=EVALUATIONS.get(evaluation, evaluation),
                    item_no=item["item_no"],
                    item=item["item"],
                    due_on=item["due_on"],
                    status=item["status"],
                    reported_on=item.get("reported_on") or "",
                    done_on=item.get("done_on") or "",
                    overdue=item["status"] != "done" and date.fromisoformat(item["due_on"]) < today,
                    case_id=case.id,
                    organization_id=case.applicant_org_id,
                )
            )
    return rows


def _review_steps(session: Session, case_ids: list[int]) -> dict[int, list[CaseEvent]]:
    by_case: dict[int, list[CaseEvent]] = {}
    for event in session.scalars(
        select(CaseEvent)
        .where(
            CaseEvent.case_id.in_(case_ids),
            CaseEvent.kind == "task_completed",
            CaseEvent.task_bpmn_id.in_(REVIEW_STEPS),
        )
        .order_by(CaseEvent.case_id, CaseEvent.seq)
    ):
        by_case.setdefault(event.case_id, []).append(event)
    return by_case


def _state(events: list[CaseEvent]) -> tuple[str, list[dict[str, Any]]]:
    """The evaluation and the items as the latest review step left them."""
    evaluation = ""
    items: list[dict[str, Any]] = []
    for event in events:
        data = event.data.get("data", {})
        if event.task_bpmn_id == "annual_evaluation":
            evaluation = data.get("evaluation", "")
        if "rectification_items" in data:
            items = data["rectification_items"]
    return evaluation, items


def write_csv(rows: Iterable[LedgerRow], stream: IO[str]) -> None:
    """The ledger as CSV with a Chinese header, statuses in words, one item per line."""
    writer = csv.writer(stream)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(
            [
                row.year,
                row.community,
                row.estate,
                row.organization,
                row.evaluation,
                row.item_no,
                row.item,
                row.due_on,
                ITEM_STATUSES.get(row.status, row.status),
                row.reported_on,
                row.done_on,
                _("是") if row.overdue else _("否"),
                row.case_id,
            ]
        )


def as_dicts(rows: Iterable[LedgerRow]) -> list[dict[str, Any]]:
    """Rows for a JSON response."""
    names = [f.name for f in fields(LedgerRow)]
    return [dict(zip(names, astuple(row), strict=True)) for row in rows]


# -- the ledger as its readers reach it ---------------------------------------------------

LEDGER_ROLES = ("party_secretary", "party_committee", "street", "auditor", "admin")


def _today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def ledger_for(
    session: Session, actor: Actor, now: datetime, year: str | None = None
) -> list[LedgerRow]:
    """The rectification items of the year-end reviews in the actor's places."""
    if not actor.roles().intersection(LEDGER_ROLES):
        raise Forbidden(_("整改台账仅供社区党组织、街道党工委和审计查阅。"))
    return ledger_rows(session, _today(now), year=year, actor=actor)


def ledger_csv(rows: list[LedgerRow]) -> str:
    """The ledger as CSV text with a byte-order mark, so spreadsheet programs read Chinese."""
    out = io.StringIO()
    write_csv(rows, out)
    return "\ufeff" + out.getvalue()
