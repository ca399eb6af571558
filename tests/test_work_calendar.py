"""Working days: 2026 official schedule (调休 included), overrides, and the 2027+ fallback.

The 2026 dates are the State Council's 2026 holiday notice as shipped in chinese_calendar;
the first test pins them so a package change that moved them would be noticed here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.work_calendar import SHANGHAI, DayInfo, WorkCalendar

MAKE_UP_WORKDAYS_2026 = [
    date(2026, 1, 4),  # Sunday after New Year
    date(2026, 2, 14),  # Saturday before Spring Festival
    date(2026, 2, 28),  # Saturday after Spring Festival
    date(2026, 5, 9),  # Saturday after Labour Day
    date(2026, 9, 20),  # Sunday before National Day
    date(2026, 10, 10),  # Saturday after National Day
]
NATIONAL_DAY_2026 = [date(2026, 10, d) for d in range(1, 8)]


def test_fixture_dates_are_the_official_2026_schedule() -> None:
    for day in MAKE_UP_WORKDAYS_2026:
        assert day.weekday() >= 5
        assert chinese_calendar.get_holiday_detail(day)[0] is False
    for day in NATIONAL_DAY_2026:
        assert chinese_calendar.get_holiday_detail(day) == (True, "National Day")


@pytest.mark.parametrize("day", MAKE_UP_WORKDAYS_2026)
def test_make_up_weekend_day_is_a_workday(day: date) -> None:
    assert WorkCalendar().day_info(day) == DayInfo(day, True, "chinese_calendar")


@pytest.mark.parametrize("day", NATIONAL_DAY_2026)
def test_national_day_holidays_are_not_workdays(day: date) -> None:
    assert not WorkCalendar().is_workday(day)


def test_ordinary_weekend_and_weekday() -> None:
    calendar = WorkCalendar()
    assert not calendar.is_workday(date(2026, 9, 19))
    assert calendar.is_workday(date(2026, 10, 8))


def test_override_flips_a_day_both_ways() -> None:
    calendar = WorkCalendar({date(2026, 10, 8): False, date(2026, 10, 3): True})
    assert calendar.day_info(date(2026, 10, 8)) == DayInfo(date(2026, 10, 8), False, "override")
    assert calendar.day_info(date(2026, 10, 3)) == DayInfo(date(2026, 10, 3), True, "override")
    assert calendar.day_info(date(2026, 10, 9)).source == "chinese_calendar"


def test_overrides_are_a_snapshot() -> None:
    overrides = {date(2026, 10, 8): False}
    calendar = WorkCalendar(overrides)
    overrides[date(2026, 10, 8)] = True
    assert not calendar.is_workday(date(2026, 10, 8))


def test_override_keys_given_as_datetimes_apply_to_their_day() -> None:
    calendar = WorkCalendar({datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI): False})
    assert not calendar.is_workday(date(2026, 10, 8))


@pytest.mark.parametrize(
    ("day", "workday"),
    [(date(2027, 3, 15), True), (date(2027, 3, 13), False), (date(2003, 6, 2), True)],
)
def test_uncovered_year_falls_back_to_weekdays_with_a_warning(day: date, workday: bool) -> None:
    calendar = WorkCalendar()
    info = calendar.day_info(day)
    assert info == DayInfo(day, workday, "weekday_fallback")
    assert info.warning is not None
    assert day.isoformat() in info.warning
    assert "已暂按周一至周五为工作日计算期限" in info.warning
    assert calendar.warnings_between(day, day) == [info.warning]


def test_covered_days_have_no_warning() -> None:
    calendar = WorkCalendar()
    assert calendar.day_info(date(2026, 10, 1)).warning is None
    assert calendar.warnings_between(date(2004, 1, 1), date(2026, 12, 31)) == []


def test_warnings_group_uncovered_runs() -> None:
    calendar = WorkCalendar({date(2027, 1, 5): True})
    warnings = calendar.warnings_between(date(2026, 12, 30), date(2027, 1, 8))
    assert len(warnings) == 2
    assert warnings[0].startswith("2027-01-01 至 2027-01-04 不在内置法定节假日日历")
    assert warnings[1].startswith("2027-01-06 至 2027-01-08 ")
    assert calendar.warnings_between(date(2027, 1, 8), date(2026, 12, 30)) == warnings


def test_override_extends_coverage() -> None:
    assert WorkCalendar().covered_until == date(2026, 12, 31)
    calendar = WorkCalendar({date(2027, 1, 1): False, date(2027, 2, 6): True})
    assert calendar.covered_until == date(2027, 2, 6)
    assert calendar.day_info(date(2027, 1, 1)) == DayInfo(date(2027, 1, 1), False, "override")
    assert calendar.warnings_between(date(2027, 1, 1), date(2027, 1, 1)) == []


def test_add_working_days_across_national_day() -> None:
    calendar = WorkCalendar()
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_add_working_days_counts_make_up_saturday() -> None:
    calendar = WorkCalendar()
    assert calendar.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert calendar.add_working_days(date(2026, 9, 18), 1) == date(2026, 9, 20)
    assert calendar.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert calendar.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_add_working_days_from_a_holiday_does_not_count_the_start_day() -> None:
    calendar = WorkCalendar()
    assert calendar.add_working_days(date(2026, 10, 3), 1) == date(2026, 10, 8)
    assert calendar.add_working_days(date(2026, 10, 8), 1) == date(2026, 10, 9)


def test_add_working_days_into_2027_uses_fallback_then_overrides() -> None:
    assert WorkCalendar().add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 4)
    with_new_year = WorkCalendar({date(2027, 1, 1): False})
    assert with_new_year.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)


@pytest.mark.parametrize("n", [0, -1])
def test_add_working_days_needs_at_least_one_day(n: int) -> None:
    with pytest.raises(ValueError):
        WorkCalendar().add_working_days(date(2026, 10, 9), n)


@given(
    st.dates(min_value=date(2003, 1, 1), max_value=date(2028, 12, 31)),
    st.integers(min_value=1, max_value=40),
)
def test_add_working_days_lands_on_the_nth_workday(start: date, n: int) -> None:
    calendar = WorkCalendar()
    end = calendar.add_working_days(start, n)
    assert calendar.is_workday(end)
    days = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(calendar.is_workday(d) for d in days) == n
