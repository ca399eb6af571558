"""Values in the matters' demo data that depend on when the demo runs, and their resolution.

A matter module writes its demo filing and step data as plain dictionaries; a date is
``days(-10)`` (ten days before the day the step is done, in Beijing), an instant ``hours(-6)``,
a value the filing chose ``request_value("budget")``. ``resolve`` turns such data into
the payload a user would submit at ``now``, so the scenarios stay valid on any day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from workflows.work_calendar import SHANGHAI


@dataclass(frozen=True)
class RelativeDay:
    """A day ``offset`` days from today."""

    offset: int

    def at(self, now: datetime) -> str:
        today = now.astimezone(SHANGHAI).date()
        return (today + timedelta(days=self.offset)).isoformat()


@dataclass(frozen=True)
class RelativeInstant:
    """An instant ``offset`` hours from now, in Beijing time."""

    offset: int

    def at(self, now: datetime) -> str:
        return (now + timedelta(hours=self.offset)).astimezone(SHANGHAI).isoformat()


@dataclass(frozen=True)
class RelativeYear:
    """The year ``offset`` years from this one; with ``until`` (month, day), from next year
    once today is past that day (last year's income is published by 31 March, so after it
    the year to publish is this one)."""

    offset: int
    until: tuple[int, int] | None = None

    def at(self, now: datetime) -> int:
        today = now.astimezone(SHANGHAI).date()
        later = self.until is not None and today > date(today.year, *self.until)
        return today.year + self.offset + later


@dataclass(frozen=True)
class RequestValue:
    """A value of the case's filing, so a later step agrees with what was approved."""

    field: str
    default: str


def days(offset: int) -> RelativeDay:
    return RelativeDay(offset)


def hours(offset: int) -> RelativeInstant:
    return RelativeInstant(offset)


def year(offset: int, until: tuple[int, int] | None = None) -> RelativeYear:
    return RelativeYear(offset, until)


def request_value(field: str, default: str = "0.00") -> RequestValue:
    return RequestValue(field, default)


def attachment(name: str) -> dict[str, str]:
    """A stored file as the upload service would describe it."""
    return {"name": name, "sha256": hashlib.sha256(name.encode("utf-8")).hexdigest()}


def resolve(value: Any, now: datetime, request: Mapping[str, Any]) -> Any:
    """``value`` with every relative value replaced by what it is at ``now``."""
    if isinstance(value, RelativeDay | RelativeInstant | RelativeYear):
        return value.at(now)
    if isinstance(value, RequestValue):
        return request.get(value.field, value.default)
    if isinstance(value, Mapping):
        return {k: resolve(v, now, request) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, now, request) for v in value]
    return value
