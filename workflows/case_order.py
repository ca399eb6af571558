"""The days a case has recorded, which every later date of the case may not precede.

A case moves forward in time: each step is done after the filing, each implementation
step after the written reply, and each step after the facts the steps before it
recorded (issues 18 and 27). The facts are the ``past`` days of the case's step forms
that lie in the case's order; the workflow data holds the latest value of each.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from functools import cache
from typing import Any

from workflows.catalogue import matter
from workflows.duties import DUTIES, step_name
from workflows.duty_forms import DUTY_STEP_FORMS
from workflows.formkit.base import Bound, CaseDates, FormSchema
from workflows.formkit.fields import Day
from workflows.forms.approval_steps import SHARED_STEP_FORMS
from workflows.i18n import _


def case_dates(
    kind: str, data: Mapping[str, Any], filed_on: date, replied_on: date | None
) -> CaseDates:
    """What a step of a case of ``kind`` (``Case.matter_type``) must not precede."""
    return CaseDates(filed_on=filed_on, replied_on=replied_on, recorded=recorded_days(kind, data))


def recorded_days(kind: str, data: Mapping[str, Any]) -> tuple[Bound, ...]:
    """The facts the case's earlier steps recorded, each named by its step and label."""
    return tuple(
        Bound(date.fromisoformat(data[name]), what)
        for name, what in _fact_fields(kind)
        if data.get(name)
    )


@cache
def _fact_fields(kind: str) -> tuple[tuple[str, str], ...]:
    """(data key, "step's label") of each fact day a case of ``kind`` may record; a key two
    steps share (a report and its rectification) is named by the first."""
    fields: dict[str, str] = {}
    for task_id, form in _step_forms(kind):
        for name, fld in form().fields.items():
            if isinstance(fld, Day) and fld.past and fld.follows_case and name not in fields:
                fields[name] = _("{step}的“{label}”").format(
                    step=step_name(task_id), label=fld.label
                )
    return tuple(fields.items())


def _step_forms(kind: str) -> Iterator[tuple[str, type[FormSchema]]]:
    """The user tasks a case of ``kind`` may hold, with their forms."""
    if kind in DUTIES:
        yield from DUTY_STEP_FORMS.items()
        return
    yield from SHARED_STEP_FORMS.items()
    for step in matter(kind).matter_steps:
        if step.form is not None:
            yield step.id, step.form
