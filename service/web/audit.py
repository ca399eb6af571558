"""The auditor's pages: search the cases in scope, verify a history, replay it step by step.

Verification recomputes the hash chain and replays the recorded events against the
model version the case ran on; the replay page rebuilds the case as it stood after any
one event and draws it. Histories export as JSON and CSV and print as a table.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from typing import Any

from flask import Response, redirect, render_template, request, url_for

from service.admin import log as admin_log
from service.cases.case_workbook import cases_xlsx
from service.cases.queries import CaseFilter
from service.cases.readable import readable_case
from service.core.errors import NotFound
from service.history.audit import CaseHistory, case_history
from service.history.audit import replay_step as replayed
from service.history.replay import Verification, verify_case
from service.web import reading as rd
from service.web.case_search import search_page
from service.web.common import (
    actor,
    local_time,
    reading,
    require_role,
    web_blueprint,
    xlsx_download,
)
from workflows.i18n import _

bp = web_blueprint("audit", __name__)
bp.before_request(lambda: require_role("auditor"))

PAGE_SIZE = 25
SEARCH_FIELDS = ("q", "matter", "status", "estate", "from", "to")

# The verifier's reasons, in the words an auditor reads.
REASONS = (
    (re.compile(r"entry (\d+) is missing"), _("第 {0} 条记录缺失")),
    (
        re.compile(r"entry (\d+) does not link to its predecessor"),
        _("第 {0} 条记录与前一条记录的链接不符"),
    ),
    (re.compile(r"entry (\d+) was altered"), _("第 {0} 条记录的内容被改动")),
    (
        re.compile(r"the replayed state differs from the recorded one"),
        _("按记录重放得到的状态与当时记录的状态不一致"),
    ),
    (re.compile(r"the case record differs from its history"), _("案件当前记录与历史记录不一致")),
    (
        re.compile(r"the stored engine state differs from its history"),
        _("保存的流程状态与历史记录不一致"),
    ),
    (re.compile(r"the history holds no filing"), _("历史记录中没有提出请示的记录")),
    (re.compile(r"the case was not filed first"), _("第一条记录不是提出请示")),
    (re.compile(r"the recorded timers were not due"), _("记录的期限届满与模型不符")),
    (
        re.compile(r"step (\S+) was not open at this point of the model"),
        _("记录的步骤“{0}”在模型的此处不可办理"),
    ),
    (re.compile(r"the recorded deadlines differ from the model's"), _("记录的办理期限与模型不符")),
    (re.compile(r"the entry cannot be applied"), _("该记录无法按模型重放")),
    (re.compile(r"history verified"), _("历史记录完整，重放结果与记录一致")),
    (re.compile(r"chain intact"), _("哈希链完整")),
)


def reason_text(reason: str) -> str:
    for pattern, text in REASONS:
        match = pattern.search(reason)
        if match:
            return text.format(*(rd.step_name(g) for g in match.groups()))
    return reason


def badge(verification: Verification) -> dict[str, Any]:
    if verification.ok:
        return {
            "ok": True,
            "text": _("记录完整：哈希链完整，重放与记录一致（共 {n} 条）").format(
                n=verification.events
            ),
        }
    reasons = [] if verification.chain.intact else [reason_text(verification.chain.reason)]
    if not verification.replay_ok:
        reasons.append(
            _("重放在第 {n} 条与记录不符：{reason}").format(
                n=verification.replay_seq, reason=reason_text(verification.replay_reason or "")
            )
        )
    return {
        "ok": False,
        "text": _("记录在第 {n} 条处断裂").format(n=verification.first_bad_seq),
        "reasons": reasons,
        "seq": verification.first_bad_seq,
    }


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _may_read(case_id: int) -> bool:
    """Whether the auditor may open this case number; otherwise it is searched as text."""
    with reading() as db:
        try:
            readable_case(db, actor(), case_id)
        except NotFound:
            return False
    return True


@bp.get("/audit")
def search() -> str | tuple[str, int] | Response:
    """Cases in the auditor's scope; a case number goes straight to that case."""
    args = {k: v for k, v in request.args.items() if k in SEARCH_FIELDS and v}
    term = args.get("q", "").strip()
    if term.isdigit() and _may_read(int(term)):
        return redirect(url_for(".case", case_id=int(term)))
    return search_page(
        "web/audit_search.html",
        args,
        _search_filter(args),
        admin_log_readable=admin_log.may_read(actor()),
    )


def _search_filter(args: dict[str, str]) -> CaseFilter:
    return CaseFilter(
        matter=args.get("matter"),
        estate=args.get("estate"),
        status=args.get("status"),
        filed_from=_day(args.get("from")),
        filed_to=_day(args.get("to")),
        text=args.get("q", "").strip() or None,
        cursor=request.args.get("cursor") or None,
        limit=PAGE_SIZE,
    )


@bp.get("/audit.xlsx")
def search_xlsx() -> Response:
    """Every case the search finds, as an Excel workbook."""
    args = {k: v for k, v in request.args.items() if k in SEARCH_FIELDS and v}
    with reading() as db:
        data = cases_xlsx(db, actor(), _search_filter(args))
    return xlsx_download(data, "cases.xlsx")


@bp.get("/audit/cases/<int:case_id>")
def case(case_id: int) -> str:
    with reading() as db:
        history = case_history(db, actor(), case_id)
        verification = verify_case(db, history.case)
    return render_template(
        "web/audit_case.html",
        case=history.case,
        parties=history.parties,
        badge=badge(verification),
        events=[(e, history.people.get(e.actor_id), rd.event_title(e)) for e in history.events],
    )


@bp.get("/audit/cases/<int:case_id>/replay")
def replay_step(case_id: int) -> str:
    with reading() as db:
        step = replayed(db, actor(), case_id, request.args.get("seq", 1, type=int))
    history, event, users = step.history, step.event, step.history.people
    failure = None
    if step.divergence is not None:
        failure = _("重放到第 {seq} 条记录时失败：{reason}").format(
            seq=step.divergence.seq, reason=reason_text(step.divergence.reason)
        )
    return render_template(
        "web/audit_replay.html",
        case=history.case,
        parties=history.parties,
        event=event,
        who=users.get(event.actor_id),
        title=rd.event_title(event),
        facts=rd.event_facts(event, history.case.matter_type, users),
        events=[(e, users.get(e.actor_id), rd.event_title(e)) for e in history.events],
        seq=step.seq,
        last=history.events[-1].seq,
        failure=failure,
        diagrams=step.diagrams,
        open_tasks=step.open_tasks,
        ended=step.ended,
        ended_text=rd.END_EVENTS.get(step.ended or "", step.ended),
        replays_state=step.replays_state,
    )


def _history_rows(history: CaseHistory) -> list[dict[str, Any]]:
    users = history.people
    return [
        {
            "seq": e.seq,
            "at": e.at.isoformat(),
            "at_shanghai": local_time(e.at),
            "kind": e.kind,
            "what": rd.event_title(e),
            "actor_id": e.actor_id,
            "actor": users.get(e.actor_id, ""),
            "task": e.task_bpmn_id or "",
            "data": e.data,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }
        for e in history.events
    ]


def _case_header(history: CaseHistory, verification: Verification) -> dict[str, Any]:
    found = history.case
    return {
        "case_id": found.id,
        "title": found.title,
        "matter_type": found.matter_type,
        "sub_type": found.sub_type,
        "status": found.status,
        "model_version": found.model_version,
        "filed_at": found.filed_at.isoformat(),
        "verification": verification.as_dict(),
    }


@bp.get("/audit/cases/<int:case_id>/history.json")
def export_json(case_id: int) -> Response:
    with reading() as db:
        history = case_history(db, actor(), case_id)
        verification = verify_case(db, history.case)
    body = {**_case_header(history, verification), "events": _history_rows(history)}
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f"attachment; filename=case-{case_id}-history.json"},
    )


@bp.get("/audit/cases/<int:case_id>/history.csv")
def export_csv(case_id: int) -> Response:
    with reading() as db:
        rows = _history_rows(case_history(db, actor(), case_id))
    out = io.StringIO()
    columns = [
        "seq",
        "at",
        "at_shanghai",
        "kind",
        "what",
        "actor_id",
        "actor",
        "task",
        "data",
        "prev_hash",
        "hash",
    ]
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {**row, "data": json.dumps(row["data"], ensure_ascii=False, sort_keys=True)}
        )
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=case-{case_id}-history.csv"},
    )


@bp.get("/audit/cases/<int:case_id>/history/print")
def print_history(case_id: int) -> str:
    with reading() as db:
        history = case_history(db, actor(), case_id)
        verification = verify_case(db, history.case)
    users = history.people
    return render_template(
        "web/audit_print.html",
        case=history.case,
        parties=history.parties,
        badge=badge(verification),
        rows=[
            (
                e,
                users.get(e.actor_id),
                rd.event_title(e),
                rd.event_facts(e, history.case.matter_type, users),
            )
            for e in history.events
        ],
    )
