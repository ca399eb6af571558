"""F. 调整物业服务收费标准: the cost justification is published, the owners vote (278 九),
the contract takes the approved fee.

A government-guided fee must stay within the base price ± the allowed range (发改价格
〔2003〕1864号).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from workflows.applicants import COMMITTEES_AND_FIRM
from workflows.demo_values import days, request_value
from workflows.formkit.attachments import Attachments
from workflows.formkit.base import Findings, FormSchema, StepContext
from workflows.formkit.fields import CENT, Choice, Day, Money, Text
from workflows.formkit.request import FilingForm, applicant_choice
from workflows.i18n import _
from workflows.lifecycle import IMPLEMENTATION_STEP
from workflows.matters import DISTRICT_PLAN, OWNERS_VOTE_STEP, Demo, MatterStep, MatterType

CODE = "fee_adjustment"
PRICE_REGIMES = {"market": _("市场调节价"), "government_guided": _("政府指导价")}


class FeeAdjustmentFiling(FilingForm):
    """收费标准调整: a government-guided fee must stay within base ± range (1864号)."""

    MATTER = CODE
    applicant_kind = applicant_choice(COMMITTEES_AND_FIRM)
    price_regime = Choice(_("价格管理形式"), PRICE_REGIMES)
    current_fee = Money(_("现行收费标准（元/平方米·月）"))
    proposed_fee = Money(_("拟调整收费标准（元/平方米·月）"))
    base_price = Money(
        _("政府指导价基准价（元/平方米·月）"), required=False, help_text=_("政府指导价时必填")
    )
    float_range = Money(
        _("政府指导价浮动幅度（元/平方米·月）"),
        required=False,
        help_text=_("允许上下浮动的金额，政府指导价时必填"),
    )

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        if data["price_regime"] != "government_guided":
            return
        names = ("base_price", "float_range")
        if not self.require(data, names, _("实行政府指导价"), findings):
            return
        low = max(Decimal(0), data["base_price"] - data["float_range"])
        high = data["base_price"] + data["float_range"]
        if not low <= data["proposed_fee"] <= high:
            findings.error(
                "proposed_fee",
                _("实行政府指导价时，收费标准应在 {low} 至 {high} 元/平方米·月之间。").format(
                    low=low.quantize(CENT), high=high.quantize(CENT)
                ),
            )


class CostPublicationForm(FormSchema):
    """The cost justification published to owners before they vote."""

    cost_justification = Text(_("成本测算说明"))
    published_on = Day(_("公示日期"), past=True)
    published_where = Text(_("公示地点或方式"), max_length=200)
    attachments = Attachments(_("测算材料"))


class ContractTermsForm(FormSchema):
    """The new fee written into the contract is the one the owners approved."""

    new_fee = Money(_("合同约定的新收费标准（元/平方米·月）"))
    effective_date = Day(_("新标准执行日期"))
    amended_on = Day(_("补充协议签订日期"), past=True)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        approved = Decimal(ctx.request["proposed_fee"])
        if data["new_fee"] != approved:
            findings.error(
                "new_fee",
                _("合同收费标准应与业主共同决定的标准 {fee} 元/平方米·月一致。").format(
                    fee=approved.quantize(CENT)
                ),
            )
        return {}


MATTER = MatterType(
    code=CODE,
    item="F",
    name=_("调整物业服务收费标准"),
    applicant_kinds=COMMITTEES_AND_FIRM,
    legal_basis=_(
        "《中华人民共和国民法典》第二百七十八条第一款第（九）项及第二款；"
        "《物业服务收费管理办法》（发改价格〔2003〕1864号）；"
    )
    + DISTRICT_PLAN,
    filing_form=FeeAdjustmentFiling,
    matter_steps=(
        MatterStep(
            "cost_publication",
            _("成本测算公示"),
            CostPublicationForm,
            time_limit=IMPLEMENTATION_STEP,
        ),
        OWNERS_VOTE_STEP,
        MatterStep(
            "contract_terms",
            _("变更合同收费条款"),
            ContractTermsForm,
            time_limit=IMPLEMENTATION_STEP,
        ),
    ),
    vote_rules={"": ("九", "double_majority")},
    demo=Demo(
        applicant=("firm", "E01"),
        filing={
            "price_regime": "government_guided",
            "current_fee": "1.80",
            "proposed_fee": "2.20",
            "base_price": "2.00",
            "float_range": "0.50",
        },
        steps={
            "cost_publication": {
                "cost_justification": "人工、能耗和维修成本上涨，测算后单价为2.20元。",
                "published_on": days(0),
                "published_where": "小区公告栏及业主微信群",
            },
            "contract_terms": {
                "new_fee": request_value("proposed_fee"),
                "effective_date": days(30),
                "amended_on": days(0),
            },
        },
    ),
)
