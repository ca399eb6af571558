"""The case list and a search's results as an Excel workbook: every case the filters find
in the reader's reach, not one page, with Chinese headers and real number and date cells."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from service.cases.queries import CASE_STATUS_NAMES, CaseFilter, CaseSummary, search_cases
from service.core import workbook
from service.core.errors import InvalidInput
from service.core.paging import MAX_PAGE
from service.people.access import Actor
from workflows.catalogue import MATTERS
from workflows.i18n import _

# Past this a download is refused, and the reader narrows the filters.
EXPORT_LIMIT = 10_000
TOO_MANY = _("符合条件的案件超过 {n} 件，请缩小筛选范围后再导出。")

COLUMNS = (
    workbook.Column(_("案件编号"), workbook.INTEGER, 10),
    workbook.Column(_("标题"), width=40),
    workbook.Column(_("事项"), width=24),
    workbook.Column(_("类别"), width=16),
    workbook.Column(_("小区"), width=16),
    workbook.Column(_("申请单位"), width=30),
    workbook.Column(_("当前步骤"), width=20),
    workbook.Column(_("状态"), width=12),
    workbook.Column(_("提出时间"), workbook.INSTANT, 17),
    workbook.Column(_("结束时间"), workbook.INSTANT, 17),
)


def every_case(session: Session, actor: Actor, flt: CaseFilter) -> list[CaseSummary]:
    """All the cases the filters find (from the first page on), newest first."""
    found: list[CaseSummary] = []
    cursor = None
    while True:
        page = search_cases(session, actor, replace(flt, cursor=cursor, limit=MAX_PAGE))
        found.extend(page.items)
        if len(found) > EXPORT_LIMIT:
            raise InvalidInput({"_schema": [TOO_MANY.format(n=EXPORT_LIMIT)]})
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def cases_xlsx(session: Session, actor: Actor, flt: CaseFilter) -> bytes:
    """The cases the filters find, one row each."""
    return workbook.workbook(
        _("案件"),
        COLUMNS,
        (
            (
                c.id,
                c.title,
                c.matter_name,
                MATTERS[c.matter_type].sub_types.get(c.sub_type, c.sub_type)
                if c.matter_type in MATTERS
                else "",
                c.estate.name,
                c.applicant,
                c.current_step,
                CASE_STATUS_NAMES.get(c.status, c.status),
                c.filed_at,
                c.closed_at,
            )
            for c in every_case(session, actor, flt)
        ),
    )
