"""Filing and step forms: what applicants and the party organization submit, and the checks.

Each form is a marshmallow schema whose fields carry a Chinese label (and help) so UIs can
render them (``describe_form``) and every error names what to fix. Rules that need the
case, the settings or the clock run after loading (``FormSchema.check``); a policy set to
"warn" turns its rule into a warning instead of a refusal. The cleaned output is plain
JSON (ISO dates, areas as int hundredths of m² plus ``<name>_text``, money as "0.00"
strings) because it goes into the workflow data and the append-only event log.

Where the forms are:

- ``workflows.formkit``: the parts every form is built from (fields, the base schema,
  attachments, shared time limits, the request every filing extends);
- ``workflows.matters.<code>``: each matter's filing form and the forms of its own steps;
- ``approval_steps`` here: the steps every matter shares (acceptance to oversight, the
  owners' vote, the street's supervision);
- ``filing`` and ``steps`` here: the lookups by matter type and by task id, built from
  the catalogue, and the validation of a submission.

This module re-exports what the rest of the service uses.
"""

from workflows.applicants import FIRM_STANDINGS
from workflows.formkit.attachments import Attachments
from workflows.formkit.base import Findings, FormError, FormSchema, StepContext
from workflows.formkit.fields import (
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
from workflows.formkit.validation import validate_form
from workflows.forms.approval_steps import REPLY_DECISIONS, SupervisionForm
from workflows.forms.filing import FILING_FORMS, filing_schema, validate_filing
from workflows.forms.steps import STEP_FORMS, step_schema, validate_step

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
