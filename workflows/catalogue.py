"""The catalogue of major matters (重要事项) that need the party organization's prior consent.

Every registry the service looks matters up in is built here from the matter modules
(``workflows/matters/<code>.py``, one per model ``bpmn/matter_<code>.bpmn``): the matter
types themselves, the names of every step, the matters' own step forms and their time
limits. Nothing here lists matter types by hand, so adding one is its model and its
module. The vote rule itself lives in the DMN table ``bpmn/vote_rule.dmn`` so
administrators can read it; ``has_owners_vote`` only says whether the model contains
an owners' vote at all.
"""

from __future__ import annotations

import importlib
import pkgutil

import workflows.matters as matter_modules
from workflows.applicants import (
    APPLICANT_KINDS,
    MANAGEMENT_COMMITTEE,
    OWNERS_COMMITTEE,
    PREPARATORY_GROUP,
    PROPERTY_FIRM,
)
from workflows.formkit.base import FormSchema
from workflows.lifecycle import SHARED_STEP_NAMES, TimeLimit, supervision_name
from workflows.matters import MatterStep, MatterType

# The setting ``emergency_categories`` chooses among the emergencies of one matter.
from workflows.matters.fund_emergency import EMERGENCY_CATEGORY_LABELS

__all__ = [
    "APPLICANT_KINDS",
    "EMERGENCY_CATEGORY_LABELS",
    "MANAGEMENT_COMMITTEE",
    "MATTERS",
    "MATTER_STEP_FORMS",
    "OWNERS_COMMITTEE",
    "PREPARATORY_GROUP",
    "PROPERTY_FIRM",
    "STEP_NAMES",
    "TIME_LIMITS",
    "MatterType",
    "matter",
]


def _discover() -> list[MatterType]:
    """Every matter module's ``MATTER``, in the order of the district plan's table."""
    found = []
    for info in pkgutil.iter_modules(matter_modules.__path__):
        module = importlib.import_module(f"{matter_modules.__name__}.{info.name}")
        entry = getattr(module, "MATTER", None)
        if not isinstance(entry, MatterType) or entry.code != info.name:
            raise TypeError(
                f"workflows/matters/{info.name}.py must define MATTER, "
                f"a MatterType whose code is {info.name!r}"
            )
        found.append(entry)
    return sorted(found, key=lambda entry: entry.item)


MATTERS: dict[str, MatterType] = {entry.code: entry for entry in _discover()}


def _own_steps() -> dict[str, MatterStep]:
    """Every matter's own steps (the shared owners' vote aside) by task id, which is unique."""
    steps: dict[str, MatterStep] = {}
    for entry in MATTERS.values():
        for step in entry.matter_steps:
            if step.form is None:
                continue
            if step.id in steps or step.id in SHARED_STEP_NAMES:
                raise ValueError(f"step {step.id!r} of {entry.code} is already another step")
            steps[step.id] = step
    return steps


_OWN_STEPS = _own_steps()

MATTER_STEP_FORMS: dict[str, type[FormSchema]] = {
    step.id: step.form for step in _OWN_STEPS.values() if step.form is not None
}
TIME_LIMITS: dict[str, TimeLimit] = {
    step.id: step.time_limit for step in _OWN_STEPS.values() if step.time_limit is not None
}
STEP_NAMES: dict[str, str] = {
    **SHARED_STEP_NAMES,
    **{step.id: step.name for step in _OWN_STEPS.values()},
    **{
        f"supervise_{step.id}": supervision_name(step.name)
        for step in _OWN_STEPS.values()
        if step.time_limit is not None
    },
}


def matter(code: str) -> MatterType:
    """Look up a matter type; an unknown code is a caller error, so it raises KeyError."""
    return MATTERS[code]
