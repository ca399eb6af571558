"""Settings marked [config] in domain.md: defaults here, overrides stored by administrators.

Nothing in the rules hard-codes these values; every rule takes a ``Settings`` so an
administrator's change applies to the next decision without a deployment.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

EMERGENCY_CATEGORIES = (
    "roof_leak",
    "lift_failure",
    "water_pump_failure",
    "facade_risk",
    "drainage_collapse",
    "fire_system_failure",
)


@dataclass(frozen=True)
class Settings:
    """Every [config] value with its domain.md default."""

    acceptance_working_days: int = 3
    study_working_days: int = 10
    reply_working_days: int = 5
    oversight_working_days: int = 10
    emergency_acknowledgement_hours: int = 24
    emergency_report_hours: int = 24
    incident_report_hours: int = 24
    quarterly_report_working_days: int = 10
    year_end_review_working_days: int = 15
    reminder_before_hours: int = 24
    party_share_policy: str = "warn"
    blacklist_policy: str = "block"
    election_lead_months: int = 3
    election_reminder_months: int = 6
    committee_handover_days: int = 10
    firm_exit_handover_days: int = 15
    preparatory_group_days: int = 60
    # Deadlines of the steps the law gives no period for (README "deadlines"), and
    # 物业管理条例 art 16's 30 days for filing a newly elected committee.
    supplement_working_days: int = 5
    owners_vote_days: int = 60
    implementation_step_days: int = 90
    implementation_report_working_days: int = 10
    committee_filing_days: int = 30
    cost_report_days: int = 30
    candidate_vetting_working_days: int = 10
    quarterly_review_working_days: int = 10
    annual_evaluation_working_days: int = 10
    incident_follow_up_working_days: int = 5
    emergency_categories: tuple[str, ...] = field(default=EMERGENCY_CATEGORIES)

    def with_overrides(self, overrides: dict[str, Any]) -> Settings:
        """Return a copy with the known keys of ``overrides`` applied (unknown keys are refused)."""
        known = {f.name: f for f in fields(self)}
        unknown = sorted(set(overrides) - set(known))
        if unknown:
            raise KeyError(f"unknown settings: {', '.join(unknown)}")
        cleaned = {
            k: tuple(v) if known[k].name == "emergency_categories" else v
            for k, v in overrides.items()
        }
        return replace(self, **cleaned)


POLICIES = ("warn", "block")
