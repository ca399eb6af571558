"""The inbox as an Excel workbook: every task its filters find, not one page, with the
deadline worded as on the pages (a day's deadline is its 24:00) but kept a date cell."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from service.core import workbook
from service.core.errors import InvalidInput
from service.core.paging import MAX_PAGE
from service.people.access import Actor
from service.tasks.inbox import InboxQuery, TaskView, inbox
from workflows.i18n import _

EXPORT_LIMIT = 10_000
TOO_MANY = _("符合条件的任务超过 {n} 个，请缩小筛选范围后再导出。")

STATUS_NAMES = {"open": _("待办"), "completed": _("已办"), "cancelled": _("已取消")}
LANE_NAMES = {
    "applicant": _("申请单位"),
    "party_secretary": _("社区党组织书记"),
    "party_committee": _("社区党组织"),
    "street": _("街道党工委"),
}

COLUMNS = (
    workbook.Column(_("任务编号"), workbook.INTEGER, 10),
    workbook.Column(_("案件编号"), workbook.INTEGER, 10),
    workbook.Column(_("案件"), width=40),
    workbook.Column(_("事项"), width=24),
    workbook.Column(_("小区"), width=16),
    workbook.Column(_("步骤"), width=24),
    workbook.Column(_("办理方"), width=16),
    workbook.Column(_("状态"), width=8),
    workbook.Column(_("优先级"), workbook.INTEGER, 8),
    workbook.Column(_("到达时间"), workbook.INSTANT, 17),
    workbook.Column(_("办理期限"), workbook.INSTANT, 17),
    workbook.Column(_("是否超期"), width=10),
    workbook.Column(_("签收人"), width=16),
    workbook.Column(_("办结时间"), workbook.INSTANT, 17),
    workbook.Column(_("办理人"), width=16),
)


def every_task(session: Session, actor: Actor, query: InboxQuery, now: datetime) -> list[TaskView]:
    """All the tasks the inbox's filters find, in its order, from the first page on."""
    found: list[TaskView] = []
    cursor = None
    while True:
        page = inbox(session, actor, replace(query, cursor=cursor, limit=MAX_PAGE), now)
        found.extend(page.items)
        if len(found) > EXPORT_LIMIT:
            raise InvalidInput({"_schema": [TOO_MANY.format(n=EXPORT_LIMIT)]})
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def inbox_xlsx(session: Session, actor: Actor, query: InboxQuery, now: datetime) -> bytes:
    """The inbox's tasks, one row each."""
    return workbook.workbook(
        _("待办"),
        COLUMNS,
        (
            (
                t.id,
                t.case_id,
                t.case_title,
                t.matter_name,
                t.estate_name,
                t.name,
                LANE_NAMES.get(t.role, t.role),
                STATUS_NAMES.get(t.status, t.status),
                t.priority,
                t.created_at,
                workbook.deadline(t.due_at),
                _("是") if t.overdue else _("否"),
                t.assignee.display_name if t.assignee else "",
                t.completed_at,
                t.completed_by.display_name if t.completed_by else "",
            )
            for t in every_task(session, actor, query, now)
        ),
    )
