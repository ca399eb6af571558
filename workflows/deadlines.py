"""Deadlines of the steps that carry a BPMN timer, and their recording for replay.

A model's timer says ``deadline("acceptance_check")``; the value depends on the clock,
the settings and the calendar of the moment, all of which can change later. So the
live run records every value it hands out, and a replay hands the recorded values back
instead of computing them again: the history stays reproducible after an
administrator edits the calendar or a setting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from workflows.catalogue import TIME_LIMITS as MATTER_TIME_LIMITS
from workflows.duties import DUTY_TIME_LIMITS
from workflows.lifecycle import SHARED_TIME_LIMITS, TimeLimit
from workflows.periods import hours_deadline, period_end, working_days_deadline
from workflows.settings import Settings
from workflows.work_calendar import SHANGHAI, WorkCalendar

# Every step with a timer: the shared lifecycle's, the matters' own, the duties'.
TIME_LIMITS: dict[str, TimeLimit] = {
    **SHARED_TIME_LIMITS,
    **MATTER_TIME_LIMITS,
    **DUTY_TIME_LIMITS,
}


class ReplayMismatch(Exception):
    """A replay asked for a deadline the recorded history does not hold."""


def compute_deadline(
    step: str,
    now: datetime,
    settings: Settings,
    calendar: WorkCalendar,
    on: str | None = None,
) -> datetime:
    """When ``step``, starting ``now``, falls due.

    ``on`` is a date the users set themselves (a rectification deadline): the step is
    then due at the end of that day, 24:00 Asia/Shanghai.
    """
    if on:
        day = date.fromisoformat(on)
        start_of_day = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
        return hours_deadline(start_of_day, 24)
    limit = TIME_LIMITS.get(step)
    if limit is None:
        raise KeyError(f"no deadline rule for step {step!r}")
    amount = getattr(settings, limit.setting)
    if limit.unit == "working_days":
        return working_days_deadline(now, amount, calendar)
    if limit.unit == "days":
        return period_end(now, amount, calendar)
    return hours_deadline(now, amount)


@dataclass
class DeadlineLog:
    """The ``deadline`` function given to models: computes live, or plays a record back."""

    now: datetime
    settings: Settings | None = None
    calendar: WorkCalendar | None = None
    recorded: list[list[str]] | None = None
    issued: list[list[str]] = field(default_factory=list)

    def __call__(self, step: str, on: str | None = None) -> str:
        if self.recorded is not None:
            position = len(self.issued)
            if position >= len(self.recorded) or self.recorded[position][0] != step:
                raise ReplayMismatch(f"deadline for {step!r} was not recorded at this point")
            value = self.recorded[position][1]
        elif self.settings is None or self.calendar is None:
            raise ReplayMismatch("a live deadline needs the settings and the calendar")
        else:
            value = compute_deadline(step, self.now, self.settings, self.calendar, on).isoformat()
        self.issued.append([step, value])
        return value
