"""D1. 专项维修资金使用（一般）: the owners within the cost-sharing scope vote, then works,
acceptance and payment (165号令 arts 22–23).

The vote's bases are the request's area and owners (the scope), not the whole estate;
the budget must be covered by the scope's balance and the transfer by the budget.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from workflows.applicants import COMMITTEES_AND_FIRM
from workflows.demo_values import attachment, days, request_value
from workflows.formkit.attachments import Attachments
from workflows.formkit.base import Findings, FormSchema, StepContext
from workflows.formkit.checks import must_be_true
from workflows.formkit.fields import CENT, Area, Count, Day, Flag, Money, Text
from workflows.formkit.request import FilingForm, applicant_choice
from workflows.i18n import _
from workflows.lifecycle import IMPLEMENTATION_STEP
from workflows.matters import (
    DISTRICT_PLAN,
    OWNERS_VOTE_STEP,
    Demo,
    FundUse,
    MatterStep,
    MatterType,
)

CODE = "fund_normal"


class FundNormalFiling(FilingForm):
    """专项维修资金一般使用: the budget must be covered by the fund's balance."""

    MATTER = CODE
    applicant_kind = applicant_choice(COMMITTEES_AND_FIRM)
    budget = Money(_("预算金额（元）"))
    affected_area = Area(
        _("列支范围内专有部分面积（平方米）"),
        help_text=_("分摊费用的业主的专有部分面积合计，即业主表决的面积基数"),
    )
    affected_owners = Count(
        _("列支范围内业主人数"),
        min_value=1,
        help_text=_("分摊费用的业主人数，即业主表决的人数基数"),
    )
    work_items = Text(_("维修、更新、改造项目"))
    cost_sharing_scope = Text(_("费用分摊（列支）范围"), help_text=_("如：3号楼全体业主"))
    fund_balance = Money(_("列支范围内维修资金余额（元）"))

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        if data["budget"] > data["fund_balance"]:
            findings.error(
                "budget",
                _("预算 {budget} 元超过列支范围内维修资金余额 {balance} 元，请调整方案。").format(
                    budget=data["budget"], balance=data["fund_balance"]
                ),
            )


class WorksAcceptanceForm(FormSchema):
    """The works passed acceptance before any money moves."""

    accepted_on = Day(_("竣工验收日期"), past=True)
    works_passed = Flag(_("验收合格"))
    acceptance_participants = Text(_("参加验收的单位和人员"))
    evidence = Attachments(_("验收证明材料"), min_items=1)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        must_be_true(self, data, ("works_passed",), findings)
        return {}


class FundPaymentForm(FormSchema):
    """Application, review, transfer (165号令 art 23), within the approved budget."""

    payment_amount = Money(_("划转金额（元）"))
    applied_on = Day(_("申请划转日期"), past=True)
    reviewed_on = Day(_("审核日期"), past=True)
    transferred_on = Day(_("划转日期"), past=True)
    evidence = Attachments(_("划转凭证"), min_items=1)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        budget = Decimal(ctx.request["budget"])
        if data["payment_amount"] > budget:
            findings.error(
                "payment_amount",
                _("划转金额超过批准的预算 {budget} 元。").format(budget=budget.quantize(CENT)),
            )
        if data["reviewed_on"] < data["applied_on"]:
            findings.error("reviewed_on", _("审核日期不能早于申请划转日期。"))
        if data["transferred_on"] < data["reviewed_on"]:
            findings.error("transferred_on", _("划转日期不能早于审核日期。"))
        return {}


MATTER = MatterType(
    code=CODE,
    item="D1",
    name=_("专项维修资金使用（一般）"),
    applicant_kinds=COMMITTEES_AND_FIRM,
    legal_basis=_(
        "《中华人民共和国民法典》第二百七十八条第一款第（五）项及第二款；"
        "《住宅专项维修资金管理办法》（建设部、财政部令第165号）第二十二条、第二十三条；"
    )
    + DISTRICT_PLAN,
    filing_form=FundNormalFiling,
    matter_steps=(
        OWNERS_VOTE_STEP,
        MatterStep(
            "works_acceptance",
            _("工程竣工验收"),
            WorksAcceptanceForm,
            time_limit=IMPLEMENTATION_STEP,
        ),
        MatterStep(
            "fund_payment",
            _("维修资金划转"),
            FundPaymentForm,
            time_limit=IMPLEMENTATION_STEP,
        ),
    ),
    vote_rules={"": ("五", "double_majority")},
    vote_counts_scope=True,
    fund_use=FundUse("budget", "fund_payment", "payment_amount", "transferred_on"),
    demo=Demo(
        applicant=("committee", "E01"),
        filing={
            "budget": "80000.00",
            "fund_balance": "120000.00",
            "work_items": "更换3号楼两部电梯",
            "cost_sharing_scope": "3号楼全体业主",
        },
        steps={
            "works_acceptance": {
                "accepted_on": days(-1),
                "works_passed": True,
                "acceptance_participants": "业主委员会、物业服务企业、施工单位、监理单位",
                "evidence": [attachment("竣工验收报告.pdf")],
            },
            "fund_payment": {
                "payment_amount": request_value("budget"),
                "applied_on": days(-1),
                "reviewed_on": days(-1),
                "transferred_on": days(0),
                "evidence": [attachment("划转凭证.pdf")],
            },
        },
    ),
)
