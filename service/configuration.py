"""The [config] settings and the working-day calendar as administrators have set them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import CalendarDay, SettingOverride
from workflows.settings import Settings
from workflows.work_calendar import WorkCalendar

# Read on every step, so as plain pairs (no ORM objects to build and track), with
# statements built once.
_OVERRIDES = select(SettingOverride.key, SettingOverride.value)
_CALENDAR = select(CalendarDay.day, CalendarDay.is_workday)


def load_settings(session: Session) -> Settings:
    return Settings().with_overrides(dict(session.execute(_OVERRIDES).all()))


def load_calendar(session: Session) -> WorkCalendar:
    return WorkCalendar(dict(session.execute(_CALENDAR).all()))
