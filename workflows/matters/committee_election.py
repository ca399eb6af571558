"""B. 业主委员会选举·换届·改选·补选: the party organization vets candidates before the vote.

A change of term must be elected well before the term ends ([config] months); after
the vote (民法典 278 三) archives and seals are handed over and the committee is filed.
"""

from __future__ import annotations

from typing import Any

from workflows.applicants import COMMITTEES
from workflows.committee_rules import party_share_met
from workflows.demo_values import days
from workflows.formkit.base import Findings, FormSchema, StepContext
from workflows.formkit.checks import check_committee, must_be_true, owners_vote_day
from workflows.formkit.fields import Count, Day, Flag, Items, Record, Text
from workflows.formkit.request import FilingForm, applicant_choice, sub_type_choice
from workflows.formkit.time_limits import FILING_DAYS, months_before, within_days
from workflows.i18n import _
from workflows.lifecycle import COMMITTEE_FILING, TimeLimit
from workflows.matters import (
    DISTRICT_PLAN,
    OWNERS_VOTE_STEP,
    PARTY_SECRETARY,
    Demo,
    MatterStep,
    MatterType,
    Variant,
)

CODE = "committee_election"
SUB_TYPES = {
    "change_of_term": _("换届"),
    "re_election": _("改选"),
    "by_election": _("补选"),
}


class CommitteeElectionFiling(FilingForm):
    """业主委员会选举: a change of term must be held well before the term ends."""

    MATTER = CODE
    applicant_kind = applicant_choice(COMMITTEES)
    sub_type = sub_type_choice(SUB_TYPES)
    term_end_date = Day(_("本届业主委员会任期届满日"), required=False, help_text=_("换届时必填"))
    election_meeting_date = Day(_("拟召开选举会议日期"))

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        if data["sub_type"] != "change_of_term":
            return
        if not self.require(data, ("term_end_date",), _("换届"), findings):
            return
        months = ctx.settings.election_lead_months
        latest = months_before(data["term_end_date"], months)
        if data["election_meeting_date"] > latest:
            findings.error(
                "election_meeting_date",
                _("换届选举会议应在任期届满 {months} 个月前召开，即不晚于 {latest}。").format(
                    months=months, latest=latest.isoformat()
                ),
            )


class CandidateForm(FormSchema):
    """One candidate as vetted by the party organization."""

    name = Text(_("姓名"), max_length=50)
    unit = Text(_("房屋（楼栋单元门牌）"), max_length=100, required=False)
    is_owner = Flag(_("是本小区业主"))
    has_fee_arrears = Flag(_("欠缴物业费等费用"))
    is_party_member = Flag(_("是中共党员"))


class CandidateVettingForm(FormSchema):
    """资格把关 — every candidate must be an owner without fee arrears."""

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
        _check_slate_party_share(data["candidates"], ctx, findings)
        return {}


def _check_slate_party_share(
    candidates: list[dict[str, Any]], ctx: StepContext, findings: Findings
) -> None:
    """The 50% party share of the committee, held against the slate the owners choose from
    (under the same warn/block setting): a slate below it cannot elect a committee above."""
    total = len(candidates)
    party = sum(1 for candidate in candidates if candidate["is_party_member"])
    if not party_share_met(total, party):
        findings.policy(
            ctx.settings.party_share_policy,
            "candidates",
            _(
                "候选人中党员 {party} 人，低于候选人总数 {total} 人的 50%（至少需 {required} 人）。"
            ).format(party=party, total=total, required=(total + 1) // 2),
        )


class HandoverAndFilingForm(FormSchema):
    """The new committee, handover of archives and seals, and the 30-day filing."""

    committee_members = Count(_("新一届业主委员会委员人数"), min_value=1)
    party_members = Count(_("其中党员人数"))
    archives_handed_over = Flag(_("档案资料已移交"))
    seals_handed_over = Flag(_("印章已移交"))
    handover_date = Day(_("移交日期"), past=True)
    filing_date = Day(_("备案日期"), past=True)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        check_committee(self, data, ctx, findings)
        must_be_true(self, data, ("archives_handed_over", "seals_handed_over"), findings)
        elected = owners_vote_day(ctx, findings)
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


def _candidate(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "unit": "3号楼1单元",
        "is_owner": True,
        "has_fee_arrears": False,
        "is_party_member": True,
    }


MATTER = MatterType(
    code=CODE,
    item="B",
    name=_("业主委员会选举·换届·改选·补选"),
    sub_types=SUB_TYPES,
    applicant_kinds=COMMITTEES,
    exclusive_by=(),
    legal_basis=_(
        "《中华人民共和国民法典》第二百七十八条第一款第（三）项及第二款；"
        "《物业管理条例》第十四条、第十六条；"
    )
    + DISTRICT_PLAN,
    filing_form=CommitteeElectionFiling,
    matter_steps=(
        MatterStep(
            "candidate_vetting",
            _("候选人资格把关"),
            CandidateVettingForm,
            role=PARTY_SECRETARY,
            time_limit=TimeLimit("candidate_vetting_working_days", "working_days"),
        ),
        OWNERS_VOTE_STEP,
        MatterStep(
            "handover_and_filing",
            _("移交资料印章并备案"),
            HandoverAndFilingForm,
            time_limit=COMMITTEE_FILING,
        ),
    ),
    vote_rules={
        "change_of_term": ("三", "double_majority"),
        "re_election": ("三", "double_majority"),
        "by_election": ("三", "double_majority"),
    },
    requires_members_assembly=True,
    demo=Demo(
        applicant=("committee", "E01"),
        filing={"election_meeting_date": days(30)},
        variants=(
            Variant("change_of_term", filing={"term_end_date": days(180)}),
            Variant("re_election"),
            Variant("by_election"),
        ),
        steps={
            "candidate_vetting": {
                "candidates": [_candidate("张明"), _candidate("李华"), _candidate("王芳")],
                "vetting_opinion": "候选人均为本小区业主，无欠缴费用，符合条件。",
            },
            "handover_and_filing": {
                "committee_members": 7,
                "party_members": 4,
                "archives_handed_over": True,
                "seals_handed_over": True,
                "handover_date": days(-1),
                "filing_date": days(0),
            },
        },
    ),
)
