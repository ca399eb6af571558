"""G. 机动车停车位分配: owners first (民法典 275–276); new spaces on common land are 278 八.

The plan is published before the vote; no space may be leased to non-owners while
owners still wait.
"""

from __future__ import annotations

from typing import Any

from workflows.applicants import COMMITTEES_AND_FIRM
from workflows.demo_values import days
from workflows.formkit.base import Findings, FormSchema, StepContext
from workflows.formkit.checks import must_be_true
from workflows.formkit.fields import Count, Day, Flag, Text
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

CODE = "parking_allocation"
SUB_TYPES = {
    "allocation": _("车位分配"),
    "new_spaces_common_land": _("占用共有道路或场地新增车位"),
}


class ParkingAllocationFiling(FilingForm):
    """车位分配: owners first (民法典 275–276); new spaces on common land are 278 八."""

    MATTER = CODE
    applicant_kind = applicant_choice(COMMITTEES_AND_FIRM)
    sub_type = sub_type_choice(SUB_TYPES)
    spaces_planned = Count(_("规划车位数"))
    spaces_common_land = Count(_("占用共有道路或场地的车位数"))
    spaces_civil_defence = Count(_("人防车位数"))
    new_spaces = Count(
        _("拟新增车位数"), min_value=1, required=False, help_text=_("新增车位时必填")
    )
    owners_waiting = Count(_("排队等候车位的业主户数"))
    non_owner_leases = Count(_("拟出租给业主以外人员的车位数"))

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        if data["sub_type"] == "new_spaces_common_land":
            self.require(data, ("new_spaces",), _("占用共有道路或场地新增车位"), findings)
        if data["owners_waiting"] and data["non_owner_leases"]:
            findings.error(
                "non_owner_leases",
                _(
                    "仍有 {n} 户业主排队等候车位，车位应首先满足业主需要，"
                    "不得出租给业主以外的人员。"
                ).format(n=data["owners_waiting"]),
            )


class AllocationPlanPublicationForm(FormSchema):
    """The owners-first plan published before the vote."""

    allocation_plan = Text(_("分配方案"))
    owners_first = Flag(_("方案首先满足业主需要"))
    published_on = Day(_("公示日期"), past=True)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        must_be_true(self, data, ("owners_first",), findings)
        return {}


class AllocationResultForm(FormSchema):
    """No space leased to non-owners while owners still wait (民法典 276)."""

    allocated_to_owners = Count(_("分配给业主的车位数"))
    leased_to_non_owners = Count(_("出租给业主以外人员的车位数"))
    owners_still_waiting = Count(_("仍在排队的业主户数"))
    result_published_on = Day(_("结果公示日期"), past=True)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        if data["leased_to_non_owners"] and data["owners_still_waiting"]:
            findings.error(
                "leased_to_non_owners",
                _("仍有业主排队等候车位，不得将车位出租给业主以外的人员。"),
            )
        return {}


MATTER = MatterType(
    code=CODE,
    item="G",
    name=_("机动车停车位分配"),
    sub_types=SUB_TYPES,
    applicant_kinds=COMMITTEES_AND_FIRM,
    legal_basis=_(
        "《中华人民共和国民法典》第二百七十五条、第二百七十六条、"
        "第二百七十八条第一款第（八）项、第（九）项及第二款；"
    )
    + DISTRICT_PLAN,
    filing_form=ParkingAllocationFiling,
    matter_steps=(
        MatterStep(
            "allocation_plan_publication",
            _("分配方案公示"),
            AllocationPlanPublicationForm,
            time_limit=IMPLEMENTATION_STEP,
        ),
        OWNERS_VOTE_STEP,
        MatterStep(
            "allocation_result",
            _("分配结果"),
            AllocationResultForm,
            time_limit=IMPLEMENTATION_STEP,
        ),
    ),
    vote_rules={
        "allocation": ("九", "double_majority"),
        "new_spaces_common_land": ("八", "three_quarters"),
    },
    demo=Demo(
        applicant=("committee", "E01"),
        filing={
            "spaces_planned": 120,
            "spaces_common_land": 30,
            "spaces_civil_defence": 40,
            "owners_waiting": 15,
            "non_owner_leases": 0,
        },
        variants=(
            Variant("allocation"),
            Variant("new_spaces_common_land", filing={"new_spaces": 20}),
        ),
        steps={
            "allocation_plan_publication": {
                "allocation_plan": "按业主登记顺序摇号分配，每户限一个车位。",
                "owners_first": True,
                "published_on": days(0),
            },
            "allocation_result": {
                "allocated_to_owners": 15,
                "leased_to_non_owners": 0,
                "owners_still_waiting": 0,
                "result_published_on": days(0),
            },
        },
    ),
)
