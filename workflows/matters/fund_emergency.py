"""D2. 专项维修资金应急使用（应急解危）: repair first, approval after, no owners' vote.

Only the listed emergencies qualify ([config] categories); the party organization is told
within [config] hours and acknowledges within [config] hours (a timer, then the street),
the written reply follows and a cost report closes the works (165号令 art 24).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workflows import periods
from workflows.applicants import COMMITTEES_AND_FIRM
from workflows.demo_values import attachment, days, hours
from workflows.formkit.attachments import Attachments
from workflows.formkit.base import Findings, FormSchema, StepContext
from workflows.formkit.fields import Choice, Day, Flag, Moment, Money, Text
from workflows.formkit.request import FilingForm, applicant_choice
from workflows.i18n import _
from workflows.lifecycle import TimeLimit
from workflows.matters import (
    DISTRICT_PLAN,
    PARTY_SECRETARY,
    Demo,
    FundUse,
    MatterStep,
    MatterType,
)
from workflows.work_calendar import SHANGHAI

CODE = "fund_emergency"

# The emergencies of 165号令 art 24 and the district plan; the setting
# ``emergency_categories`` says which of them the district accepts.
EMERGENCY_CATEGORY_LABELS: dict[str, str] = {
    "roof_leak": _("屋面防水损坏造成渗漏"),
    "lift_failure": _("电梯故障危及人身安全"),
    "water_pump_failure": _("高层住宅水泵损坏导致供水中断"),
    "facade_risk": _("楼体单侧外立面五分之一以上有脱落危险"),
    "drainage_collapse": _("专用排水设施因坍塌、堵塞、爆裂等造成功能障碍"),
    "fire_system_failure": _("消防系统出现功能障碍"),
}


class FundEmergencyFiling(FilingForm):
    """应急解危: only listed emergencies, reported to the party organization promptly."""

    MATTER = CODE
    applicant_kind = applicant_choice(COMMITTEES_AND_FIRM)
    emergency_category = Choice(_("紧急情况类别"), EMERGENCY_CATEGORY_LABELS)
    occurred_at = Moment(_("发生时间"), past=True)
    reported_at = Moment(_("报告社区党组织时间"), past=True)
    urgent_measures = Text(_("已采取的应急措施"))
    budget = Money(
        _("应急维修预算金额（元）"),
        help_text=_("预计从维修资金列支的费用，办理期间从小区维修资金可用余额中占用"),
    )

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        """A late report is accepted, warned about and marked, as incident reports are: the
        repair has been done and must be on record; the lateness goes on the credit record."""
        derived = super().check(data, ctx, findings)
        return {**derived, "reported_late": reported_late(data, ctx)}

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        if data["emergency_category"] not in ctx.settings.emergency_categories:
            findings.error(
                "emergency_category",
                _("该情况不在应急解危范围内，请按“专项维修资金使用（一般）”申请。"),
            )
        if data["reported_at"] < data["occurred_at"]:
            findings.error("reported_at", _("报告时间不能早于发生时间。"))
        elif reported_late(data, ctx):
            findings.warn(
                "reported_at",
                _(
                    "应在发生后 {hours} 小时内报告社区党组织，本次已超时，属于迟报，"
                    "将记入信用记录。"
                ).format(hours=ctx.settings.emergency_report_hours),
            )


def reported_late(data: dict[str, Any], ctx: StepContext) -> bool:
    """Reported to the party organization after the [config] hours from the emergency."""
    limit = periods.hours_deadline(data["occurred_at"], ctx.settings.emergency_report_hours)
    return bool(data["reported_at"] > limit)


class EmergencyAcknowledgementForm(FormSchema):
    """The secretary confirms knowing of the emergency (the reply comes after)."""

    acknowledgement_note = Text(_("知悉情况及指导意见"))
    site_inspected = Flag(_("已到现场查看"), required=False, load_default=False)


class CostReportForm(FormSchema):
    """The mandatory after-the-fact cost report."""

    actual_cost = Money(_("实际费用（元）"))
    cost_breakdown = Text(_("费用明细"))
    # The repair comes first (165号令 art 24): it may end before the report or the reply,
    # never before the emergency itself.
    completed_on = Day(_("维修完成日期"), past=True, follows_case=False)
    evidence = Attachments(_("费用凭证"), min_items=1)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        occurred = datetime.fromisoformat(ctx.request["occurred_at"]).astimezone(SHANGHAI)
        if data["completed_on"] < occurred.date():
            findings.error(
                "completed_on",
                _("“{label}”不得早于紧急情况发生日期 {day}。").format(
                    label=self.label("completed_on"), day=occurred.date().isoformat()
                ),
            )
        return {}


MATTER = MatterType(
    code=CODE,
    item="D2",
    name=_("专项维修资金应急使用（应急解危）"),
    applicant_kinds=COMMITTEES_AND_FIRM,
    legal_basis=_("《住宅专项维修资金管理办法》（建设部、财政部令第165号）第二十四条；")
    + DISTRICT_PLAN,
    filing_form=FundEmergencyFiling,
    matter_steps=(
        MatterStep(
            "emergency_acknowledgement",
            _("应急情况知悉确认"),
            EmergencyAcknowledgementForm,
            role=PARTY_SECRETARY,
            time_limit=TimeLimit("emergency_acknowledgement_hours", "hours"),
            before_approval=True,
        ),
        MatterStep(
            "cost_report",
            _("费用决算报告"),
            CostReportForm,
            time_limit=TimeLimit("cost_report_days", "days"),
        ),
    ),
    vote_rules={"": ("", "none")},
    fund_use=FundUse("budget", "cost_report", "actual_cost", "completed_on"),
    demo=Demo(
        applicant=("firm", "E01"),
        filing={
            "emergency_category": "lift_failure",
            "occurred_at": hours(-6),
            "reported_at": hours(-5),
            "urgent_measures": "已停用电梯并设置警示，维保单位到场抢修。",
            "budget": "40000.00",
        },
        steps={
            "emergency_acknowledgement": {
                "acknowledgement_note": "已知悉，请立即组织抢修并做好安全防护。",
                "site_inspected": True,
            },
            "cost_report": {
                "actual_cost": "36800.00",
                "cost_breakdown": "更换曳引机主板及门机系统，人工及材料费用。",
                "completed_on": days(0),
                "evidence": [attachment("费用凭证.pdf")],
            },
        },
    ),
)
