"""The form of every user task by task id, and its lookup and validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflows.catalogue import STEP_NAMES
from workflows.forms.approval_steps import (
    AcceptanceCheckForm,
    CollectiveStudyForm,
    ImplementationReportForm,
    OversightReviewForm,
    OwnersVoteForm,
    RectificationForm,
    SupervisionForm,
    SupplementForm,
    WrittenReplyForm,
)
from workflows.forms.base import FormSchema, StepContext
from workflows.forms.matter_steps import (
    AllocationPlanPublicationForm,
    AllocationResultForm,
    CandidateVettingForm,
    CommitteeFormationForm,
    ContractAndHandoverForm,
    ContractTermsForm,
    CostPublicationForm,
    CostReportForm,
    EmergencyAcknowledgementForm,
    FirmSelectionForm,
    FundPaymentForm,
    HandoverAndFilingForm,
    HandoverChecklistForm,
    IncomePublicationForm,
    PreparatoryGroupForm,
    WorksAcceptanceForm,
)
from workflows.forms.validation import run

STEP_FORMS: dict[str, type[FormSchema]] = {
    "acceptance_check": AcceptanceCheckForm,
    "supplement": SupplementForm,
    "collective_study": CollectiveStudyForm,
    "written_reply": WrittenReplyForm,
    "implementation_report": ImplementationReportForm,
    "oversight_review": OversightReviewForm,
    "rectification": RectificationForm,
    "owners_vote": OwnersVoteForm,
    "preparatory_group": PreparatoryGroupForm,
    "committee_formation": CommitteeFormationForm,
    "candidate_vetting": CandidateVettingForm,
    "handover_and_filing": HandoverAndFilingForm,
    "firm_selection": FirmSelectionForm,
    "contract_and_handover": ContractAndHandoverForm,
    "handover_checklist": HandoverChecklistForm,
    "works_acceptance": WorksAcceptanceForm,
    "fund_payment": FundPaymentForm,
    "emergency_acknowledgement": EmergencyAcknowledgementForm,
    "cost_report": CostReportForm,
    "income_publication": IncomePublicationForm,
    "cost_publication": CostPublicationForm,
    "contract_terms": ContractTermsForm,
    "allocation_plan_publication": AllocationPlanPublicationForm,
    "allocation_result": AllocationResultForm,
}


def step_schema(task_id: str) -> type[FormSchema]:
    """The form of a user task; every ``supervise_<task>`` shares the supervision form."""
    if task_id.startswith("supervise_") and task_id in STEP_NAMES:
        return SupervisionForm
    return STEP_FORMS[task_id]


def validate_step(task_id: str, payload: Mapping[str, Any], ctx: StepContext) -> dict[str, Any]:
    """Clean a step's submission and add what the model's gateways read, or raise FormError."""
    return run(step_schema(task_id), payload, ctx)
