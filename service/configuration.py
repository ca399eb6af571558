"""The [config] settings and the working-day calendar as administrators have set them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import CalendarDay, SettingOverride
from workflows.settings import Settings
from workflows.work_calendar import WorkCalendar


def load_settings(session: Session) -> Settings:
    """Read on every step, so as plain pairs: no ORM objects to build and track."""
    overrides = dict(session.execute(select(SettingOverride.key, SettingOverride.value)).all())
    return Settings().with_overrides(overrides)


def load_calendar(session: Session) -> WorkCalendar:
    days = dict(session.execute(select(CalendarDay.day, CalendarDay.is_workday)).all())
    return WorkCalendar(days)
