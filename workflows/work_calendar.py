"""The official mainland working-day calendar, with administrator overrides and a fallback.

Working-day deadlines must follow the State Council's yearly holiday notice (国务院办公厅
关于部分节假日安排的通知), including make-up working days (调休) on weekends. The
``chinese_calendar`` package carries those notices only for the years it ships (it raises
``NotImplementedError`` outside them), so administrators keep a table of days that takes
precedence and extends it; a day neither covers is treated as Mon–Fri with a warning, so
a missing notice degrades a deadline instead of stopping a case.

Only ``chinese_calendar.is_workday`` is used: ``get_workdays(include_weekends=False)``
drops 调休 Saturdays and ``find_workday`` is off by one from a non-working start day.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

from workflows.i18n import _

SHANGHAI = ZoneInfo("Asia/Shanghai")

_ONE_DAY = timedelta(days=1)
_PACKAGE_FIRST_DAY = date(min(chinese_calendar.holidays).year, 1, 1)
_PACKAGE_LAST_DAY = date(max(chinese_calendar.holidays).year, 12, 31)


class DaySource(StrEnum):
    """Where a day's working status came from, strongest first."""

    OVERRIDE = "override"
    CHINESE_CALENDAR = "chinese_calendar"
    WEEKDAY_FALLBACK = "weekday_fallback"


def _as_date(day: date) -> date:
    """A calendar day in Shanghai; an aware datetime is converted before taking its date."""
    if isinstance(day, datetime):
        return (day.astimezone(SHANGHAI) if day.tzinfo else day).date()
    return day


def _uncovered_warning(first: date, last: date) -> str:
    """The Chinese warning shown when deadlines rest on the Mon–Fri guess."""
    if first == last:
        span = first.isoformat()
    else:
        span = _("{first} 至 {last}").format(first=first.isoformat(), last=last.isoformat())
    return _(
        "{span} 不在内置法定节假日日历（{calendar_first} 至 {calendar_last}）和管理员维护的"
        "节假日表内，已暂按周一至周五为工作日计算期限；请管理员补录该年度的放假和调休安排"
    ).format(
        span=span,
        calendar_first=_PACKAGE_FIRST_DAY.isoformat(),
        calendar_last=_PACKAGE_LAST_DAY.isoformat(),
    )


@dataclass(frozen=True)
class DayInfo:
    """Whether ``day`` is a working day and which calendar said so."""

    day: date
    is_workday: bool
    source: str

    @property
    def warning(self) -> str | None:
        """Chinese warning when the day was guessed from the weekday, else ``None``."""
        if self.source == DaySource.WEEKDAY_FALLBACK:
            return _uncovered_warning(self.day, self.day)
        return None


class WorkCalendar:
    """Working days: administrator overrides, then ``chinese_calendar``, then Mon–Fri."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        """Snapshot ``overrides`` (day → is a working day) so later edits need a new calendar."""
        self._overrides: dict[date, bool] = {
            _as_date(day): bool(is_workday) for day, is_workday in (overrides or {}).items()
        }

    def day_info(self, day: date) -> DayInfo:
        """Classify ``day``; never raises, whatever the year."""
        day = _as_date(day)
        if day in self._overrides:
            return DayInfo(day, self._overrides[day], DaySource.OVERRIDE)
        official = _official_workday(day)
        if official is None:
            return DayInfo(day, day.weekday() < 5, DaySource.WEEKDAY_FALLBACK)
        return DayInfo(day, official, DaySource.CHINESE_CALENDAR)

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day (调休 weekend days included)."""
        day = _as_date(day)
        if day in self._overrides:
            return self._overrides[day]
        official = _official_workday(day)
        return day.weekday() < 5 if official is None else official

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start``; ``start`` itself never counts (民法典 201)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(_("工作日天数必须是不小于 1 的整数"))
        day = _as_date(start)
        remaining = n
        while remaining:
            day += _ONE_DAY
            if self.is_workday(day):
                remaining -= 1
        return day

    def warnings_between(self, start: date, end: date) -> list[str]:
        """One Chinese warning per run of days in [start, end] that no calendar covers."""
        first, last = sorted((_as_date(start), _as_date(end)))
        warnings = []
        run_start: date | None = None
        previous = first
        for day in _days(first, last):
            uncovered = self.day_info(day).source == DaySource.WEEKDAY_FALLBACK
            if uncovered and run_start is None:
                run_start = day
            elif not uncovered and run_start is not None:
                warnings.append(_uncovered_warning(run_start, previous))
                run_start = None
            previous = day
        if run_start is not None:
            warnings.append(_uncovered_warning(run_start, last))
        return warnings

    @property
    def covered_until(self) -> date:
        """Last day that ``chinese_calendar`` or an override covers (a hint for administrators)."""
        return max([_PACKAGE_LAST_DAY, *self._overrides])


@lru_cache(maxsize=4096)
def _official_workday(day: date) -> bool | None:
    """``chinese_calendar.is_workday``, asked once per day per process; ``None`` for a
    year it does not carry.

    The package validates its argument on every call, and a working-day deadline asks
    about every day it counts: a twentieth of a step's time went there.
    """
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def _days(first: date, last: date) -> Iterator[date]:
    """Every day from ``first`` to ``last`` inclusive."""
    day = first
    while day <= last:
        yield day
        day += _ONE_DAY
