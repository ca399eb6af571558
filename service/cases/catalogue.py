"""The catalogue for clients: the kinds of case (matters and periodic duties) by name,
each matter's sub-types, legal basis and every step's form.

A client renders the filing form and each step's form from these descriptions, so a
new field in ``workflows.forms`` reaches every client without a release of its own.
"""

from __future__ import annotations

from typing import Any

from service.core.errors import NotFound
from workflows import catalogue, duties, duty_forms, forms
from workflows.i18n import _
from workflows.lifecycle import OVERSIGHT_STEPS, PRIOR_APPROVAL_STEPS


def _choices(labels: dict[str, str]) -> list[dict[str, str]]:
    return [{"value": value, "label": label} for value, label in labels.items()]


def steps_of(matter: catalogue.MatterType) -> list[str]:
    """Every user task a case of this matter can reach, in the order a case meets them."""
    steps = [
        *matter.before_approval,
        *PRIOR_APPROVAL_STEPS,
        *matter.after_approval,
        *OVERSIGHT_STEPS,
    ]
    supervised = [f"supervise_{s}" for s in steps if f"supervise_{s}" in catalogue.STEP_NAMES]
    return steps + supervised


def _summary(matter: catalogue.MatterType) -> dict[str, Any]:
    return {
        "code": matter.code,
        "name": matter.name,
        "process_id": matter.process_id,
        "sub_types": _choices(matter.sub_types),
        "applicant_kinds": _choices(
            {k: catalogue.APPLICANT_KINDS[k] for k in matter.applicant_kinds}
        ),
        "legal_basis": matter.legal_basis,
        "has_owners_vote": matter.has_owners_vote,
        "requires_members_assembly": matter.requires_members_assembly,
        "steps": steps_of(matter),
    }


def matter_list() -> list[dict[str, Any]]:
    return [_summary(m) for m in catalogue.MATTERS.values()]


def matter_detail(code: str) -> dict[str, Any]:
    """A matter with its filing form and the form of every step it can reach."""
    if code not in catalogue.MATTERS:
        raise NotFound(_("没有这种事项类型。"))
    matter = catalogue.matter(code)
    return {
        **_summary(matter),
        "filing_form": forms.describe_form(forms.filing_schema(code)),
        "step_forms": [
            {
                "id": step,
                "name": catalogue.STEP_NAMES.get(step, step),
                "form": forms.describe_form(forms.step_schema(step)),
            }
            for step in steps_of(matter)
        ],
    }


def kind_name(code: str) -> str:
    """The Chinese name of a case's kind, a matter or a periodic duty."""
    try:
        return duties.kind_name(code)
    except KeyError:
        return code


def step_form(matter_type: str, bpmn_id: str) -> list[dict[str, Any]]:
    """The form a step asks for, described for rendering (empty for a step without one)."""
    try:
        return forms.describe_form(duty_forms.case_step_schema(matter_type, bpmn_id))
    except KeyError:
        return []


def filing_form(matter_type: str) -> list[dict[str, Any]]:
    """The request form of a case's kind, described for rendering (empty for an unknown kind)."""
    try:
        return forms.describe_form(duty_forms.case_filing_schema(matter_type))
    except KeyError:
        return []


def case_kinds() -> dict[str, str]:
    """Every kind of case by code, matters first, then the periodic duties: for filters."""
    return {code: kind_name(code) for code in (*catalogue.MATTERS, *duties.DUTIES)}
