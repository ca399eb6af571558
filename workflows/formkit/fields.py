"""Form fields: each carries a Chinese label (and help) and refuses bad input in Chinese.

``describe_form`` turns a form's fields into what a UI needs to render and explain them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields

from workflows.i18n import _
from workflows.owners_vote import parse_area
from workflows.work_calendar import SHANGHAI

CENT = Decimal("0.01")
# ASCII digits only: Python's \d and Decimal() would also take "１２３" or "1e999".
_MONEY = re.compile(r"[0-9]{1,13}(\.[0-9]{1,2})?")
_AREA = re.compile(r"[0-9]{1,13}(\.[0-9]{1,2})?")
_INTEGER = re.compile(r"[+-]?[0-9]{1,12}")
# A count above this is no count of people or spaces, and would overflow a column.
MAX_COUNT = 2**31 - 1
# The API's own bounds on dates: past them the deadline arithmetic leaves the calendar.
FIRST_YEAR, LAST_YEAR = 1900, 2999
# The C0 controls no string may hold (the API's edge refuses them; service.core.edge):
# tab, line feed and carriage return are text. As a character range of a pattern.
CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f"
# Those years as the API's document states them, on every date and date-time.
_YEARS = "(19[0-9]{2}|2[0-9]{3})"
DAY_PATTERN = f"^{_YEARS}-[0-9]{{2}}-[0-9]{{2}}$"
MOMENT_PATTERN = f"^{_YEARS}-"
YEARS_NOTE = _("{first}–{last} 年").format(first=FIRST_YEAR, last=LAST_YEAR)
_DAY_SHAPE = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")


def full_date_fault(value: Any) -> str | None:
    """Why a text is no full-date YYYY-MM-DD of those years ("invalid", "out_of_range"),
    or None: Python alone would also read "20260302" and "2026-W10-1"."""
    if not isinstance(value, str) or re.fullmatch(DAY_PATTERN, value):
        return None
    return "out_of_range" if _DAY_SHAPE.fullmatch(value) else "invalid"


class _Labelled:
    """Field mixin: a required Chinese label, and Chinese messages that quote it."""

    form_type: ClassVar[str] = "text"
    default_error_messages: ClassVar[dict[str, str]] = {
        "required": _("请填写“{label}”。"),
        "out_of_range": _("“{label}”应在 1900 年至 2999 年之间，请检查后重新填写。"),
        "null": _("“{label}”不能为空，请填写。"),
        "validator_failed": _("“{label}”的值无效，请检查后重新填写。"),
        "invalid": _("“{label}”的格式不正确，请检查后重新填写。"),
        "invalid_utf8": _("“{label}”包含无法识别的字符，请重新输入。"),
        "format": _("“{label}”的格式不正确，请检查后重新填写。"),
        "type": _("“{label}”的格式不正确，请检查后重新填写。"),
        "invalid_awareness": _("“{label}”的格式不正确，请检查后重新填写。"),
    }
    metadata: Mapping[str, Any]
    required: bool

    def __init__(
        self, label: str, *, help_text: str = "", required: bool = True, **kwargs: Any
    ) -> None:
        metadata = {"label": label, "help": help_text} if help_text else {"label": label}
        super().__init__(required=required, metadata=metadata, **kwargs)  # type: ignore[call-arg]

    @property
    def label(self) -> str:
        """The Chinese label users see."""
        return self.metadata["label"]

    def make_error(self, key: str, **kwargs: Any) -> ValidationError:
        """Every message gets the field's label so it says what to fix."""
        return super().make_error(key, label=self.label, **kwargs)  # type: ignore[misc]

    def describe(self) -> dict[str, Any]:
        """Extra keys for ``describe_form`` beyond name, type, label, help, required."""
        return {}


class Text(_Labelled, fields.String):
    """Free text, trimmed; a required text may not be blank."""

    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应为文字，请重新填写。"),
        "blank": _("请填写“{label}”，不能只填空格。"),
        "too_long": _("“{label}”不能超过 {max} 个字，请精简后再提交。"),
    }

    def __init__(self, label: str, *, max_length: int = 5000, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.max_length = max_length

    @property
    def form_type(self) -> str:  # type: ignore[override]
        """Short texts render as one line, long ones as a text area."""
        return "string" if self.max_length <= 255 else "textarea"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text and self.required:
            raise self.make_error("blank")
        if len(text) > self.max_length:
            raise self.make_error("too_long", max=self.max_length)
        return text

    def describe(self) -> dict[str, Any]:
        return {"max_length": self.max_length}


class Count(_Labelled, fields.Field):
    """A whole number of people, members, spaces or years."""

    form_type: ClassVar[str] = "integer"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应为整数，请重新填写。"),
        "too_small": _("“{label}”不能小于 {min}，请重新填写。"),
        "too_large": _("“{label}”不能大于 {max}，请重新填写。"),
    }

    def __init__(
        self, label: str, *, min_value: int = 0, max_value: int = MAX_COUNT, **kwargs: Any
    ) -> None:
        super().__init__(label, **kwargs)
        self.min_value = min_value
        self.max_value = max_value

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        if value < self.min_value:
            raise self.make_error("too_small", min=self.min_value)
        if value > self.max_value:
            raise self.make_error("too_large", max=self.max_value)
        return value

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> int | None:
        return value

    def describe(self) -> dict[str, Any]:
        return {"min": self.min_value, "max": self.max_value}


class Area(_Labelled, fields.Field):
    """Square metres typed as text ("123.45"), held as exact hundredths (never a float)."""

    form_type: ClassVar[str] = "area"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应填写以平方米为单位的非负数字，最多两位小数，如“123.45”。"),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not isinstance(value, str) or not _AREA.fullmatch(value.strip()):
            raise self.make_error("invalid")
        try:
            return parse_area(value)
        except (TypeError, ValueError):
            raise self.make_error("invalid") from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> int | None:
        return value


class Money(_Labelled, fields.Field):
    """An amount in yuan typed as text ("1234.50"), exact to the fen."""

    form_type: ClassVar[str] = "money"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应填写以元为单位的非负金额，最多两位小数，如“1234.50”。"),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if not isinstance(value, str) or not _MONEY.fullmatch(value.strip()):
            raise self.make_error("invalid")
        return Decimal(value.strip())

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(Decimal(value).quantize(CENT))


class Choice(_Labelled, fields.String):
    """One code out of a fixed set, each with its Chinese label."""

    form_type: ClassVar[str] = "choice"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应为选项之一，请重新选择。"),
        "invalid_choice": _("“{label}”只能选择：{choices}。"),
    }

    def __init__(self, label: str, choices: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.choices = dict(choices)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        code = super()._deserialize(value, attr, data, **kwargs)
        if code not in self.choices:
            raise self.make_error("invalid_choice", choices="、".join(self.choices.values()))
        return code

    def describe(self) -> dict[str, Any]:
        return {"choices": [{"value": k, "label": v} for k, v in self.choices.items()]}


class Flag(_Labelled, fields.Boolean):
    """A yes/no answer: true or false only, never a 0, 1, "yes" or "on" guessed at."""

    form_type: ClassVar[str] = "boolean"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应选择“是”或“否”。"),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Day(_Labelled, fields.Date):
    """A calendar day "YYYY-MM-DD"; ``past`` days record facts and cannot be after today.

    A step's day lies in the case's order (on or after the filing, the reply and what
    the earlier steps recorded) unless ``follows_case`` is False: a fact that may come
    before the case, such as a repair done before the emergency was reported.
    """

    form_type: ClassVar[str] = "date"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应为日期，格式为 YYYY-MM-DD，如“2024-05-01”。"),
    }

    def __init__(
        self, label: str, *, past: bool = False, follows_case: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(label, **kwargs)
        self.past = past
        self.follows_case = follows_case

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        fault = full_date_fault(value)
        if fault:
            raise self.make_error(fault)
        day = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise self.make_error("out_of_range")
        return day

    def describe(self) -> dict[str, Any]:
        return {"not_after_today": self.past}


class Moment(_Labelled, fields.AwareDateTime):
    """A point in time; without an offset it is read as Beijing time."""

    form_type: ClassVar[str] = "datetime"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应为日期时间，格式为 YYYY-MM-DDTHH:MM，如“2024-05-01T08:30”。"),
        "invalid_awareness": _("“{label}”应为日期时间，格式为 YYYY-MM-DDTHH:MM。"),
    }

    def __init__(self, label: str, *, past: bool = False, **kwargs: Any) -> None:
        super().__init__(label, default_timezone=SHANGHAI, **kwargs)
        self.past = past

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise self.make_error("out_of_range")
        return moment

    def describe(self) -> dict[str, Any]:
        return {"not_after_now": self.past}


class Record(_Labelled, fields.Nested):
    """One structured entry of a list (an attachment, a candidate)."""

    form_type: ClassVar[str] = "object"
    default_error_messages: ClassVar[dict[str, str]] = {
        "type": _("“{label}”中的每一项应为对象，请检查。"),
    }


class Items(_Labelled, fields.List):
    """A list of entries; ``min_items`` > 0 makes an empty list an error."""

    form_type: ClassVar[str] = "list"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应为列表，请检查。"),
        "too_few": _("“{label}”至少需要 {min} 项，请补充。"),
    }

    def __init__(
        self, label: str, inner: fields.Field, *, min_items: int = 0, **kwargs: Any
    ) -> None:
        super().__init__(label, cls_or_instance=inner, **kwargs)
        self.min_items = min_items

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        items = super()._deserialize(value, attr, data, **kwargs)
        if len(items) < self.min_items:
            raise self.make_error("too_few", min=self.min_items)
        return items

    def describe(self) -> dict[str, Any]:
        if isinstance(self.inner, Record):
            return {"min_items": self.min_items, "fields": describe_form(type(self.inner.schema))}
        return {"min_items": self.min_items, "item": _describe_field("item", self.inner)}


class FieldUpdates(_Labelled, fields.Dict):
    """Field name → new value pairs (the corrections of a supplement)."""

    form_type: ClassVar[str] = "object"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应为“字段名: 新内容”形式的对象，请检查。"),
    }


def describe_form(schema: type[Schema]) -> list[dict[str, Any]]:
    """Fields of a form in order, with what a UI needs to render and explain them."""
    return [_describe_field(name, fld) for name, fld in schema().fields.items()]


def _describe_field(name: str, fld: fields.Field) -> dict[str, Any]:
    """One field for ``describe_form``; ``choices`` is None unless the field offers some."""
    described: dict[str, Any] = {
        "name": name,
        "type": getattr(fld, "form_type", "text"),
        "label": fld.metadata.get("label", name),
        "help": fld.metadata.get("help", ""),
        "required": fld.required,
        "choices": None,
    }
    if isinstance(fld, _Labelled):
        described.update(fld.describe())
    return described
