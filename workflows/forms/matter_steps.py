"""The steps of one matter each: committees (A, B), firms (C), funds (D), income (E), fees
(F) and parking (G).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import validate

from workflows import periods
from workflows.catalogue import STEP_NAMES
from workflows.committee_rules import (
    committee_size_valid,
    party_share_met,
    preparatory_group_valid,
)
from workflows.forms.attachments import Attachments
from workflows.forms.base import Findings, FormSchema, StepContext
from workflows.forms.fields import CENT, Choice, Count, Day, Flag, Items, Money, Record, Text
from workflows.forms.time_limits import (
    COMMITTEE_FIRST_MEETING_DAYS,
    COMMITTEE_MAX_TERM_YEARS,
    FILING_DAYS,
    INCOME_PUBLICATION_DAY,
    INCOME_PUBLICATION_DAYS,
    INCOME_PUBLICATION_MONTH,
    NOTICE_DAYS,
    last_day,
    notice_ok,
    within_days,
)
from workflows.i18n import _

_CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}\Z")


def _must_be_true(
    form: FormSchema, data: dict[str, Any], names: tuple[str, ...], f: Findings
) -> None:
    """Attestations that must be "yes" before the step can be completed."""
    for name in names:
        if data[name] is not True:
            f.error(name, _("“{label}”完成后才能提交本步骤。").format(label=form.label(name)))


def _data_date(ctx: StepContext, key: str, step: str, f: Findings) -> date | None:
    """A date an earlier step recorded; missing means that step has not been done."""
    value = ctx.data.get(key)
    if not value:
        f.error(
            "_schema", _("尚未找到“{step}”的记录，请先完成该步骤。").format(step=STEP_NAMES[step])
        )
        return None
    return date.fromisoformat(value)


def _check_committee(form: FormSchema, data: dict[str, Any], ctx: StepContext, f: Findings) -> None:
    """Committee size (5–11, odd) and the party share under the configured policy."""
    members, party = data["committee_members"], data["party_members"]
    if party > members:
        f.error("party_members", _("党员委员人数不能超过委员总数。"))
        return
    if not committee_size_valid(members):
        f.error(
            "committee_members",
            _("业主委员会应由 5 至 11 名委员组成且为单数，现为 {n} 人。").format(n=members),
        )
    if not party_share_met(members, party):
        f.policy(
            ctx.settings.party_share_policy,
            "party_members",
            _(
                "党员委员 {party} 人，低于委员总数 {members} 人的 50%（至少需 {required} 人）。"
            ).format(party=party, members=members, required=(members + 1) // 2),
        )


PUBLISHED_DOCUMENTS = {
    "owner_list": _("业主名册"),
    "draft_covenant": _("管理规约草案"),
    "draft_rules": _("业主大会议事规则草案"),
    "candidates": _("业主委员会委员候选人名单"),
}


class PreparatoryGroupForm(FormSchema):
    """A: the street forms the group; documents go out ≥ 15 days before the first meeting."""

    application_received_on = Day(_("街道收到成立业主大会申请日期"), past=True)
    formed_on = Day(_("筹备组成立日期"), past=True)
    street_leader = Text(_("筹备组组长（街道代表）"), max_length=100)
    group_size = Count(_("筹备组人数"), min_value=1)
    owner_members = Count(_("其中业主代表人数"))
    published_documents = Items(
        _("已公示的材料"),
        Choice(_("已公示的材料"), PUBLISHED_DOCUMENTS),
        min_items=1,
    )
    documents_published_on = Day(_("材料公示日期"), past=True)
    first_meeting_date = Day(_("首次业主大会会议日期"))

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        self._check_group(data, findings)
        within_days(
            self,
            data,
            "formed_on",
            data["application_received_on"],
            ctx.settings.preparatory_group_days,
            ctx,
            findings,
            _("收到申请"),
        )
        missing = [
            v for k, v in PUBLISHED_DOCUMENTS.items() if k not in data["published_documents"]
        ]
        if missing:
            findings.error(
                "published_documents",
                _("首次业主大会会议前还须公示：{missing}。").format(missing="、".join(missing)),
            )
        notice_ok(
            self,
            data["documents_published_on"],
            data["first_meeting_date"],
            "first_meeting_date",
            NOTICE_DAYS,
            findings,
        )
        return {}

    def _check_group(self, data: dict[str, Any], f: Findings) -> None:
        size, owners = data["group_size"], data["owner_members"]
        if owners > size:
            f.error("owner_members", _("业主代表人数不能超过筹备组人数。"))
        elif not preparatory_group_valid(size, owners):
            if size % 2 == 0:
                f.error("group_size", _("筹备组人数应为单数，现为 {n} 人。").format(n=size))
            else:
                f.error(
                    "owner_members",
                    _("筹备组中业主代表不得少于半数（至少 {required} 人）。").format(
                        required=(size + 1) // 2
                    ),
                )


class CommitteeFormationForm(FormSchema):
    """A: the elected committee, its first meeting (7 days) and its filing (30 days)."""

    committee_members = Count(_("业主委员会委员人数"), min_value=1)
    party_members = Count(_("其中党员人数"))
    term_years = Count(
        _("任期（年）"), min_value=1, max_value=COMMITTEE_MAX_TERM_YEARS, help_text=_("不超过5年")
    )
    committee_first_meeting_date = Day(_("业主委员会首次会议日期"), past=True)
    filing_date = Day(_("备案日期"), past=True)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        _check_committee(self, data, ctx, findings)
        elected = _data_date(ctx, "vote_meeting_date", "owners_vote", findings)
        if elected:
            since = _("业主大会选举")
            within_days(
                self,
                data,
                "committee_first_meeting_date",
                elected,
                COMMITTEE_FIRST_MEETING_DAYS,
                ctx,
                findings,
                since,
            )
            within_days(self, data, "filing_date", elected, FILING_DAYS, ctx, findings, since)
        return {}


class CandidateForm(FormSchema):
    """One candidate as vetted by the party organization."""

    name = Text(_("姓名"), max_length=50)
    unit = Text(_("房屋（楼栋单元门牌）"), max_length=100, required=False)
    is_owner = Flag(_("是本小区业主"))
    has_fee_arrears = Flag(_("欠缴物业费等费用"))
    is_party_member = Flag(_("是中共党员"))


class CandidateVettingForm(FormSchema):
    """B: 资格把关 — every candidate must be an owner without fee arrears."""

    candidates = Items(_("候选人"), Record(_("候选人"), nested=CandidateForm), min_items=1)
    vetting_opinion = Text(_("资格审查意见"))

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        for index, candidate in enumerate(data["candidates"]):
            if not candidate["is_owner"]:
                findings.error(
                    f"candidates.{index}.is_owner",
                    _("候选人{name}不是本小区业主，不能作为候选人。").format(
                        name=candidate["name"]
                    ),
                )
            if candidate["has_fee_arrears"]:
                findings.error(
                    f"candidates.{index}.has_fee_arrears",
                    _("候选人{name}欠缴费用，不能作为候选人。").format(name=candidate["name"]),
                )
        return {}


class HandoverAndFilingForm(FormSchema):
    """B: the new committee, handover of archives and seals, and the 30-day filing."""

    committee_members = Count(_("新一届业主委员会委员人数"), min_value=1)
    party_members = Count(_("其中党员人数"))
    archives_handed_over = Flag(_("档案资料已移交"))
    seals_handed_over = Flag(_("印章已移交"))
    handover_date = Day(_("移交日期"), past=True)
    filing_date = Day(_("备案日期"), past=True)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        _check_committee(self, data, ctx, findings)
        _must_be_true(self, data, ("archives_handed_over", "seals_handed_over"), findings)
        elected = _data_date(ctx, "vote_meeting_date", "owners_vote", findings)
        if elected:
            since = _("选举产生")
            within_days(
                self,
                data,
                "handover_date",
                elected,
                ctx.settings.committee_handover_days,
                ctx,
                findings,
                since,
            )
            within_days(self, data, "filing_date", elected, FILING_DAYS, ctx, findings, since)
        return {}


FIRM_STANDINGS = {"red": _("红榜"), "none": _("未上榜"), "black": _("黑榜")}


class FirmSelectionForm(FormSchema):
    """C1: the chosen firm and its standing on the red/black list."""

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
    """C1: contract signed by the committee after the vote; handover inspection done."""

    contract_signed_on = Day(_("合同签订日期"), past=True)
    signed_by_committee = Flag(_("合同由业主委员会代表业主签订"))
    service_start_date = Day(_("服务开始日期"))
    handover_inspection_done = Flag(_("承接查验已完成"))
    handover_inspection_date = Day(_("承接查验日期"), past=True)
    inspection_records = Attachments(_("承接查验记录"))

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        _must_be_true(self, data, ("signed_by_committee", "handover_inspection_done"), findings)
        voted = _data_date(ctx, "vote_meeting_date", "owners_vote", findings)
        if voted and data["contract_signed_on"] < voted:
            findings.error(
                "contract_signed_on",
                _("合同应在业主共同决定（{day}）之后签订。").format(day=voted.isoformat()),
            )
        return {}


class HandoverChecklistForm(FormSchema):
    """C2: rooms, facilities, records handed back in time, with no gap in service."""

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
        _must_be_true(
            self,
            data,
            ("rooms_handed_over", "facilities_handed_over", "records_handed_over"),
            findings,
        )
        end = date.fromisoformat(ctx.request["service_end_date"])
        days = ctx.settings.firm_exit_handover_days
        last = last_day(end, days, ctx, findings, "handover_date")
        if data["handover_date"] > last:
            findings.error(
                "handover_date",
                _("应在合同终止（{end}）后 {days} 日内完成交接，即不晚于 {last}。").format(
                    end=end.isoformat(), days=days, last=last.isoformat()
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


class WorksAcceptanceForm(FormSchema):
    """D1: the works passed acceptance before any money moves."""

    accepted_on = Day(_("竣工验收日期"), past=True)
    works_passed = Flag(_("验收合格"))
    acceptance_participants = Text(_("参加验收的单位和人员"))
    evidence = Attachments(_("验收证明材料"), min_items=1)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        _must_be_true(self, data, ("works_passed",), findings)
        return {}


class FundPaymentForm(FormSchema):
    """D1: application, review, transfer (165号令 art 23), within the approved budget."""

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


class EmergencyAcknowledgementForm(FormSchema):
    """D2: the secretary confirms knowing of the emergency (the reply comes after)."""

    acknowledgement_note = Text(_("知悉情况及指导意见"))
    site_inspected = Flag(_("已到现场查看"), required=False, load_default=False)


class CostReportForm(FormSchema):
    """D2: the mandatory after-the-fact cost report."""

    actual_cost = Money(_("实际费用（元）"))
    cost_breakdown = Text(_("费用明细"))
    completed_on = Day(_("维修完成日期"), past=True)
    evidence = Attachments(_("费用凭证"), min_items=1)


class IncomePublicationForm(FormSchema):
    """E: yearly publication of income and use, by end of March, at least 30 days."""

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


class CostPublicationForm(FormSchema):
    """F: the cost justification published to owners before they vote."""

    cost_justification = Text(_("成本测算说明"))
    published_on = Day(_("公示日期"), past=True)
    published_where = Text(_("公示地点或方式"), max_length=200)
    attachments = Attachments(_("测算材料"))


class ContractTermsForm(FormSchema):
    """F: the new fee written into the contract is the one the owners approved."""

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


class AllocationPlanPublicationForm(FormSchema):
    """G: the owners-first plan published before the vote."""

    allocation_plan = Text(_("分配方案"))
    owners_first = Flag(_("方案首先满足业主需要"))
    published_on = Day(_("公示日期"), past=True)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        _must_be_true(self, data, ("owners_first",), findings)
        return {}


class AllocationResultForm(FormSchema):
    """G: no space leased to non-owners while owners still wait (民法典 276)."""

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
