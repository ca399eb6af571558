"""The request (请示) form of each matter type, looked up in the catalogue, and its validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflows.catalogue import MATTERS
from workflows.formkit.base import StepContext
from workflows.formkit.request import FilingForm
from workflows.formkit.validation import run

FILING_FORMS: dict[str, type[FilingForm]] = {code: m.filing_form for code, m in MATTERS.items()}


def filing_schema(matter_type: str) -> type[FilingForm]:
    """The request form of a matter type; KeyError on an unknown type."""
    return FILING_FORMS[matter_type]


def validate_filing(
    matter_type: str, payload: Mapping[str, Any], ctx: StepContext
) -> dict[str, Any]:
    """Clean a request (请示) or raise FormError saying what to fix."""
    return run(filing_schema(matter_type), payload, ctx)
