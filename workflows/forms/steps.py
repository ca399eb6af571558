"""The form of every user task by task id, and its lookup and validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflows.catalogue import MATTER_STEP_FORMS, STEP_NAMES
from workflows.formkit.base import FormSchema, StepContext
from workflows.formkit.validation import run
from workflows.forms.approval_steps import SHARED_STEP_FORMS, SupervisionForm

STEP_FORMS: dict[str, type[FormSchema]] = {**SHARED_STEP_FORMS, **MATTER_STEP_FORMS}


def step_schema(task_id: str) -> type[FormSchema]:
    """The form of a user task; every ``supervise_<task>`` shares the supervision form."""
    if task_id.startswith("supervise_") and task_id in STEP_NAMES:
        return SupervisionForm
    return STEP_FORMS[task_id]


def validate_step(task_id: str, payload: Mapping[str, Any], ctx: StepContext) -> dict[str, Any]:
    """Clean a step's submission and add what the model's gateways read, or raise FormError."""
    return run(step_schema(task_id), payload, ctx)
