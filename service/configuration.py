"""The [config] settings and the working-day calendar as administrators have set them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import CalendarDay, SettingOverride
from workflows.settings import Settings
from workflows.work_calendar import WorkCalendar


def load_settings(session: Session) -> Settings:
    overrides = {row.key: row.value for row in session.scalars(select(SettingOverride))}
    return Settings().with_overrides(overrides)


def load_calendar(session: Session) -> WorkCalendar:
    days = {row.day: row.is_workday for row in session.scalars(select(CalendarDay))}
    return WorkCalendar(days)
