"""Running a form: load, check against the case, and dump the JSON-ready result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError

from workflows.formkit.base import Findings, FormError, FormSchema, StepContext
from workflows.formkit.fields import Day, Moment
from workflows.i18n import _


def validate_form(
    schema_cls: type[FormSchema], payload: Mapping[str, Any], ctx: StepContext
) -> dict[str, Any]:
    """Clean a submission of a form kept elsewhere (the periodic duties'), or raise FormError."""
    return run(schema_cls, payload, ctx)


def run(
    schema_cls: type[FormSchema], payload: Mapping[str, Any], ctx: StepContext
) -> dict[str, Any]:
    """Load, check against the case, and dump to JSON-ready data with derived values."""
    schema = schema_cls()
    try:
        loaded = schema.load(payload)
    except ValidationError as error:
        raise FormError(_flatten(error.messages)) from None
    findings = Findings()
    _check_not_future(schema, loaded, ctx, findings)
    _check_in_case_order(schema, loaded, ctx, findings)
    derived = schema.check(loaded, ctx, findings)
    if findings.errors:
        raise FormError(findings.errors)
    return {**schema.dump(loaded), **derived, "warnings": findings.warnings}


def _check_not_future(
    schema: FormSchema, data: dict[str, Any], ctx: StepContext, f: Findings
) -> None:
    """Dates recording facts cannot lie after the service clock's today (or now)."""
    for name, fld in schema.fields.items():
        value = data.get(name)
        if value is None or not getattr(fld, "past", False):
            continue
        if isinstance(fld, Moment) and value > ctx.now:
            f.error(name, _("“{label}”不能晚于当前时间。").format(label=schema.label(name)))
        elif isinstance(fld, Day) and value > ctx.today:
            f.error(
                name,
                _("“{label}”不能晚于今天（{today}）。").format(
                    label=schema.label(name), today=ctx.today.isoformat()
                ),
            )


def _check_in_case_order(
    schema: FormSchema, data: dict[str, Any], ctx: StepContext, f: Findings
) -> None:
    """A step's days lie on or after the latest day the case recorded before it (the
    filing, the written reply, the earlier steps' facts): what came later cannot be dated
    before what it follows."""
    floor = ctx.dates.floor()
    if floor is None:
        return
    for name, fld in schema.fields.items():
        value = data.get(name)
        if value is None or not isinstance(fld, Day) or not fld.follows_case:
            continue
        if value < floor.day:
            f.error(
                name,
                _("“{label}”不得早于{what} {day}。").format(
                    label=schema.label(name), what=floor.what, day=floor.day.isoformat()
                ),
            )


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested errors as "field.index.field" → messages."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            for name, texts in _flatten(value, path).items():
                flat.setdefault(name, []).extend(texts)
        return flat
    texts = messages if isinstance(messages, list) else [messages]
    return {prefix or "_schema": [str(t) for t in texts]}
