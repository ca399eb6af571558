"""E. 共用设施设备经营收益使用: spending the income (278 九) or a new business use (278 八).

A new use of the common parts needs three quarters of the participating owners; either
way the year's income and its use are published by 31 March, for at least 30 days.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from workflows import periods
from workflows.applicants import COMMITTEES_AND_FIRM
from workflows.demo_values import days, year
from workflows.formkit.base import Findings, FormSchema, StepContext
from workflows.formkit.fields import Count, Day, Money, Text
from workflows.formkit.request import FilingForm, applicant_choice, sub_type_choice
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

CODE = "common_income"
SUB_TYPES = {
    "spending": _("收益支出"),
    "new_business_use": _("利用共有部分从事经营活动"),
}
INCOME_PUBLICATION_DAYS = 30
INCOME_PUBLICATION_MONTH, INCOME_PUBLICATION_DAY = 3, 31


class CommonIncomeFiling(FilingForm):
    """共用设施设备经营收益: spending (278 九) or a new business use (278 八)."""

    MATTER = CODE
    applicant_kind = applicant_choice(COMMITTEES_AND_FIRM)
    sub_type = sub_type_choice(SUB_TYPES)
    budget = Money(_("拟支出金额（元）"), required=False, help_text=_("收益支出时必填"))
    income_balance = Money(_("经营收益结余（元）"), required=False, help_text=_("收益支出时必填"))
    common_parts = Text(
        _("拟利用的共有部分"), max_length=200, required=False, help_text=_("从事经营时必填")
    )
    business_use = Text(_("经营内容"), required=False, help_text=_("从事经营时必填"))

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        if data["sub_type"] == "new_business_use":
            self.require(
                data, ("common_parts", "business_use"), _("利用共有部分从事经营"), findings
            )
            return
        if self.require(data, ("budget", "income_balance"), _("收益支出"), findings) and (
            data["budget"] > data["income_balance"]
        ):
            findings.error(
                "budget",
                _("拟支出 {budget} 元超过经营收益结余 {balance} 元。").format(
                    budget=data["budget"], balance=data["income_balance"]
                ),
            )


class IncomePublicationForm(FormSchema):
    """Yearly publication of income and use, by end of March, at least 30 days."""

    income_year = Count(_("公示的收益年度"), min_value=2000, max_value=2100)
    income_amount = Money(_("年度经营收益（元）"))
    spent_amount = Money(_("年度支出（元）"))
    published_on = Day(_("公示开始日期"), past=True)
    publication_end = Day(_("公示结束日期"))
    published_where = Text(_("公示地点或方式"), max_length=200)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        deadline = date(data["income_year"] + 1, INCOME_PUBLICATION_MONTH, INCOME_PUBLICATION_DAY)
        if data["published_on"] > deadline:
            findings.error(
                "published_on",
                _("{year} 年度的收益及使用情况应在 {deadline} 前公示。").format(
                    year=data["income_year"], deadline=deadline.isoformat()
                ),
            )
        if periods.days_between(data["published_on"], data["publication_end"]) < (
            INCOME_PUBLICATION_DAYS
        ):
            findings.error(
                "publication_end",
                _("公示期不得少于 {days} 日。").format(days=INCOME_PUBLICATION_DAYS),
            )
        return {}


# The year whose income is due to be published: last year's until 31 March, then this one's.
_PUBLISHED_BY = (INCOME_PUBLICATION_MONTH, INCOME_PUBLICATION_DAY)

MATTER = MatterType(
    code=CODE,
    item="E",
    name=_("共用设施设备经营收益使用"),
    sub_types=SUB_TYPES,
    applicant_kinds=COMMITTEES_AND_FIRM,
    legal_basis=_(
        "《中华人民共和国民法典》第二百七十八条第一款第（八）项、第（九）项及第二款、"
        "第二百八十二条；"
    )
    + DISTRICT_PLAN,
    filing_form=CommonIncomeFiling,
    matter_steps=(
        OWNERS_VOTE_STEP,
        MatterStep(
            "income_publication",
            _("收益及使用情况公示"),
            IncomePublicationForm,
            time_limit=IMPLEMENTATION_STEP,
        ),
    ),
    vote_rules={
        "spending": ("九", "double_majority"),
        "new_business_use": ("八", "three_quarters"),
    },
    demo=Demo(
        applicant=("committee", "E01"),
        filing={},
        variants=(
            Variant("spending", filing={"budget": "20000.00", "income_balance": "56000.00"}),
            Variant(
                "new_business_use",
                filing={
                    "common_parts": "小区东门广场",
                    "business_use": "设置智能快递柜，收益归全体业主",
                },
            ),
        ),
        steps={
            "income_publication": {
                "income_year": year(-1, until=_PUBLISHED_BY),
                "income_amount": "56000.00",
                "spent_amount": "20000.00",
                "published_on": days(0),
                "publication_end": days(INCOME_PUBLICATION_DAYS),
                "published_where": "小区公告栏",
            },
        },
    ),
)
