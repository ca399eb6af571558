"""A. 业主大会成立: the street forms a preparatory group, the first meeting elects the committee.

After approval the preparatory group is recorded with its published documents, the
owners vote (民法典 278 三) and the elected committee's first meeting and filing follow.
"""

from __future__ import annotations

from typing import Any

from workflows.applicants import MANAGEMENT_COMMITTEE, PREPARATORY_GROUP
from workflows.committee_rules import preparatory_group_valid
from workflows.demo_values import days
from workflows.formkit.base import Findings, FormSchema, StepContext
from workflows.formkit.checks import check_committee, owners_vote_day
from workflows.formkit.fields import Choice, Count, Day, Items, Text
from workflows.formkit.request import FilingForm, applicant_choice
from workflows.formkit.time_limits import FILING_DAYS, NOTICE_DAYS, notice_ok, within_days
from workflows.i18n import _
from workflows.lifecycle import COMMITTEE_FILING, TimeLimit
from workflows.matters import DISTRICT_PLAN, OWNERS_VOTE_STEP, Demo, MatterStep, MatterType

CODE = "assembly_formation"
APPLICANTS = (PREPARATORY_GROUP, MANAGEMENT_COMMITTEE)
COMMITTEE_FIRST_MEETING_DAYS = 7  # 业主大会和业主委员会指导规则
COMMITTEE_MAX_TERM_YEARS = 5  # 业主大会和业主委员会指导规则


class AssemblyFormationFiling(FilingForm):
    """业主大会成立: the group and the first meeting are recorded in later steps."""

    MATTER = CODE
    applicant_kind = applicant_choice(APPLICANTS)


PUBLISHED_DOCUMENTS = {
    "owner_list": _("业主名册"),
    "draft_covenant": _("管理规约草案"),
    "draft_rules": _("业主大会议事规则草案"),
    "candidates": _("业主委员会委员候选人名单"),
}


class PreparatoryGroupForm(FormSchema):
    """The street forms the group; documents go out ≥ 15 days before the first meeting."""

    # The group may itself be the applicant, so the application and the group can come
    # before the case; they are bounded by today and the street's 60 days between them.
    application_received_on = Day(_("街道收到成立业主大会申请日期"), past=True, follows_case=False)
    formed_on = Day(_("筹备组成立日期"), past=True, follows_case=False)
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
    """The elected committee, its first meeting (7 days) and its filing (30 days)."""

    committee_members = Count(_("业主委员会委员人数"), min_value=1)
    party_members = Count(_("其中党员人数"))
    term_years = Count(
        _("任期（年）"), min_value=1, max_value=COMMITTEE_MAX_TERM_YEARS, help_text=_("不超过5年")
    )
    committee_first_meeting_date = Day(_("业主委员会首次会议日期"), past=True)
    filing_date = Day(_("备案日期"), past=True)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        check_committee(self, data, ctx, findings)
        elected = owners_vote_day(ctx, findings)
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


MATTER = MatterType(
    code=CODE,
    item="A",
    name=_("业主大会成立"),
    applicant_kinds=APPLICANTS,
    exclusive_by=(),
    legal_basis=_(
        "《中华人民共和国民法典》第二百七十八条第一款第（三）项及第二款；"
        "《物业管理条例》第十条、第十四条、第十六条；"
        "《业主大会和业主委员会指导规则》第十条、第三十一条；"
    )
    + DISTRICT_PLAN,
    filing_form=AssemblyFormationFiling,
    matter_steps=(
        MatterStep(
            "preparatory_group",
            _("成立筹备组并公示"),
            PreparatoryGroupForm,
            time_limit=TimeLimit("preparatory_group_days", "days"),
        ),
        OWNERS_VOTE_STEP,
        MatterStep(
            "committee_formation",
            _("业主委员会首次会议及备案"),
            CommitteeFormationForm,
            time_limit=COMMITTEE_FILING,
        ),
    ),
    vote_rules={"": ("三", "double_majority")},
    requires_members_assembly=True,
    demo=Demo(
        applicant=("prep", "E02"),
        filing={},
        steps={
            "preparatory_group": {
                "application_received_on": days(-40),
                "formed_on": days(-30),
                "street_leader": "和平街道 王主任",
                "group_size": 7,
                "owner_members": 4,
                "published_documents": [
                    "owner_list",
                    "draft_covenant",
                    "draft_rules",
                    "candidates",
                ],
                "documents_published_on": days(-25),
                "first_meeting_date": days(-2),
            },
            "committee_formation": {
                "committee_members": 7,
                "party_members": 4,
                "term_years": 5,
                "committee_first_meeting_date": days(-1),
                "filing_date": days(0),
            },
        },
    ),
)
