"""D3. 维修资金续筹: the owners decide to raise or replenish the maintenance fund (民法典
278 六, three quarters), then the money raised is collected into the special account.

165号令 art 17: a fund whose book balance has fallen below 30% of the first deposit must
be replenished, and where an owners' assembly exists its plan decides how; the policy
seeds ask to 完善维修资金续筹机制. The vote counts the whole estate, whose owners all pay.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from workflows.applicants import COMMITTEES_AND_FIRM
from workflows.demo_values import attachment, days
from workflows.formkit.attachments import Attachments
from workflows.formkit.base import Findings, FormSchema, StepContext
from workflows.formkit.fields import CENT, Count, Day, Money, Text
from workflows.formkit.request import FilingForm, applicant_choice
from workflows.i18n import _
from workflows.lifecycle import IMPLEMENTATION_STEP
from workflows.matters import DISTRICT_PLAN, OWNERS_VOTE_STEP, Demo, MatterStep, MatterType
from workflows.owners_vote import format_area

CODE = "fund_replenishment"
# 165号令 art 17: replenish once the book balance is below 30% of the first deposit.
REPLENISH_BELOW = Decimal("0.30")


def owed(standard: Decimal, area: int) -> Decimal:
    """What the owners of ``area`` (hundredths of m²) pay at ``standard`` yuan per m², to
    the fen: exact until the one rounding, half a fen up, that the README states."""
    return (standard * area / 100).quantize(CENT, rounding=ROUND_HALF_UP)


class FundReplenishmentFiling(FilingForm):
    """维修资金续筹: the plan states a standard per m², which every owner of the estate pays
    on its own area, so the total is the standard over the area the request names."""

    MATTER = CODE
    applicant_kind = applicant_choice(COMMITTEES_AND_FIRM)
    first_deposit_total = Money(
        _("首期交存总额（元）"), help_text=_("尚未建立维修资金的小区填 0.00")
    )
    fund_balance = Money(_("维修资金账面余额（元）"))
    standard_per_sqm = Money(
        _("续筹标准（元/平方米）"),
        help_text=_("按专有部分面积交存；续筹总额为续筹标准乘以涉及专有部分面积"),
    )

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        if data["standard_per_sqm"] == 0:
            findings.error("standard_per_sqm", _("续筹标准必须大于零。"))
        first = data["first_deposit_total"]
        if first > 0 and data["fund_balance"] >= first * REPLENISH_BELOW:
            findings.warn(
                "fund_balance",
                _(
                    "账面余额 {balance} 元未低于首期交存总额 {first} 元的30%，"
                    "请在实施方案中说明提前续筹的理由（《住宅专项维修资金管理办法》第十七条）。"
                ).format(balance=data["fund_balance"], first=first.quantize(CENT)),
            )


class FundCollectionForm(FormSchema):
    """续筹资金归集: what the owners paid into the special account, at most the standard
    over the area (an owner may still owe; what is collected is what the account shows)."""

    collected_amount = Money(_("归集金额（元）"))
    owners_paid = Count(_("已交存业主人数"), min_value=1)
    collected_on = Day(_("归集入账日期"), past=True)
    account = Text(_("存入的专项维修资金账户"), max_length=200)
    evidence = Attachments(_("入账凭证"), min_items=1)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        standard = Decimal(ctx.request["standard_per_sqm"])
        planned = owed(standard, ctx.request["affected_area"])
        if data["collected_amount"] > planned:
            findings.error(
                "collected_amount",
                _(
                    "归集金额超过业主决定的续筹总额：续筹标准 {standard} 元/平方米 × "
                    "专有部分面积 {area} 平方米 = {planned} 元。"
                ).format(
                    standard=standard.quantize(CENT),
                    area=format_area(ctx.request["affected_area"]),
                    planned=planned,
                ),
            )
        if data["collected_amount"] == 0:
            findings.error("collected_amount", _("归集金额必须大于零。"))
        if data["owners_paid"] > ctx.request["affected_owners"]:
            findings.error(
                "owners_paid",
                _("已交存业主人数超过涉及业主人数 {owners} 人。").format(
                    owners=ctx.request["affected_owners"]
                ),
            )
        return {}


MATTER = MatterType(
    code=CODE,
    item="D3",
    name=_("维修资金续筹"),
    applicant_kinds=COMMITTEES_AND_FIRM,
    legal_basis=_(
        "《中华人民共和国民法典》第二百七十八条第一款第（六）项及第二款；"
        "《住宅专项维修资金管理办法》（建设部、财政部令第165号）第十七条；"
    )
    + DISTRICT_PLAN,
    filing_form=FundReplenishmentFiling,
    matter_steps=(
        OWNERS_VOTE_STEP,
        MatterStep(
            "fund_collection",
            _("续筹资金归集入账"),
            FundCollectionForm,
            time_limit=IMPLEMENTATION_STEP,
        ),
    ),
    vote_rules={"": ("六", "three_quarters")},
    demo=Demo(
        applicant=("committee", "E01"),
        filing={
            "first_deposit_total": "2400000.00",
            "fund_balance": "600000.00",
            "standard_per_sqm": "30.00",
        },
        steps={
            "fund_collection": {
                "collected_amount": "360000.00",
                "owners_paid": 120,
                "collected_on": days(0),
                "account": "和平小区住宅专项维修资金专户",
                "evidence": [attachment("续筹资金入账凭证.pdf")],
            },
        },
    ),
)
