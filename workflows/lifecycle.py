"""The steps every matter's case shares, by the task ids the models use, and their names.

Prior approval (受理审查 → 补正 → 集体研究 → 书面批复) and oversight (实施情况报告 →
监督检查 → 整改) are the shared call activities ``bpmn/prior_approval.bpmn`` and
``bpmn/oversight.bpmn``; the owners' vote is one form for every matter that holds one.
Steps with a deadline carry a BPMN timer (``deadline("<step>")``); their limits are
here, a matter's own steps with their names and limits are in its module
(``workflows.matters``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from workflows.i18n import _

ACCEPTANCE_CHECK = "acceptance_check"
SUPPLEMENT = "supplement"
COLLECTIVE_STUDY = "collective_study"
WRITTEN_REPLY = "written_reply"
IMPLEMENTATION_REPORT = "implementation_report"
OVERSIGHT_REVIEW = "oversight_review"
RECTIFICATION = "rectification"
OWNERS_VOTE = "owners_vote"

PRIOR_APPROVAL_STEPS = (ACCEPTANCE_CHECK, SUPPLEMENT, COLLECTIVE_STUDY, WRITTEN_REPLY)
OVERSIGHT_STEPS = (IMPLEMENTATION_REPORT, OVERSIGHT_REVIEW, RECTIFICATION)

SHARED_STEP_NAMES: dict[str, str] = {
    ACCEPTANCE_CHECK: _("受理审查"),
    SUPPLEMENT: _("补正材料"),
    COLLECTIVE_STUDY: _("集体研究"),
    WRITTEN_REPLY: _("书面批复"),
    IMPLEMENTATION_REPORT: _("实施情况报告"),
    OVERSIGHT_REVIEW: _("监督检查"),
    RECTIFICATION: _("整改"),
    OWNERS_VOTE: _("业主表决"),
    "supervise_acceptance_check": _("街道督办：受理审查超期"),
    "supervise_collective_study": _("街道督办：集体研究超期"),
    "supervise_written_reply": _("街道督办：书面批复超期"),
    "supervise_oversight_review": _("街道督办：监督检查超期"),
    "supervise_rectification": _("街道督办：整改超期"),
    "supervise_supplement": _("街道督办：补正材料超期"),
    "supervise_implementation_report": _("街道督办：实施情况报告超期"),
    "supervise_owners_vote": _("街道督办：业主表决超期"),
}


def supervision_name(step_name: str) -> str:
    """The name of the street's task that opens when a step runs past its deadline."""
    return _("街道督办：{step}超期").format(step=step_name)


@dataclass(frozen=True)
class TimeLimit:
    """How long a step may take: a setting (workflows/settings.py) in hours, working days
    or days (a period of 民法典 201–203, moved off a rest day)."""

    setting: str
    unit: Literal["hours", "working_days", "days"]


# A matter's own implementation step the law gives no period for, and the filing of a
# newly elected committee (物业管理条例 art 16: 30 days).
IMPLEMENTATION_STEP = TimeLimit("implementation_step_days", "days")
COMMITTEE_FILING = TimeLimit("committee_filing_days", "days")

SHARED_TIME_LIMITS: dict[str, TimeLimit] = {
    ACCEPTANCE_CHECK: TimeLimit("acceptance_working_days", "working_days"),
    COLLECTIVE_STUDY: TimeLimit("study_working_days", "working_days"),
    WRITTEN_REPLY: TimeLimit("reply_working_days", "working_days"),
    OVERSIGHT_REVIEW: TimeLimit("oversight_working_days", "working_days"),
    RECTIFICATION: TimeLimit("oversight_working_days", "working_days"),
    SUPPLEMENT: TimeLimit("supplement_working_days", "working_days"),
    IMPLEMENTATION_REPORT: TimeLimit("implementation_report_working_days", "working_days"),
    OWNERS_VOTE: TimeLimit("owners_vote_days", "days"),
}
