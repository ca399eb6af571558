"""C2. 物业服务企业退出: the owners dismiss the firm, or the firm does not renew.

Written notice comes first: 60 days when the owners dismiss, 90 when the firm leaves
(民法典 946–948). Only a dismissal goes to the owners' vote (278 四); either way rooms,
facilities and records are handed over within [config] days, with no gap in service.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from workflows import periods
from workflows.applicants import COMMITTEES_AND_FIRM, PROPERTY_FIRM
from workflows.demo_values import days
from workflows.formkit.base import Findings, FormSchema, StepContext
from workflows.formkit.checks import must_be_true
from workflows.formkit.fields import Choice, Day, Flag, Text
from workflows.formkit.request import FilingForm, applicant_choice
from workflows.formkit.time_limits import last_day
from workflows.i18n import _
from workflows.lifecycle import IMPLEMENTATION_STEP
from workflows.matters import (
    DISTRICT_PLAN,
    OWNERS_VOTE_STEP,
    Demo,
    MatterStep,
    MatterType,
    Variant,
)

CODE = "firm_exit"
OWNERS_DISMISSAL_NOTICE_DAYS = 60  # 民法典 art 946
FIRM_NON_RENEWAL_NOTICE_DAYS = 90  # 民法典 art 947
INITIATORS = {"owners": _("业主共同决定解聘"), "firm": _("物业服务企业不再续聘")}


class FirmExitFiling(FilingForm):
    """物业服务企业退出: written notice 60 days (owners dismiss) or 90 days (firm leaves)."""

    MATTER = CODE
    applicant_kind = applicant_choice(COMMITTEES_AND_FIRM)
    initiator = Choice(_("退出原因"), INITIATORS)
    firm_name = Text(_("退出的物业服务企业名称"), max_length=200)
    notice_date = Day(
        _("书面通知日期"), help_text=_("业主解聘提前60日、企业不续聘提前90日书面通知")
    )
    service_end_date = Day(
        _("物业服务合同终止日期"),
        help_text=_("原物业服务企业服务的最后一日；距书面通知日期不少于通知期天数"),
    )

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        if data["applicant_kind"] == PROPERTY_FIRM and data["initiator"] == "owners":
            findings.error(
                "initiator",
                _("业主共同决定解聘时，应由业主委员会或物业管理委员会提出申请。"),
            )
        notice_days = (
            OWNERS_DISMISSAL_NOTICE_DAYS
            if data["initiator"] == "owners"
            else FIRM_NON_RENEWAL_NOTICE_DAYS
        )
        if periods.days_between(data["notice_date"], data["service_end_date"]) < notice_days:
            findings.error(
                "notice_date",
                _(
                    "{initiator}应至少提前 {days} 日书面通知（民法典第九百四十六条至"
                    "第九百四十八条），通知日期 {notice} 距合同终止日期 {end} 不足 {days} 日。"
                ).format(
                    initiator=INITIATORS[data["initiator"]],
                    days=notice_days,
                    notice=data["notice_date"].isoformat(),
                    end=data["service_end_date"].isoformat(),
                ),
            )


class HandoverChecklistForm(FormSchema):
    """Rooms, facilities, records handed back in time, with no gap in service."""

    rooms_handed_over = Flag(_("物业服务用房已移交"))
    facilities_handed_over = Flag(_("共用设施设备已移交"))
    records_handed_over = Flag(_("物业服务资料已移交"))
    handover_date = Day(_("交接完成日期"), past=True)
    successor_name = Text(
        _("接管方"), max_length=200, help_text=_("新物业服务企业名称，或“业主自行管理”")
    )
    successor_took_over_on = Day(_("接管方接管日期"), past=True)
    old_firm_left_on = Day(_("原物业服务企业撤离日期"), past=True)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        must_be_true(
            self,
            data,
            ("rooms_handed_over", "facilities_handed_over", "records_handed_over"),
            findings,
        )
        end = date.fromisoformat(ctx.request["service_end_date"])
        handover_days = ctx.settings.firm_exit_handover_days
        last = last_day(end, handover_days, ctx, findings, "handover_date")
        if data["handover_date"] > last:
            findings.error(
                "handover_date",
                _("应在合同终止（{end}）后 {days} 日内完成交接，即不晚于 {last}。").format(
                    end=end.isoformat(), days=handover_days, last=last.isoformat()
                ),
            )
        if data["successor_took_over_on"] > data["old_firm_left_on"]:
            findings.error(
                "successor_took_over_on",
                _(
                    "原物业服务企业应服务至接管方接管之日（民法典第九百五十条），"
                    "接管日期不能晚于原企业撤离日期。"
                ),
            )
        return {}


MATTER = MatterType(
    code=CODE,
    item="C2",
    name=_("物业服务企业退出"),
    applicant_kinds=COMMITTEES_AND_FIRM,
    exclusive_by=("firm_name",),
    legal_basis=_(
        "《中华人民共和国民法典》第二百七十八条第一款第（四）项、第九百四十六条至第九百五十条；"
    )
    + DISTRICT_PLAN,
    filing_form=FirmExitFiling,
    matter_steps=(
        OWNERS_VOTE_STEP,
        MatterStep(
            "handover_checklist",
            _("退出交接"),
            HandoverChecklistForm,
            time_limit=IMPLEMENTATION_STEP,
        ),
    ),
    vote_rules={"": ("四", "double_majority")},
    routed_by=("initiator",),
    demo=Demo(
        applicant=("committee", "E01"),
        filing={"firm_name": "安居物业服务有限公司", "notice_date": days(-10)},
        # Notice went out 10 days ago; the contract ends 65 or 95 days after it.
        variants=(
            Variant("owners", filing={"initiator": "owners", "service_end_date": days(55)}),
            Variant(
                "firm",
                filing={"initiator": "firm", "service_end_date": days(85)},
                applicant=("firm", "E01"),
                owners_vote=False,
            ),
        ),
        steps={
            "handover_checklist": {
                "rooms_handed_over": True,
                "facilities_handed_over": True,
                "records_handed_over": True,
                "handover_date": days(0),
                "successor_name": "红旗物业服务有限公司",
                "successor_took_over_on": days(0),
                "old_firm_left_on": days(0),
            },
        },
    ),
)
