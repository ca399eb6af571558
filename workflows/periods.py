"""Deadlines and periods counted the way 民法典 arts 201–203 count them.

Art. 201: a period in days starts the day after the event (the start day is not counted);
a period in hours runs from the moment itself. Art. 203: if the last day is a statutory
rest day, the period ends on the day after the rest ends; the last day ends at 24:00.
Days are Shanghai calendar days; 24:00 is returned as 00:00 of the following day so the
result is a real instant. Asia/Shanghai has had no daylight saving since 1991, so a day
is always 24 hours.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from workflows.i18n import _
from workflows.work_calendar import SHANGHAI, WorkCalendar

_ONE_DAY = timedelta(days=1)


def _require_aware(moment: datetime) -> None:
    """Refuse naive times: without a zone the Shanghai day they fall on is a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(_("时间必须带时区"))


def _shanghai_day(moment: datetime) -> date:
    """The Shanghai calendar day of an aware instant."""
    _require_aware(moment)
    return moment.astimezone(SHANGHAI).date()


def _end_of_day(day: date) -> datetime:
    """24:00 of ``day`` in Shanghai, i.e. 00:00 of the next day."""
    return datetime.combine(day + _ONE_DAY, time(0), tzinfo=SHANGHAI)


def _check_count(value: int, what: str) -> None:
    """Refuse counts that are not positive integers."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(_("{what}必须是不小于 1 的整数").format(what=what))


def period_end(start: datetime, days: int, calendar: WorkCalendar) -> datetime:
    """End of a period of ``days`` days that begins at ``start`` (民法典 201, 203).

    Counting begins the day after ``start``'s Shanghai day; when the last day is not a
    working day (weekend or holiday, but not a 调休 working weekend day) the period runs to
    the end of the next working day.
    """
    _check_count(days, _("期间天数"))
    last = _shanghai_day(start) + timedelta(days=days)
    while not calendar.is_workday(last):
        last += _ONE_DAY
    return _end_of_day(last)


def working_days_deadline(start: datetime, n: int, calendar: WorkCalendar) -> datetime:
    """End (24:00 Shanghai) of the ``n``-th working day after ``start``'s day."""
    _check_count(n, _("工作日天数"))
    return _end_of_day(calendar.add_working_days(_shanghai_day(start), n))


def hours_deadline(start: datetime, hours: int) -> datetime:
    """``hours`` of elapsed time after ``start`` (民法典 201 para. 2), shown in Shanghai time.

    Counted on UTC so a start given in a zone with daylight saving still gets exactly
    ``hours`` hours.
    """
    _check_count(hours, _("小时数"))
    _require_aware(start)
    return (start.astimezone(UTC) + timedelta(hours=hours)).astimezone(SHANGHAI)


def notice_period_met(notice_date: date, meeting_date: date, days: int = 15) -> bool:
    """Whether a meeting was announced ``days`` days ahead (物业管理条例 art. 14: 15日以前).

    The period starts the day after the notice (民法典 201) and must have run out by 24:00
    of the day before the meeting, so at least ``days`` whole days lie strictly between
    the notice day and the meeting day. It is a waiting period, not an act to be done
    within it, so art. 203's extension over rest days does not apply.
    """
    _check_count(days, _("通知期天数"))
    return days_between(notice_date, meeting_date) - 1 >= days


def days_between(earlier: date, later: date) -> int:
    """Days counted from ``earlier`` to ``later``, start day excluded, end day included.

    Negative when ``later`` precedes ``earlier`` (e.g. a date already passed).
    """
    return (later - earlier).days
