"""Marshmallow building blocks for what clients send: field types and validators whose
messages are in Chinese, so a refusal can be shown to users as it is.

The API's request schemas are made of these, and so are the inputs the pages check with
the same schemas (administration), so both refuse the same input in the same words.
"""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from workflows.formkit.fields import (
    DAY_PATTERN,
    FIRST_YEAR,
    LAST_YEAR,
    MOMENT_PATTERN,
    YEARS_NOTE,
    full_date_fault,
)
from workflows.i18n import _

MAX_ID = 2**31 - 1
_REQUIRED = {
    "required": _("此项为必填项。"),
    "null": _("此项不能为空。"),
    "validator_failed": _("此项的值无效。"),
}


class Text(fields.String):
    default_error_messages: ClassVar[dict[str, str]] = {
        **_REQUIRED,
        "invalid": _("应为文字。"),
        "invalid_utf8": _("包含无法识别的字符。"),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("invalid_utf8")
        return text


class Whole(fields.Integer):
    default_error_messages: ClassVar[dict[str, str]] = {
        **_REQUIRED,
        "invalid": _("应为整数。"),
        "too_large": _("数值过大。"),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strict", True)
        super().__init__(**kwargs)


class YesNo(fields.Boolean):
    """Only JSON true or false: a 0, 1, "yes" or "on" is refused, not guessed at."""

    default_error_messages: ClassVar[dict[str, str]] = {
        **_REQUIRED,
        "invalid": _("应为 true 或 false。"),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class QueryYesNo(YesNo):
    """A switch in the query string, where only the words true and false are booleans."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value in ("true", "false"):
            return value == "true"
        return super()._deserialize(value, attr, data, **kwargs)


def _dated(kwargs: dict[str, Any], pattern: str) -> dict[str, Any]:
    """The field's metadata stating the year range it enforces, in its pattern and words."""
    metadata = dict(kwargs.pop("metadata", None) or {})
    metadata["pattern"] = pattern
    metadata["description"] = "；".join(filter(None, [metadata.get("description"), YEARS_NOTE]))
    return {**kwargs, "metadata": metadata}


class Moment(fields.AwareDateTime):
    default_error_messages: ClassVar[dict[str, str]] = {
        **_REQUIRED,
        "invalid": _("应为带时区的日期时间，如 2026-03-02T09:00:00+08:00。"),
        "invalid_awareness": _("日期时间须带时区，如 +08:00。"),
        "format": _("日期时间格式不正确。"),
        "out_of_range": _("日期应在 1900 年至 2999 年之间。"),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_dated(kwargs, MOMENT_PATTERN))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise self.make_error("out_of_range")
        return moment


class Day(fields.Date):
    default_error_messages: ClassVar[dict[str, str]] = {
        **_REQUIRED,
        "invalid": _("应为日期，格式为 YYYY-MM-DD。"),
        "invalid_awareness": _("应为日期，格式为 YYYY-MM-DD。"),
        "format": _("日期格式不正确。"),
        "out_of_range": _("日期应在 1900 年至 2999 年之间。"),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_dated(kwargs, DAY_PATTERN))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        fault = full_date_fault(value)
        if fault:
            raise self.make_error(fault)
        day = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise self.make_error("out_of_range")
        return day


class Object(fields.Dict):
    default_error_messages: ClassVar[dict[str, str]] = {
        **_REQUIRED,
        "invalid": _("应为 JSON 对象。"),
    }


class Anything(fields.Raw):
    default_error_messages: ClassVar[dict[str, str]] = _REQUIRED


class Many(fields.List):
    default_error_messages: ClassVar[dict[str, str]] = {
        **_REQUIRED,
        "invalid": _("应为 JSON 数组。"),
    }


class Part(fields.Nested):
    default_error_messages: ClassVar[dict[str, str]] = {
        **_REQUIRED,
        "type": _("应为 JSON 对象。"),
    }


def length(low: int, high: int) -> validate.Length:
    return validate.Length(low, high, error=_("长度应为 {min} 至 {max} 个字符。"))


def between(low: int, high: int) -> validate.Range:
    return validate.Range(low, high, error=_("应为 {min} 至 {max} 之间的整数。"))


def at_least(low: int) -> validate.Length:
    return validate.Length(min=low, error=_("至少需要 {min} 项。"))


def one_of(choices: Any) -> validate.OneOf:
    return validate.OneOf(list(choices), error=_("只能是以下之一：{choices}。"))


class Pattern(validate.Regexp):
    """The whole text matches, as a JSON Schema ``pattern`` anchored ^…$ means: Python's
    ``$`` alone would let a trailing line feed through. The document states the pattern."""

    def __call__(self, value: Any) -> Any:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


def code(max_length: int = 64) -> list[validate.Validator]:
    """A code or user name: its length and characters, each stated in the document."""
    return [
        length(1, max_length),
        Pattern(r"^[A-Za-z0-9_.\-]+$", error=_("只能包含字母、数字、下划线、点和减号。")),
    ]


class RequestSchema(Schema):
    """A request body: unknown fields are refused, in Chinese."""

    class Meta:
        unknown = RAISE

    error_messages: ClassVar[dict[str, str]] = {
        "unknown": _("不接受此字段。"),
        "type": _("请求体应为 JSON 对象。"),
    }
    # What the document adds to this body's JSON Schema: rules no single field states.
    json_schema: ClassVar[dict[str, Any]] = {}


class ChangeSchema(RequestSchema):
    """A PATCH body: the fields to change, at least one (the document's minProperties)."""

    json_schema: ClassVar[dict[str, Any]] = {"minProperties": 1}
    nothing_changed: ClassVar[str] = _("请至少修改一项。")

    @validates_schema
    def _something(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError(self.nothing_changed)


class QuerySchema(Schema):
    """Query-string parameters; unknown ones are ignored by the parser."""

    error_messages: ClassVar[dict[str, str]] = {
        "unknown": _("不接受此参数。"),
        "type": _("参数格式不正确。"),
    }
