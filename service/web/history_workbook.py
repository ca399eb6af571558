"""A case's history as an Excel workbook: one row per entry, in the words of the case page
(the step's outcome by its label, areas in m², names rather than ids), the instant a real
date cell. Built here because the history's words are the pages' (``reading``)."""

from __future__ import annotations

from typing import Any

from service.core import workbook
from service.history.audit import CaseHistory
from service.web import reading as rd
from workflows.i18n import _

COLUMNS = (
    workbook.Column(_("序号"), workbook.INTEGER, 6),
    workbook.Column(_("时间"), workbook.INSTANT, 17),
    workbook.Column(_("记录"), width=30),
    workbook.Column(_("办理人"), width=20),
    workbook.Column(_("结果"), width=16),
    workbook.Column(_("内容"), width=80),
)


def outcome(event: rd.Entry, matter_type: str) -> str:
    """What a completed step decided, by its label (受理, 退回补正, 需要整改, 附条件同意…):
    the first choice its form records."""
    if event.kind != "task_completed":
        return ""
    data: dict[str, Any] = (event.data or {}).get("data", {})
    for spec in rd.step_specs(matter_type, (event.data or {}).get("task", "")):
        if spec["type"] == "choice" and data.get(spec["name"]):
            return rd.shown_value(spec, data[spec["name"]], data)
    return ""


def history_xlsx(history: CaseHistory) -> bytes:
    """Every entry of the case's history, oldest first."""
    matter = history.case.matter_type
    return workbook.workbook(
        _("办理记录"),
        COLUMNS,
        (
            (
                event.seq,
                event.at,
                rd.event_title(event),
                history.people.get(event.actor_id, "") if event.actor_id else "",
                outcome(event, matter),
                "；".join(
                    f"{label}：{value}"
                    for label, value in rd.event_facts(event, matter, history.people)
                ),
            )
            for event in history.events
        ),
    )
