"""Notice periods and time limits several forms share, and the checks that count them.

``workflows.periods`` does the arithmetic; the checks turn it into findings on a form. A
limit only one matter knows (a firm's notice to leave, the income publication) lives in
that matter's module.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from workflows import periods
from workflows.formkit.base import Findings, FormSchema, StepContext
from workflows.i18n import _
from workflows.work_calendar import SHANGHAI

NOTICE_DAYS = 15  # 物业管理条例 art 14
FILING_DAYS = 30  # 物业管理条例 art 16


def _start(day: date) -> datetime:
    """Midnight at the start of ``day`` in Beijing, the start instant periods count from."""
    return datetime.combine(day, time(), SHANGHAI)


def last_day(start: date, days: int, ctx: StepContext, f: Findings, name: str) -> date:
    """Last day of a period of ``days`` days after ``start`` (民法典 201–203).

    The start day is not counted and a period ending on a holiday runs to the next
    working day; days no calendar covers become warnings instead of failures.
    """
    end = periods.period_end(_start(start), days, ctx.calendar)
    last = end.astimezone(SHANGHAI).date() - timedelta(days=1)
    for message in ctx.calendar.warnings_between(start, last):
        f.warn(name, message)
    return last


def within_days(
    form: FormSchema,
    data: dict[str, Any],
    name: str,
    start: date,
    days: int,
    ctx: StepContext,
    f: Findings,
    since: str,
) -> None:
    """Require ``data[name]`` no earlier than ``start`` and within ``days`` days of it."""
    event = data[name]
    if event < start:
        f.error(
            name,
            _("“{label}”不能早于{since}（{start}）。").format(
                label=form.label(name), since=since, start=start.isoformat()
            ),
        )
        return
    last = last_day(start, days, ctx, f, name)
    if event > last:
        f.error(
            name,
            _("“{label}”应在{since}（{start}）后 {days} 日内，即不晚于 {last}。").format(
                label=form.label(name),
                since=since,
                start=start.isoformat(),
                days=days,
                last=last.isoformat(),
            ),
        )


def notice_ok(
    form: FormSchema, notice: date, meeting: date, name: str, days: int, f: Findings
) -> None:
    """Refuse ``name`` (the later date) unless ``days`` full days separate it from notice."""
    if not periods.notice_period_met(notice, meeting, days):
        f.error(
            name,
            _(
                "“{label}”（{meeting}）与通知日（{notice}）之间应至少间隔 {days} 日，请调整。"
            ).format(
                label=form.label(name),
                meeting=meeting.isoformat(),
                notice=notice.isoformat(),
                days=days,
            ),
        )


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))
