"""民法典 201–203 periods, working-day and hour deadlines, and the 15-day notice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.periods import (
    days_between,
    hours_deadline,
    notice_period_met,
    period_end,
    working_days_deadline,
)
from workflows.work_calendar import SHANGHAI, WorkCalendar

CALENDAR = WorkCalendar()


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_start_day_is_not_counted() -> None:
    # Monday 2 March 2026: day 1 is 3 March, day 15 is Tuesday 17 March.
    assert period_end(shanghai(2026, 3, 2, 10, 0), 15, CALENDAR) == shanghai(2026, 3, 18)
    assert period_end(shanghai(2026, 3, 2, 23, 59), 15, CALENDAR) == shanghai(2026, 3, 18)
    assert period_end(shanghai(2026, 3, 3, 0, 0), 15, CALENDAR) == shanghai(2026, 3, 19)


def test_period_ending_on_a_holiday_moves_to_the_next_workday() -> None:
    # Day 15 after 16 September is 1 October (National Day); the next workday is 8 October.
    assert period_end(shanghai(2026, 9, 16, 9, 0), 15, CALENDAR) == shanghai(2026, 10, 9)


def test_period_ending_on_a_weekend_moves_to_monday() -> None:
    # Day 5 after Tuesday 10 March is Sunday 15 March.
    assert period_end(shanghai(2026, 3, 10, 9, 0), 5, CALENDAR) == shanghai(2026, 3, 17)


def test_period_ending_on_a_make_up_saturday_stays() -> None:
    assert period_end(shanghai(2026, 9, 25, 9, 0), 15, CALENDAR) == shanghai(2026, 10, 11)


def test_period_ending_on_an_overridden_holiday_moves() -> None:
    calendar = WorkCalendar({date(2026, 3, 17): False})
    assert period_end(shanghai(2026, 3, 2, 10, 0), 15, calendar) == shanghai(2026, 3, 19)


def test_period_end_uses_the_shanghai_day_of_the_start() -> None:
    # 17:30 UTC on 2 March is 01:30 on 3 March in Shanghai.
    start = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)
    end = period_end(start, 15, CALENDAR)
    assert end == shanghai(2026, 3, 19)
    assert end.tzinfo == SHANGHAI
    assert end.utcoffset() == timedelta(hours=8)


def test_period_end_into_an_uncovered_year_uses_the_fallback() -> None:
    # Day 10 after 25 December 2026 is Monday 4 January 2027 (Mon–Fri fallback).
    assert period_end(shanghai(2026, 12, 25, 9, 0), 10, CALENDAR) == shanghai(2027, 1, 5)


def test_working_days_deadline_across_national_day_and_make_up_saturday() -> None:
    deadline = working_days_deadline(shanghai(2026, 9, 30, 15, 0), 3, CALENDAR)
    assert deadline == shanghai(2026, 10, 11)
    assert deadline.tzinfo == SHANGHAI


def test_working_days_deadline_from_a_utc_instant() -> None:
    # 20:00 UTC on Friday 9 October is Saturday 10 October 04:00 in Shanghai (a 调休 day),
    # which is the start day and not counted: day 1 is Monday 12 October.
    start = datetime(2026, 10, 9, 20, 0, tzinfo=UTC)
    assert working_days_deadline(start, 1, CALENDAR) == shanghai(2026, 10, 13)


def test_working_days_deadline_across_the_end_of_2026() -> None:
    assert working_days_deadline(shanghai(2026, 12, 30, 9, 0), 3, CALENDAR) == shanghai(2027, 1, 5)


def test_hours_deadline_is_calendar_time() -> None:
    start = shanghai(2026, 9, 30, 20, 0)
    assert hours_deadline(start, 24) == shanghai(2026, 10, 1, 20, 0)


def test_hours_deadline_is_exact_elapsed_time_across_a_foreign_dst_change() -> None:
    new_york = ZoneInfo("America/New_York")
    start = datetime(2026, 3, 7, 12, 0, tzinfo=new_york)
    deadline = hours_deadline(start, 24)
    assert deadline - start == timedelta(hours=24)
    assert deadline.tzinfo == SHANGHAI
    assert deadline == shanghai(2026, 3, 9, 1, 0)


@given(st.datetimes(min_value=datetime(2004, 1, 1), max_value=datetime(2030, 12, 31)))
def test_shanghai_results_are_always_utc_plus_eight(moment: datetime) -> None:
    start = moment.replace(tzinfo=SHANGHAI)
    for result in (
        period_end(start, 15, CALENDAR),
        working_days_deadline(start, 3, CALENDAR),
        hours_deadline(start, 24),
    ):
        assert result.utcoffset() == timedelta(hours=8)
    assert period_end(start, 15, CALENDAR).time().isoformat() == "00:00:00"


@pytest.mark.parametrize(
    "call",
    [
        lambda: period_end(datetime(2026, 3, 2, 10, 0), 15, CALENDAR),
        lambda: working_days_deadline(datetime(2026, 3, 2, 10, 0), 3, CALENDAR),
        lambda: hours_deadline(datetime(2026, 3, 2, 10, 0), 24),
    ],
)
def test_naive_datetimes_are_refused(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]


@pytest.mark.parametrize(
    "call",
    [
        lambda: period_end(shanghai(2026, 3, 2), 0, CALENDAR),
        lambda: working_days_deadline(shanghai(2026, 3, 2), 0, CALENDAR),
        lambda: hours_deadline(shanghai(2026, 3, 2), 0),
        lambda: notice_period_met(date(2026, 3, 1), date(2026, 3, 20), 0),
    ],
)
def test_counts_below_one_are_refused(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]


def test_notice_needs_fifteen_whole_days_between_notice_and_meeting() -> None:
    # Notice on 1 March: days 2–16 March are the 15 days; the meeting may be on the 17th.
    assert notice_period_met(date(2026, 3, 1), date(2026, 3, 17))
    assert not notice_period_met(date(2026, 3, 1), date(2026, 3, 16))


def test_notice_period_is_not_extended_by_holidays() -> None:
    # The 15 days run 16–30 September 2026; a meeting on 1 October is on time.
    assert notice_period_met(date(2026, 9, 15), date(2026, 10, 1))


def test_notice_with_another_length() -> None:
    assert notice_period_met(date(2026, 3, 1), date(2026, 3, 9), days=7)
    assert not notice_period_met(date(2026, 3, 1), date(2026, 3, 8), days=7)


def test_days_between() -> None:
    assert days_between(date(2026, 3, 1), date(2026, 3, 16)) == 15
    assert days_between(date(2026, 12, 31), date(2027, 1, 1)) == 1
    assert days_between(date(2026, 3, 1), date(2026, 3, 1)) == 0
    assert days_between(date(2026, 3, 16), date(2026, 3, 1)) == -15
