"""The rectification ledger (整改台账): the items of the year-end reviews and the
rectifications the oversight of cases ordered, who may read it, and its CSV and Excel
exports.

It is read from the case histories, not kept beside them: the evaluation lists the items
with their deadlines, and each later step of the review records the items' updated
states, so the latest of those entries says where every item stands. An oversight review
that finds the work wanting orders one item (its findings, by its deadline); the
applicant's 整改 reports it done, and the next review confirms it or orders again.
Nothing can drift between the ledger and what was recorded.
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

from service.cases.catalogue import kind_name
from service.core import workbook
from service.core.models import Case, CaseEvent, DutyFiling, Place
from service.people.access import Actor, visible_cases
from workflows.duties import YEAR_END_REVIEW
from workflows.duty_forms import EVALUATIONS, ITEM_STATUSES
from workflows.i18n import _
from workflows.lifecycle import OVERSIGHT_REVIEW, RECTIFICATION
from workflows.work_calendar import SHANGHAI

REVIEW_STEPS = ("annual_evaluation", "rectification_progress", "rectification_check")

# An oversight item the next review found still wanting: a new order replaces it.
REORDERED = "reordered"
STATUSES = {**ITEM_STATUSES, REORDERED: _("复查未通过，已重新整改")}
SOURCES = {YEAR_END_REVIEW: _("年度述职评议"), OVERSIGHT_REVIEW: _("监督检查")}


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
    source: str = YEAR_END_REVIEW
    matter: str = ""


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
    _("来源"),
)


def ledger_rows(
    session: Session,
    today: date,
    *,
    year: str | None = None,
    organization_id: int | None = None,
    actor: Actor | None = None,
) -> list[LedgerRow]:
    """The whole ledger: the year-end reviews' items, then the oversight rectifications."""
    reviews = review_rows(session, today, year=year, organization_id=organization_id, actor=actor)
    orders = oversight_rows(session, today, year=year, organization_id=organization_id, actor=actor)
    return reviews + orders


def review_rows(
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
    communities = _community_names(session, {c.community_id for c, _p in reviews})
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


def _community_names(session: Session, ids: set[int]) -> dict[int, str]:
    return dict(session.execute(select(Place.id, Place.name).where(Place.id.in_(ids))).all())


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


# -- the rectifications the oversight of cases ordered ------------------------------------


def oversight_rows(
    session: Session,
    today: date,
    *,
    year: str | None = None,
    organization_id: int | None = None,
    actor: Actor | None = None,
) -> list[LedgerRow]:
    """One item per rectification an oversight review ordered, in the filters' reach; its
    year is the year of the order (Beijing time)."""
    query = (
        select(CaseEvent, Case)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(
            CaseEvent.kind == "task_completed",
            CaseEvent.task_bpmn_id.in_((OVERSIGHT_REVIEW, RECTIFICATION)),
        )
        .order_by(Case.community_id, Case.estate_id, Case.id, CaseEvent.seq)
    )
    if organization_id is not None:
        query = query.where(Case.applicant_org_id == organization_id)
    if actor is not None:
        query = query.where(visible_cases(actor))
    found = session.execute(query).all()
    communities = _community_names(session, {c.community_id for _e, c in found})
    rows: list[LedgerRow] = []
    cases: dict[int, Case] = {}
    steps: dict[int, list[CaseEvent]] = {}
    for event, case in found:
        cases[case.id] = case
        steps.setdefault(case.id, []).append(event)
    for case_id, events in steps.items():
        case = cases[case_id]
        for order in _orders(events, today):
            if year is not None and order["year"] != year:
                continue
            rows.append(
                LedgerRow(
                    community=communities.get(case.community_id, ""),
                    estate=case.estate.name,
                    organization=case.applicant.name,
                    evaluation="",
                    case_id=case.id,
                    organization_id=case.applicant_org_id,
                    source=OVERSIGHT_REVIEW,
                    matter=kind_name(case.matter_type),
                    **order,
                )
            )
    return rows


def _day_of(event: CaseEvent) -> str:
    return event.at.astimezone(SHANGHAI).date().isoformat()


def _orders(events: list[CaseEvent], today: date) -> list[dict[str, Any]]:
    """Each rectification ordered, as the case's later steps left it: reported by the
    applicant's 整改, then confirmed (done) or ordered again (reordered) by the next review."""
    orders: list[dict[str, Any]] = []
    for event in events:
        data = event.data.get("data", {})
        current = orders[-1] if orders else None
        if event.task_bpmn_id == RECTIFICATION and current is not None:
            current.update(status="reported", reported_on=_day_of(event))
            continue
        if current is not None and current["status"] == "reported":
            done = data.get("oversight_result") != "rectify"
            current.update(
                status="done" if done else REORDERED, done_on=_day_of(event) if done else ""
            )
        if data.get("oversight_result") == "rectify":
            orders.append(
                {
                    "year": _day_of(event)[:4],
                    "item_no": len(orders) + 1,
                    "item": data.get("oversight_findings") or "",
                    "due_on": data.get("rectification_deadline") or "",
                    "status": "open",
                    "reported_on": "",
                    "done_on": "",
                }
            )
    for order in orders:
        order["overdue"] = (
            order["status"] in ("open", "reported")
            and bool(order["due_on"])
            and date.fromisoformat(order["due_on"]) < today
        )
    return orders


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
                STATUSES.get(row.status, row.status),
                row.reported_on,
                row.done_on,
                _("是") if row.overdue else _("否"),
                row.case_id,
                _source(row),
            ]
        )


def _source(row: LedgerRow) -> str:
    """Where the item comes from: the year-end review, or the oversight of which matter."""
    name = SOURCES.get(row.source, row.source)
    return f"{name}（{row.matter}）" if row.matter else name


def as_dicts(rows: Iterable[LedgerRow]) -> list[dict[str, Any]]:
    """Rows for a JSON response."""
    names = [f.name for f in fields(LedgerRow)]
    return [dict(zip(names, astuple(row), strict=True)) for row in rows]


# -- the ledger as its readers reach it ---------------------------------------------------


def _today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def ledger_for(
    session: Session, actor: Actor, now: datetime, year: str | None = None
) -> list[LedgerRow]:
    """The items of the cases the actor reads: the party organization, the street and
    auditors those in their places; the reviewed body (committee or firm) its own."""
    return ledger_rows(session, _today(now), year=year, actor=actor)


def ledger_csv(rows: list[LedgerRow]) -> str:
    """The ledger as CSV text with a byte-order mark, so spreadsheet programs read Chinese."""
    out = io.StringIO()
    write_csv(rows, out)
    return "\ufeff" + out.getvalue()


XLSX_COLUMNS = (
    workbook.Column(_("来源"), width=26),
    workbook.Column(_("年度"), workbook.INTEGER, 8),
    workbook.Column(_("社区"), width=16),
    workbook.Column(_("小区"), width=16),
    workbook.Column(_("责任单位"), width=30),
    workbook.Column(_("评议结果"), width=10),
    workbook.Column(_("序号"), workbook.INTEGER, 6),
    workbook.Column(_("整改事项"), width=40),
    workbook.Column(_("整改期限"), workbook.DAY, 12),
    workbook.Column(_("整改状态"), width=20),
    workbook.Column(_("报告完成日期"), workbook.DAY, 14),
    workbook.Column(_("核查确认日期"), workbook.DAY, 14),
    workbook.Column(_("是否超期"), width=10),
    workbook.Column(_("案件编号"), workbook.INTEGER, 10),
)


def ledger_xlsx(rows: list[LedgerRow]) -> bytes:
    """The ledger as an Excel workbook: years, numbers and dates as real cells."""
    return workbook.workbook(
        _("整改台账"),
        XLSX_COLUMNS,
        (
            (
                _source(row),
                int(row.year),
                row.community,
                row.estate,
                row.organization,
                row.evaluation,
                row.item_no,
                row.item,
                workbook.day(row.due_on),
                STATUSES.get(row.status, row.status),
                workbook.day(row.reported_on),
                workbook.day(row.done_on),
                _("是") if row.overdue else _("否"),
                row.case_id,
            )
            for row in rows
        ),
    )
