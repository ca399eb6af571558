"""The [config] settings and the working-day calendar as administrators have set them."""

from __future__ import annotations

from sqlalchemy import Boolean, Date, String, null, select, type_coerce, union_all
from sqlalchemy.orm import Session

from service.core.models import CalendarDay, JSONType, SettingOverride
from workflows.settings import Settings
from workflows.work_calendar import WorkCalendar

# Read on every step, so as plain pairs (no ORM objects to build and track), with
# statements built once.
_OVERRIDES = select(SettingOverride.key, SettingOverride.value)
_CALENDAR = select(CalendarDay.day, CalendarDay.is_workday)
# Both in one statement for the steps, which need both: one round trip fewer per step.
# A row is a setting (key, value) or a calendar day (day, is_workday), the rest NULL.
_BOTH = union_all(
    select(
        SettingOverride.key,
        SettingOverride.value,
        type_coerce(null(), Date).label("day"),
        type_coerce(null(), Boolean).label("is_workday"),
    ),
    select(
        type_coerce(null(), String),
        type_coerce(null(), JSONType),
        CalendarDay.day,
        CalendarDay.is_workday,
    ),
)


def load_settings(session: Session) -> Settings:
    return Settings().with_overrides(dict(session.execute(_OVERRIDES).all()))


def load_calendar(session: Session) -> WorkCalendar:
    return WorkCalendar(dict(session.execute(_CALENDAR).all()))


def load_configuration(session: Session) -> tuple[Settings, WorkCalendar]:
    """The settings and the calendar, read together."""
    overrides = {}
    days = {}
    for key, value, day, is_workday in session.execute(_BOTH):
        if key is not None:
            overrides[key] = value
        else:
            days[day] = is_workday
    return Settings().with_overrides(overrides), WorkCalendar(days)
