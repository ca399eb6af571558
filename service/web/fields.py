"""HTML forms built from the form descriptions of ``workflows.forms``.

The same description drives three things: the inputs a page shows (with labels, help
and the service's messages next to each field), reading a submitted form back into the
values to show again, and turning those values into the payload the service validates.
The service alone decides what is valid; these functions only carry text to and fro.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from workflows.owners_vote import format_area
from workflows.work_calendar import SHANGHAI

Values = dict[str, Any]
Spec = dict[str, Any]

EXTRA_ROWS = 1  # empty rows offered below the filled ones of a list of records
MIN_ROWS = 2


@dataclass
class FieldView:
    """One input as a template draws it."""

    spec: Spec
    name: str
    value: Any
    errors: list[str] = field(default_factory=list)
    rows: list[list[FieldView]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")

    @property
    def type(self) -> str:
        return self.spec["type"]

    @property
    def label(self) -> str:
        return self.spec["label"]

    @property
    def help(self) -> str:
        return self.spec.get("help", "")

    @property
    def required(self) -> bool:
        return bool(self.spec.get("required"))

    @property
    def choices(self) -> list[dict[str, str]]:
        if self.spec.get("choices"):
            return self.spec["choices"]
        item = self.spec.get("item") or {}
        return item.get("choices") or []

    @property
    def widget(self) -> str:
        """How to draw it: few choices as radio buttons, yes/no as radios or a checkbox."""
        kind = self.type
        if kind == "choice":
            return "radios" if len(self.choices) <= 3 else "select"
        if kind == "boolean":
            return "yesno" if self.required else "checkbox"
        if kind == "list":
            return "records" if "fields" in self.spec else "checkboxes"
        return kind


def without(specs: Iterable[Spec], names: Iterable[str]) -> list[Spec]:
    drop = set(names)
    return [s for s in specs if s["name"] not in drop]


# ---------------------------------------------------------------- values


def _record_fields(spec: Spec) -> list[Spec]:
    return spec.get("fields") or []


def values_from_form(specs: list[Spec], form: MultiDict, prefix: str = "") -> Values:
    """What the user typed, kept as text so the page can show it again unchanged."""
    values: Values = {}
    for spec in specs:
        name = prefix + spec["name"]
        kind = spec["type"]
        if kind == "attachments":
            values[spec["name"]] = _attachments_from_form(form, name)
        elif kind == "list" and "fields" in spec:
            values[spec["name"]] = _rows_from_form(spec, form, name)
        elif kind == "list":
            values[spec["name"]] = form.getlist(name)
        elif kind == "boolean" and not spec.get("required"):
            values[spec["name"]] = "true" if form.get(name) == "true" else "false"
        else:
            values[spec["name"]] = form.get(name, "").strip()
    return values


def _attachments_from_form(form: MultiDict, name: str) -> list[dict[str, str]]:
    kept = []
    index = 0
    while f"{name}.{index}.sha256" in form:
        if form.get(f"{name}.{index}.remove") != "true":
            kept.append(
                {
                    "name": form.get(f"{name}.{index}.name", ""),
                    "sha256": form.get(f"{name}.{index}.sha256", ""),
                }
            )
        index += 1
    return kept


def _rows_from_form(spec: Spec, form: MultiDict, name: str) -> list[Values]:
    rows = []
    index = 0
    inner = _record_fields(spec)
    while any(f"{name}.{index}.{s['name']}" in form for s in inner):
        row = values_from_form(inner, form, f"{name}.{index}.")
        if any(v not in ("", "false", []) for v in row.values()):
            rows.append(row)
        index += 1
    return rows


def values_from_data(specs: list[Spec], data: Mapping[str, Any]) -> Values:
    """Cleaned data (as the service stored it) as the text a form shows."""
    values: Values = {}
    for spec in specs:
        name, kind = spec["name"], spec["type"]
        if name not in data or data[name] is None:
            continue
        value = data[name]
        if kind == "area":
            values[name] = data.get(f"{name}_text") or format_area(value)
        elif kind == "boolean":
            values[name] = "true" if value else "false"
        elif kind == "datetime":
            values[name] = (
                datetime.fromisoformat(value).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
            )
        elif kind == "attachments":
            values[name] = [{"name": a["name"], "sha256": a["sha256"]} for a in value]
        elif kind == "list" and "fields" in spec:
            values[name] = [values_from_data(_record_fields(spec), row) for row in value]
        elif kind == "list":
            values[name] = list(value)
        else:
            values[name] = str(value)
    return values


def payload(specs: list[Spec], values: Values) -> dict[str, Any]:
    """The submission for the service: empty inputs left out, so "required" speaks."""
    out: dict[str, Any] = {}
    for spec in specs:
        name, kind = spec["name"], spec["type"]
        value = values.get(name)
        if kind == "attachments":
            out[name] = list(value or [])
        elif kind == "list" and "fields" in spec:
            out[name] = [payload(_record_fields(spec), row) for row in value or []]
        elif kind == "list":
            out[name] = list(value or [])
        elif kind == "boolean":
            if value in ("true", "false"):
                out[name] = value == "true"
        elif value not in (None, ""):
            out[name] = value
    return out


# ---------------------------------------------------------------- views


def views(
    specs: list[Spec],
    values: Values,
    errors: Mapping[str, list[str]],
    prefix: str = "",
    error_prefix: str = "",
) -> list[FieldView]:
    """Inputs with their values and the service's messages for each (nested by path)."""
    result = []
    for spec in specs:
        name = prefix + spec["name"]
        key = error_prefix + spec["name"]
        own = list(errors.get(key, []))
        view = FieldView(spec, name, values.get(spec["name"], _empty(spec)), own)
        if spec["type"] == "list" and "fields" in spec:
            rows = list(view.value) + [{}] * EXTRA_ROWS
            rows += [{}] * max(0, MIN_ROWS - len(rows))
            view.rows = [
                views(_record_fields(spec), row, errors, f"{name}.{i}.", f"{key}.{i}.")
                for i, row in enumerate(rows)
            ]
        elif spec["type"] in ("list", "attachments"):
            for other, messages in errors.items():
                if other.startswith(key + "."):
                    own.extend(messages)
        result.append(view)
    return result


def _empty(spec: Spec) -> Any:
    return [] if spec["type"] in ("list", "attachments") else ""


def add_row(values: Values, name: str) -> None:
    """The no-script way to get one more empty row in a list of records."""
    values[name] = [*values.get(name, []), {}]


def unplaced(errors: Mapping[str, list[str]], shown: list[FieldView]) -> list[str]:
    """Messages no field on the page shows, so the summary lists them on their own."""
    placed: set[str] = set()

    def walk(items: list[FieldView], error_prefix: str) -> None:
        for view in items:
            key = error_prefix + view.spec["name"]
            placed.add(key)
            if view.type in ("list", "attachments") and not view.rows:
                placed.update(k for k in errors if k.startswith(key + "."))
            for i, row in enumerate(view.rows):
                walk(row, f"{key}.{i}.")

    walk(shown, "")
    return [m for key, messages in errors.items() if key not in placed for m in messages]


def summary(shown: list[FieldView], others: list[str]) -> list[tuple[str, str]]:
    """(anchor, text) for the list of problems at the top of a refused form."""
    items: list[tuple[str, str]] = []

    def walk(views_: list[FieldView]) -> None:
        for view in views_:
            items.extend(
                (f"#{view.id}", m if view.label in m else f"{view.label}：{m}") for m in view.errors
            )
            for row in view.rows:
                walk(row)

    walk(shown)
    items.extend(("#main", m) for m in others)
    return items
