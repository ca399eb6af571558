"""What every form builds on: the refusal, the case context, the findings, the base schema."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from marshmallow import Schema, post_dump

from workflows.formkit.fields import Area
from workflows.i18n import _
from workflows.owners_vote import format_area
from workflows.settings import Settings
from workflows.work_calendar import SHANGHAI, WorkCalendar


class FormError(Exception):
    """A submission the service must refuse; ``messages`` maps field paths to Chinese text."""

    def __init__(self, messages: Mapping[str, list[str]]) -> None:
        self.messages: dict[str, list[str]] = {k: list(v) for k, v in messages.items()}
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in self.messages.items()))


@dataclass(frozen=True)
class Bound:
    """A day the case recorded that a later date may not precede, and what it was."""

    day: date
    what: str


@dataclass(frozen=True)
class CaseDates:
    """The days a case has recorded before the step being checked: its filing, its written
    reply once there is one, and the facts its earlier steps recorded (``recorded``, in the
    order they were recorded). A filing has none yet."""

    filed_on: date | None = None
    replied_on: date | None = None
    recorded: tuple[Bound, ...] = ()

    def floor(self) -> Bound | None:
        """The latest of them, the day a step's dates may not precede; the reply names a
        tie, then the step recorded last, since they say most about what came before."""
        bounds = [
            *([Bound(self.filed_on, _("请示提交日期"))] if self.filed_on else []),
            *self.recorded,
            *([Bound(self.replied_on, _("批复日期"))] if self.replied_on else []),
        ]
        latest: Bound | None = None
        for bound in bounds:
            if latest is None or bound.day >= latest.day:
                latest = bound
        return latest


@dataclass(frozen=True)
class StepContext:
    """What a check may consult besides the submission itself."""

    matter_type: str
    sub_type: str
    request: Mapping[str, Any]
    data: Mapping[str, Any]
    settings: Settings
    calendar: WorkCalendar
    now: datetime
    dates: CaseDates = field(default_factory=CaseDates)

    @property
    def today(self) -> date:
        """The service's current day in Beijing time, which all date rules refer to."""
        return self.now.astimezone(SHANGHAI).date()


@dataclass
class Findings:
    """Errors and warnings collected by the checks of one submission."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)

    def error(self, name: str, message: str) -> None:
        """Refuse the submission because of ``name``."""
        self.errors.setdefault(name, []).append(message)

    def warn(self, name: str, message: str) -> None:
        """Accept the submission but tell the user about ``name``."""
        self.warnings.append({"field": name, "message": message})

    def policy(self, policy: str, name: str, message: str) -> None:
        """Apply a warn/block setting; anything but "warn" blocks, the safe default."""
        if policy == "warn":
            self.warn(name, message)
        else:
            self.error(name, message)


class FormSchema(Schema):
    """Base of every form: Chinese schema-level messages, JSON-ready area output."""

    error_messages: ClassVar[dict[str, str]] = {  # type: ignore[misc]
        "type": _("提交的内容格式不正确，应为表单对象。"),
        "unknown": _("表单中没有这一项，请删除后再提交。"),
    }

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        """Rules that need the case, the settings or the clock; returns derived values."""
        return {}

    def label(self, name: str) -> str:
        """Chinese label of one of this form's fields, for messages written in checks."""
        return str(self.fields[name].metadata["label"])

    def require(self, data: dict[str, Any], names: tuple[str, ...], when: str, f: Findings) -> bool:
        """Demand fields the situation ``when`` makes mandatory; True when all are present."""
        missing = [n for n in names if data.get(n) in (None, "")]
        for name in missing:
            f.error(
                name, _("{when}时必须填写“{label}”。").format(when=when, label=self.label(name))
            )
        return not missing

    @post_dump
    def _with_area_text(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Add "123.45" next to each area in hundredths, for display without re-formatting."""
        for name, fld in self.fields.items():
            if isinstance(fld, Area) and data.get(name) is not None:
                data[f"{name}_text"] = format_area(data[name])
        return data
