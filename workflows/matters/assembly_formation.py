"""A. 业主大会成立: the street forms a preparatory group, the first meeting elects the committee
and adopts the 管理规约 and the 议事规则.

After approval the preparatory group is recorded with its published documents, the
owners vote on the committee (民法典 278 三), the same meeting's votes on the covenant (二)
and the rules of procedure (一) are recorded with their own tallies, and the elected
committee's first meeting and filing follow.
"""

from __future__ import annotations

from typing import Any

from workflows.applicants import MANAGEMENT_COMMITTEE, PREPARATORY_GROUP
from workflows.committee_rules import preparatory_group_valid
from workflows.demo_values import days
from workflows.formkit.base import Findings, FormSchema, StepContext
from workflows.formkit.checks import check_committee, owners_vote_day
from workflows.formkit.fields import Area, Choice, Count, Day, Items, Text
from workflows.formkit.request import FilingForm, applicant_choice
from workflows.formkit.time_limits import FILING_DAYS, NOTICE_DAYS, notice_ok, within_days
from workflows.i18n import _
from workflows.lifecycle import COMMITTEE_FILING, OWNERS_VOTE, SHARED_TIME_LIMITS, TimeLimit
from workflows.matters import DISTRICT_PLAN, OWNERS_VOTE_STEP, Demo, MatterStep, MatterType
from workflows.owners_vote import VoteTally, evaluate_vote, format_area
from workflows.vote_items import COVENANT, RULES_OF_PROCEDURE, VoteItem

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


# The first meeting's votes besides the election, by field prefix (民法典 278 一, 二).
STATUTES: dict[str, VoteItem] = {"covenant": COVENANT, "rules": RULES_OF_PROCEDURE}


class StatutesAdoptionForm(FormSchema):
    """The first meeting adopts the 管理规约 (278 二) and the 议事规则 (278 一): each vote has
    its own tally over the election's bases (the same meeting, the same owners), counted
    with its item's rule; either failing ends the case as a failed vote."""

    covenant_participating_area = Area(_("管理规约：参与表决的专有部分面积（平方米）"))
    covenant_participating_owners = Count(_("管理规约：参与表决的业主人数"))
    covenant_approving_area = Area(_("管理规约：同意的专有部分面积（平方米）"))
    covenant_approving_owners = Count(_("管理规约：同意的业主人数"))
    rules_participating_area = Area(_("议事规则：参与表决的专有部分面积（平方米）"))
    rules_participating_owners = Count(_("议事规则：参与表决的业主人数"))
    rules_approving_area = Area(_("议事规则：同意的专有部分面积（平方米）"))
    rules_approving_owners = Count(_("议事规则：同意的业主人数"))

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        if owners_vote_day(ctx, findings) is None:
            return {}
        bases = {"area": ctx.data["base_area"], "owners": ctx.data["base_owners"]}
        for prefix in STATUTES:
            for kind, base in bases.items():
                self._nested(data, f"{prefix}_participating_{kind}", base, findings)
                approving = f"{prefix}_approving_{kind}"
                if data[approving] > data[f"{prefix}_participating_{kind}"]:
                    findings.error(
                        approving,
                        _("“{part}”不能超过“{whole}”。").format(
                            part=self.label(approving),
                            whole=self.label(f"{prefix}_participating_{kind}"),
                        ),
                    )
        if findings.errors:
            return {}
        outcomes = {
            prefix: evaluate_vote(item.rule, self._tally(data, prefix, bases))
            for prefix, item in STATUTES.items()
        }
        # The meeting's result: the election passed to get here, so both must pass too.
        return {
            "vote_passed": all(o.passed for o in outcomes.values()),
            "statutes_outcome": {
                prefix: {
                    "item": STATUTES[prefix].number,
                    "rule": outcome.rule.value,
                    "participation_met": outcome.participation_met,
                    "approval_met": outcome.approval_met,
                    "passed": outcome.passed,
                    "reasons": list(outcome.reasons),
                }
                for prefix, outcome in outcomes.items()
            },
        }

    def _nested(self, data: dict[str, Any], name: str, base: int, f: Findings) -> None:
        """Participation within the election's base: the same owners met once."""
        if data[name] > base:
            shown = format_area(base) if name.endswith("_area") else str(base)
            f.error(
                name,
                _("“{part}”不能超过业主大会选举时的表决基数 {base}。").format(
                    part=self.label(name), base=shown
                ),
            )

    @staticmethod
    def _tally(data: dict[str, Any], prefix: str, bases: dict[str, int]) -> VoteTally:
        return VoteTally(
            base_area=bases["area"],
            base_owners=bases["owners"],
            participating_area=data[f"{prefix}_participating_area"],
            participating_owners=data[f"{prefix}_participating_owners"],
            approving_area=data[f"{prefix}_approving_area"],
            approving_owners=data[f"{prefix}_approving_owners"],
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
        "《中华人民共和国民法典》第二百七十八条第一款第（一）项、第（二）项、第（三）项及第二款；"
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
            "statutes_adoption",
            _("管理规约和议事规则表决"),
            StatutesAdoptionForm,
            time_limit=SHARED_TIME_LIMITS[OWNERS_VOTE],
        ),
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
            "statutes_adoption": {
                "covenant_participating_area": "18000.00",
                "covenant_participating_owners": 240,
                "covenant_approving_area": "15000.00",
                "covenant_approving_owners": 200,
                "rules_participating_area": "18000.00",
                "rules_participating_owners": 240,
                "rules_approving_area": "14000.00",
                "rules_approving_owners": 190,
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
