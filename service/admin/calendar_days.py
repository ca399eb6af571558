"""The working-day calendar as administrators keep it: every day of a span with where its
status comes from, and the days they set as working or rest days (``calendar_days``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.admin.changes import record_change, require_admin
from service.cases.case_service import CaseService
from service.core.configuration import load_calendar
from service.core.errors import InvalidInput, NotFound
from service.core.models import CalendarDay
from service.people.access import Actor
from workflows.i18n import _

MAX_CALENDAR_SPAN = 366


@dataclass(frozen=True)
class CalendarEntry:
    day: date
    is_workday: bool
    source: str
    note: str


def calendar(session: Session, actor: Actor, first: date, last: date) -> list[CalendarEntry]:
    """Every day of a span with its working status and where that comes from."""
    require_admin(actor)
    if last < first or (last - first).days >= MAX_CALENDAR_SPAN:
        message = _("结束日期应不早于开始日期，且跨度不超过 {n} 天。")
        raise InvalidInput({"to": [message.format(n=MAX_CALENDAR_SPAN)]})
    notes = {
        row.day: row.note
        for row in session.scalars(
            select(CalendarDay).where(CalendarDay.day >= first, CalendarDay.day <= last)
        )
    }
    work_calendar = load_calendar(session)
    entries = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        info = work_calendar.day_info(day)
        entries.append(CalendarEntry(day, info.is_workday, str(info.source), notes.get(day, "")))
    return entries


def set_calendar_day(
    svc: CaseService, actor: Actor, day: date, is_workday: bool, note: str
) -> CalendarEntry:
    require_admin(actor)
    with svc.transaction() as session:
        row = session.get(CalendarDay, day)
        before = _calendar_fields(row) if row is not None else None
        if row is None:
            row = CalendarDay(day=day, is_workday=is_workday, note=note.strip())
            session.add(row)
        else:
            row.is_workday, row.note = is_workday, note.strip()
        target = f"calendar:{day.isoformat()}"
        record_change(
            svc, session, actor, "calendar_day_set", target, before, _calendar_fields(row)
        )
        return CalendarEntry(day, is_workday, "override", row.note)


def _calendar_fields(row: CalendarDay) -> dict[str, Any]:
    return {"is_workday": row.is_workday, "note": row.note}


def clear_calendar_day(svc: CaseService, actor: Actor, day: date) -> None:
    require_admin(actor)
    with svc.transaction() as session:
        row = session.get(CalendarDay, day)
        if row is None:
            raise NotFound(_("该日期没有管理员设置。"))
        target = f"calendar:{day.isoformat()}"
        record_change(
            svc, session, actor, "calendar_day_cleared", target, _calendar_fields(row), None
        )
        session.delete(row)
