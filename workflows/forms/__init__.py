"""Filing and step forms: what applicants and the party organization submit, and the checks.

Each form is a marshmallow schema whose fields carry a Chinese label (and help) so UIs can
render them (``describe_form``) and every error names what to fix. Rules that need the
case, the settings or the clock run after loading (``FormSchema.check``); a policy set to
"warn" turns its rule into a warning instead of a refusal. The cleaned output is plain
JSON (ISO dates, areas as int hundredths of m² plus ``<name>_text``, money as "0.00"
strings) because it goes into the workflow data and the append-only event log.

The package is laid out bottom-up; each module imports only those above it:

- ``fields``: the field classes (text, count, area, money, choice, dates, lists…)
  and ``describe_form``;
- ``base``: ``FormError``, ``StepContext``, ``Findings`` and the ``FormSchema`` base;
- ``attachments``: the attachment form and the ``Attachments`` list field;
- ``time_limits``: the legal notice periods and time limits, and their checks;
- ``validation``: running a form (load, check, dump) and ``validate_form``;
- ``filing``: the request form of each matter, ``filing_schema``, ``validate_filing``;
- ``approval_steps``: the steps every matter shares (acceptance to the owners' vote);
- ``matter_steps``: the steps of one matter each;
- ``steps``: every task's form by task id, ``step_schema``, ``validate_step``.

This module re-exports what the rest of the service uses.
"""

from workflows.forms.approval_steps import REPLY_DECISIONS, SupervisionForm
from workflows.forms.attachments import Attachments
from workflows.forms.base import Findings, FormError, FormSchema, StepContext
from workflows.forms.fields import (
    Choice,
    Count,
    Day,
    Flag,
    Items,
    Moment,
    Record,
    Text,
    describe_form,
)
from workflows.forms.filing import FILING_FORMS, filing_schema, validate_filing
from workflows.forms.matter_steps import FIRM_STANDINGS
from workflows.forms.steps import STEP_FORMS, step_schema, validate_step
from workflows.forms.validation import validate_form

__all__ = [
    "FILING_FORMS",
    "FIRM_STANDINGS",
    "REPLY_DECISIONS",
    "STEP_FORMS",
    "Attachments",
    "Choice",
    "Count",
    "Day",
    "Findings",
    "Flag",
    "FormError",
    "FormSchema",
    "Items",
    "Moment",
    "Record",
    "StepContext",
    "SupervisionForm",
    "Text",
    "describe_form",
    "filing_schema",
    "step_schema",
    "validate_filing",
    "validate_form",
    "validate_step",
]
