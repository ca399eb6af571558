"""C1. 物业服务企业进驻: a firm is chosen after approval, the owners vote, the contract follows.

The chosen firm's standing on the red/black list is checked ([config] block or warn);
the owners decide (民法典 278 四) and the committee signs the contract.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import validate

from workflows.applicants import COMMITTEES_AND_FIRM, FIRM_STANDINGS
from workflows.demo_values import attachment, days
from workflows.formkit.attachments import Attachments
from workflows.formkit.base import Findings, FormSchema, StepContext
from workflows.formkit.checks import must_be_true, owners_vote_day
from workflows.formkit.fields import Choice, Day, Flag, Text
from workflows.formkit.request import FilingForm, applicant_choice
from workflows.i18n import _
from workflows.lifecycle import IMPLEMENTATION_STEP
from workflows.matters import DISTRICT_PLAN, OWNERS_VOTE_STEP, Demo, MatterStep, MatterType

CODE = "firm_entry"
SELECTION_METHODS = {"tender": _("招标"), "agreement": _("协议选聘")}
_CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}\Z")


class FirmEntryFiling(FilingForm):
    """物业服务企业进驻: the firm itself is chosen after approval (firm_selection)."""

    MATTER = CODE
    applicant_kind = applicant_choice(COMMITTEES_AND_FIRM)
    selection_method = Choice(_("选聘方式"), SELECTION_METHODS)


class FirmSelectionForm(FormSchema):
    """The chosen firm and its standing on the red/black list."""

    firm_name = Text(_("拟选聘的物业服务企业名称"), max_length=200)
    firm_credit_code = Text(
        _("统一社会信用代码"),
        max_length=18,
        validate=validate.Regexp(
            _CREDIT_CODE, error=_("统一社会信用代码应为 18 位数字或大写字母，请核对。")
        ),
    )
    firm_standing = Choice(_("企业信用红黑榜情况"), FIRM_STANDINGS)
    selected_on = Day(_("选定日期"), past=True)
    selection_record = Text(_("选聘过程说明"), help_text=_("招标或协议选聘的经过和结果"))

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        if data["firm_standing"] == "black":
            findings.policy(
                ctx.settings.blacklist_policy,
                "firm_standing",
                _("该企业列入物业服务企业黑榜，不宜选聘进驻。"),
            )
        return {}


class ContractAndHandoverForm(FormSchema):
    """Contract signed by the committee after the vote; handover inspection done."""

    contract_signed_on = Day(_("合同签订日期"), past=True)
    signed_by_committee = Flag(_("合同由业主委员会代表业主签订"))
    service_start_date = Day(_("服务开始日期"))
    handover_inspection_done = Flag(_("承接查验已完成"))
    handover_inspection_date = Day(_("承接查验日期"), past=True)
    inspection_records = Attachments(_("承接查验记录"))

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        must_be_true(self, data, ("signed_by_committee", "handover_inspection_done"), findings)
        voted = owners_vote_day(ctx, findings)
        if voted and data["contract_signed_on"] < voted:
            findings.error(
                "contract_signed_on",
                _("合同应在业主共同决定（{day}）之后签订。").format(day=voted.isoformat()),
            )
        return {}


MATTER = MatterType(
    code=CODE,
    item="C1",
    name=_("物业服务企业进驻"),
    applicant_kinds=COMMITTEES_AND_FIRM,
    exclusive_by=(),
    legal_basis=_(
        "《中华人民共和国民法典》第二百七十八条第一款第（四）项及第二款；《物业管理条例》第十四条；"
    )
    + DISTRICT_PLAN
    + _("（物业服务企业红黑榜）"),
    filing_form=FirmEntryFiling,
    matter_steps=(
        MatterStep(
            "firm_selection",
            _("选聘物业服务企业"),
            FirmSelectionForm,
            time_limit=IMPLEMENTATION_STEP,
        ),
        OWNERS_VOTE_STEP,
        MatterStep(
            "contract_and_handover",
            _("签订物业服务合同并承接查验"),
            ContractAndHandoverForm,
            time_limit=IMPLEMENTATION_STEP,
        ),
    ),
    vote_rules={"": ("四", "double_majority")},
    demo=Demo(
        applicant=("committee", "E01"),
        filing={"selection_method": "tender"},
        steps={
            "firm_selection": {
                "firm_name": "红旗物业服务有限公司",
                "firm_credit_code": "91110105MA01ABCD1X",
                "firm_standing": "red",
                "selected_on": days(-1),
                "selection_record": "公开招标，三家企业投标，红旗物业中标。",
            },
            "contract_and_handover": {
                "contract_signed_on": days(0),
                "signed_by_committee": True,
                "service_start_date": days(30),
                "handover_inspection_done": True,
                "handover_inspection_date": days(0),
                "inspection_records": [attachment("承接查验记录.pdf")],
            },
        },
    ),
)
