"""A form as JSON Schema, so the API's document says what each filing and step takes.

Built from the same fields that check a submission: a client (or a fuzzer) can build a
well-formed request from the document alone. Rules between fields, on the case or on the
clock (a form's ``check``, the case's date order) are not JSON Schema's to state; they
answer 422 naming the field.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, fields

from workflows.formkit.fields import (
    _AREA,
    _INTEGER,
    _MONEY,
    CONTROLS,
    DAY_PATTERN,
    MOMENT_PATTERN,
    YEARS_NOTE,
    Area,
    Choice,
    Count,
    Day,
    FieldUpdates,
    Flag,
    Items,
    Moment,
    Money,
    Record,
    Text,
)


def form_json_schema(form: type[Schema]) -> dict[str, Any]:
    """The JSON Schema of a form's submission: its fields, which are required, no others."""
    instance = form()
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {name: _field(fld) for name, fld in instance.fields.items()},
        "additionalProperties": False,
    }
    required = [name for name, fld in instance.fields.items() if fld.required]
    if required:
        schema["required"] = required
    return schema


def _field(fld: fields.Field) -> dict[str, Any]:
    """A field's JSON Schema, described by its label (and its years, for a date)."""
    label = fld.metadata.get("label", "")
    dated = isinstance(fld, Day | Moment)
    return {**_shape(fld), "description": f"{label}；{YEARS_NOTE}" if dated else label}


# Spaces a field trims, but not the two controls (\x0b, \x0c) the edge refuses anywhere.
_SPACES = r"[^\S\x0b\x0c]*"
_ANY_TEXT = f"^[^{CONTROLS}]*$"
_SOME_TEXT = rf"^[^{CONTROLS}]*[^\s{CONTROLS}][^{CONTROLS}]*$"


def _text(pattern: re.Pattern[str]) -> str:
    """A Python pattern the whole (trimmed) text must match, as an ECMA-262 ``pattern``:
    anchored at both ends (``\\Z`` is Python's), with the spaces the field trims."""
    inner = pattern.pattern.removeprefix("^").removesuffix("\\Z").removesuffix("$")
    return f"^{_SPACES}(?:{inner}){_SPACES}$"


def _shape(fld: fields.Field) -> dict[str, Any]:
    """What the field takes, as its ``_deserialize`` checks it."""
    if isinstance(fld, Text):
        shape: dict[str, Any] = {"type": "string", "maxLength": fld.max_length}
        patterns = [_text(v.regex) for v in fld.validators if hasattr(v, "regex")]
        shape["pattern"] = patterns[0] if patterns else _SOME_TEXT if fld.required else _ANY_TEXT
        return shape
    if isinstance(fld, Count):
        return {
            "anyOf": [
                {"type": "integer", "minimum": fld.min_value, "maximum": fld.max_value},
                {"type": "string", "pattern": _text(_INTEGER)},
            ]
        }
    if isinstance(fld, Area):
        return {"type": "string", "pattern": _text(_AREA)}
    if isinstance(fld, Money):
        return {"type": "string", "pattern": _text(_MONEY)}
    if isinstance(fld, Choice):
        return {"type": "string", "enum": list(fld.choices)}
    if isinstance(fld, Flag):
        return {"type": "boolean"}
    if isinstance(fld, Day):
        return {"type": "string", "format": "date", "pattern": DAY_PATTERN}
    if isinstance(fld, Moment):
        return {"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN}
    if isinstance(fld, Items):
        inner = fld.inner
        item = form_json_schema(type(inner.schema)) if isinstance(inner, Record) else _shape(inner)
        return {"type": "array", "items": item, "minItems": fld.min_items}
    if isinstance(fld, Record):
        return form_json_schema(type(fld.schema))
    if isinstance(fld, FieldUpdates):
        return {"type": "object"}
    raise TypeError(f"no JSON Schema for {type(fld).__name__}")
