"""The catalogue of major matters (重要事项) that need the party organization's prior consent.

One entry per matter type of the district plan, with what the service needs to file,
route and explain a case: its process model, sub-types, who may file, the legal basis
shown to users and the matter's own steps. The vote rule itself lives in the DMN table
``bpmn/vote_rule.dmn`` so administrators can read it; ``has_owners_vote`` only says
whether the model contains an owners' vote at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.i18n import _

OWNERS_COMMITTEE = "owners_committee"
MANAGEMENT_COMMITTEE = "management_committee"
PREPARATORY_GROUP = "preparatory_group"
PROPERTY_FIRM = "property_firm"

APPLICANT_KINDS: dict[str, str] = {
    OWNERS_COMMITTEE: _("业主委员会"),
    MANAGEMENT_COMMITTEE: _("物业管理委员会"),
    PREPARATORY_GROUP: _("业主大会筹备组"),
    PROPERTY_FIRM: _("物业服务企业"),
}

_COMMITTEES = (OWNERS_COMMITTEE, MANAGEMENT_COMMITTEE)
_COMMITTEES_AND_FIRM = (OWNERS_COMMITTEE, MANAGEMENT_COMMITTEE, PROPERTY_FIRM)

EMERGENCY_CATEGORY_LABELS: dict[str, str] = {
    "roof_leak": _("屋面防水损坏造成渗漏"),
    "lift_failure": _("电梯故障危及人身安全"),
    "water_pump_failure": _("高层住宅水泵损坏导致供水中断"),
    "facade_risk": _("楼体单侧外立面五分之一以上有脱落危险"),
    "drainage_collapse": _("专用排水设施因坍塌、堵塞、爆裂等造成功能障碍"),
    "fire_system_failure": _("消防系统出现功能障碍"),
}

STEP_NAMES: dict[str, str] = {
    "acceptance_check": _("受理审查"),
    "supplement": _("补正材料"),
    "collective_study": _("集体研究"),
    "written_reply": _("书面批复"),
    "implementation_report": _("实施情况报告"),
    "oversight_review": _("监督检查"),
    "rectification": _("整改"),
    "owners_vote": _("业主表决"),
    "preparatory_group": _("成立筹备组并公示"),
    "committee_formation": _("业主委员会首次会议及备案"),
    "candidate_vetting": _("候选人资格把关"),
    "handover_and_filing": _("移交资料印章并备案"),
    "firm_selection": _("选聘物业服务企业"),
    "contract_and_handover": _("签订物业服务合同并承接查验"),
    "handover_checklist": _("退出交接"),
    "works_acceptance": _("工程竣工验收"),
    "fund_payment": _("维修资金划转"),
    "emergency_acknowledgement": _("应急情况知悉确认"),
    "cost_report": _("费用决算报告"),
    "income_publication": _("收益及使用情况公示"),
    "cost_publication": _("成本测算公示"),
    "contract_terms": _("变更合同收费条款"),
    "allocation_plan_publication": _("分配方案公示"),
    "allocation_result": _("分配结果"),
    "supervise_acceptance_check": _("街道督办：受理审查超期"),
    "supervise_collective_study": _("街道督办：集体研究超期"),
    "supervise_written_reply": _("街道督办：书面批复超期"),
    "supervise_oversight_review": _("街道督办：监督检查超期"),
    "supervise_rectification": _("街道督办：整改超期"),
    "supervise_emergency_acknowledgement": _("街道督办：应急情况知悉确认超期"),
}

_PLAN = _("区“红色物业”实施方案（重要事项事前决策机制）")


@dataclass(frozen=True)
class MatterType:
    """One kind of major matter: how it is filed, which model runs it and on what basis."""

    code: str
    name: str
    process_id: str
    model_file: str
    sub_types: dict[str, str]
    applicant_kinds: tuple[str, ...]
    legal_basis: str
    has_owners_vote: bool
    requires_members_assembly: bool
    steps: tuple[str, ...]


def _matter(
    code: str,
    name: str,
    *,
    applicant_kinds: tuple[str, ...],
    legal_basis: str,
    steps: tuple[str, ...],
    sub_types: dict[str, str] | None = None,
    requires_members_assembly: bool = False,
) -> MatterType:
    """Build an entry whose process id and file follow the contract's naming scheme."""
    return MatterType(
        code=code,
        name=name,
        process_id=f"matter_{code}",
        model_file=f"bpmn/matter_{code}.bpmn",
        sub_types=sub_types or {},
        applicant_kinds=applicant_kinds,
        legal_basis=legal_basis,
        has_owners_vote="owners_vote" in steps,
        requires_members_assembly=requires_members_assembly,
        steps=steps,
    )


_ENTRIES = (
    _matter(
        "assembly_formation",
        _("业主大会成立"),
        applicant_kinds=(PREPARATORY_GROUP, MANAGEMENT_COMMITTEE),
        legal_basis=_(
            "《中华人民共和国民法典》第二百七十八条第一款第（三）项及第二款；"
            "《物业管理条例》第十条、第十四条、第十六条；"
            "《业主大会和业主委员会指导规则》第十条、第三十一条；"
        )
        + _PLAN,
        steps=("preparatory_group", "owners_vote", "committee_formation"),
        requires_members_assembly=True,
    ),
    _matter(
        "committee_election",
        _("业主委员会选举·换届·改选·补选"),
        sub_types={
            "change_of_term": _("换届"),
            "re_election": _("改选"),
            "by_election": _("补选"),
        },
        applicant_kinds=_COMMITTEES,
        legal_basis=_(
            "《中华人民共和国民法典》第二百七十八条第一款第（三）项及第二款；"
            "《物业管理条例》第十四条、第十六条；"
        )
        + _PLAN,
        steps=("candidate_vetting", "owners_vote", "handover_and_filing"),
        requires_members_assembly=True,
    ),
    _matter(
        "firm_entry",
        _("物业服务企业进驻"),
        applicant_kinds=_COMMITTEES_AND_FIRM,
        legal_basis=_(
            "《中华人民共和国民法典》第二百七十八条第一款第（四）项及第二款；"
            "《物业管理条例》第十四条；"
        )
        + _PLAN
        + _("（物业服务企业红黑榜）"),
        steps=("firm_selection", "owners_vote", "contract_and_handover"),
    ),
    _matter(
        "firm_exit",
        _("物业服务企业退出"),
        applicant_kinds=_COMMITTEES_AND_FIRM,
        legal_basis=_(
            "《中华人民共和国民法典》第二百七十八条第一款第（四）项、第九百四十六条至第九百五十条；"
        )
        + _PLAN,
        steps=("owners_vote", "handover_checklist"),
    ),
    _matter(
        "fund_normal",
        _("专项维修资金使用（一般）"),
        applicant_kinds=_COMMITTEES_AND_FIRM,
        legal_basis=_(
            "《中华人民共和国民法典》第二百七十八条第一款第（五）项及第二款；"
            "《住宅专项维修资金管理办法》（建设部、财政部令第165号）第二十二条、第二十三条；"
        )
        + _PLAN,
        steps=("owners_vote", "works_acceptance", "fund_payment"),
    ),
    _matter(
        "fund_emergency",
        _("专项维修资金应急使用（应急解危）"),
        applicant_kinds=_COMMITTEES_AND_FIRM,
        legal_basis=_("《住宅专项维修资金管理办法》（建设部、财政部令第165号）第二十四条；")
        + _PLAN,
        steps=("emergency_acknowledgement", "cost_report"),
    ),
    _matter(
        "common_income",
        _("共用设施设备经营收益使用"),
        sub_types={
            "spending": _("收益支出"),
            "new_business_use": _("利用共有部分从事经营活动"),
        },
        applicant_kinds=_COMMITTEES_AND_FIRM,
        legal_basis=_(
            "《中华人民共和国民法典》第二百七十八条第一款第（八）项、第（九）项及第二款、"
            "第二百八十二条；"
        )
        + _PLAN,
        steps=("owners_vote", "income_publication"),
    ),
    _matter(
        "fee_adjustment",
        _("调整物业服务收费标准"),
        applicant_kinds=_COMMITTEES_AND_FIRM,
        legal_basis=_(
            "《中华人民共和国民法典》第二百七十八条第一款第（九）项及第二款；"
            "《物业服务收费管理办法》（发改价格〔2003〕1864号）；"
        )
        + _PLAN,
        steps=("cost_publication", "owners_vote", "contract_terms"),
    ),
    _matter(
        "parking_allocation",
        _("机动车停车位分配"),
        sub_types={
            "allocation": _("车位分配"),
            "new_spaces_common_land": _("占用共有道路或场地新增车位"),
        },
        applicant_kinds=_COMMITTEES_AND_FIRM,
        legal_basis=_(
            "《中华人民共和国民法典》第二百七十五条、第二百七十六条、"
            "第二百七十八条第一款第（八）项、第（九）项及第二款；"
        )
        + _PLAN,
        steps=("allocation_plan_publication", "owners_vote", "allocation_result"),
    ),
)

MATTERS: dict[str, MatterType] = {entry.code: entry for entry in _ENTRIES}


def matter(code: str) -> MatterType:
    """Look up a matter type; an unknown code is a caller error, so it raises KeyError."""
    return MATTERS[code]
