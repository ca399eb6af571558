"""The steps every matter shares: acceptance, study, reply, oversight and the owners' vote."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from workflows import lifecycle
from workflows.catalogue import matter
from workflows.collective_study import MeetingType, evaluate_study
from workflows.formkit.attachments import Attachments
from workflows.formkit.base import CaseDates, Findings, FormError, FormSchema, StepContext
from workflows.formkit.fields import Area, Choice, Count, Day, FieldUpdates, Flag, Items, Text
from workflows.formkit.time_limits import NOTICE_DAYS, notice_ok
from workflows.forms.filing import filing_schema, validate_filing
from workflows.i18n import _
from workflows.owners_vote import VoteRule, VoteTally, evaluate_vote, format_area

# ---------------------------------------------------------------- prior approval steps

ACCEPTANCE_DECISIONS = {"accept": _("受理"), "return": _("退回补正")}


class AcceptanceCheckForm(FormSchema):
    """受理审查: a return must say what to add."""

    acceptance_decision = Choice(_("审查结论"), ACCEPTANCE_DECISIONS)
    acceptance_reasons = Text(
        _("退回理由及需补正的内容"), required=False, help_text=_("退回补正时必填")
    )

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        if data["acceptance_decision"] == "return":
            self.require(data, ("acceptance_reasons",), _("退回补正"), findings)
        return {}


class SupplementForm(FormSchema):
    """退回补正: corrections are re-checked as a whole new filing."""

    supplement_note = Text(_("补正说明"))
    updated_fields = FieldUpdates(
        _("补正内容"),
        required=False,
        load_default=dict,
        help_text=_('需要修改的请示字段及新内容，如 {"plan": "……"}'),
    )

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        """Merge the corrections into the request and validate it again like a filing."""
        updates = data["updated_fields"]
        form = filing_schema(ctx.matter_type)()
        entry = matter(ctx.matter_type)
        # What routes the case, and what makes it the one open case of its matter, stay.
        for name in ("sub_type", *entry.routed_by, *(entry.exclusive_by or ())):
            if name in updates and name in form.fields:
                findings.error(
                    f"updated_fields.{name}",
                    _("受理后不能变更“{label}”，如需变更请撤回后重新申请。").format(
                        label=form.label(name)
                    ),
                )
        if findings.errors:
            return {}
        merged = {**_as_input(form, ctx.request), **updates}
        try:
            # The corrected request is checked as the filing it corrects, which came first.
            request = validate_filing(ctx.matter_type, merged, replace(ctx, dates=CaseDates()))
        except FormError as error:
            for name, messages in error.messages.items():
                for message in messages:
                    findings.error(f"updated_fields.{name}", message)
            return {}
        for warning in request.pop("warnings"):
            findings.warn(f"updated_fields.{warning['field']}", warning["message"])
        return {
            "updated_fields": {k: request[k] for k in updates if k in request},
            "request": request,
        }


MEETING_TYPES = {t.value: t.label for t in MeetingType}


class CollectiveStudyForm(FormSchema):
    """集体研究: the meeting record; approval counts against the members expected."""

    meeting_type = Choice(_("会议类型"), MEETING_TYPES)
    study_meeting_date = Day(_("会议日期"), past=True)
    members_expected = Count(_("应到会人数"), min_value=1)
    members_present = Count(_("实到会人数"))
    votes_for = Count(_("赞成票数"))
    votes_against = Count(_("反对票数"))
    votes_abstain = Count(_("弃权票数"))
    opinions = Text(_("研究意见"))
    consulted_residents_committee = Flag(
        _("会前已征求居民委员会意见"), required=False, load_default=False
    )
    members_present_names = Items(
        _("出席成员"),
        Text(_("出席成员姓名"), max_length=100),
        required=False,
        help_text=_("填写时，人数应与实到会人数一致"),
    )

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        names = data.get("members_present_names") or []
        if names and len(names) != data["members_present"]:
            findings.error(
                "members_present_names",
                _("列出的出席成员有 {names} 人，与实到会人数 {present} 人不一致。").format(
                    names=len(names), present=data["members_present"]
                ),
            )
        if (
            matter(ctx.matter_type).requires_members_assembly
            and data["meeting_type"] != MeetingType.MEMBERS_ASSEMBLY
        ):
            findings.error("meeting_type", _("本事项须提交党支部党员大会研究决定。"))
        expected, present = data["members_expected"], data["members_present"]
        votes = data["votes_for"] + data["votes_against"] + data["votes_abstain"]
        if present > expected:
            findings.error("members_present", _("实到会人数不能超过应到会人数。"))
        elif votes > present:
            findings.error("votes_for", _("赞成、反对、弃权票数之和不能超过实到会人数。"))
        if findings.errors:
            return {}
        outcome = evaluate_study(
            expected, present, data["votes_for"], data["votes_against"], data["votes_abstain"]
        )
        if not outcome.quorum_met:
            findings.error(
                "members_present",
                _("实到会人数未超过应到会人数的半数，会议不能作出决定，请另行召开会议后再记录。"),
            )
            return {}
        return {
            "study_passed": outcome.approved,
            "study_outcome": {
                "quorum_met": outcome.quorum_met,
                "approved": outcome.approved,
                "reasons": list(outcome.reasons),
            },
        }


REPLY_DECISIONS = {
    "agree": _("同意"),
    "agree_with_conditions": _("附条件同意"),
    "disagree": _("不同意"),
}


class WrittenReplyForm(FormSchema):
    """批复意见: must follow the collective study; conditions only with 附条件同意."""

    reply_decision = Choice(_("批复结论"), REPLY_DECISIONS)
    reply_reasons = Text(_("批复理由"))
    reply_conditions = Text(
        _("附加条件"), required=False, help_text=_("附条件同意时必填，写明实施时须满足的条件")
    )

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        decision = data["reply_decision"]
        if ctx.data.get("study_passed") is False and decision != "disagree":
            findings.error("reply_decision", _("集体研究未通过，批复结论只能为“不同意”。"))
        if decision == "agree_with_conditions":
            self.require(data, ("reply_conditions",), _("附条件同意"), findings)
        elif data.get("reply_conditions"):
            findings.error(
                "reply_conditions",
                _("只有“附条件同意”才填写附加条件；如需附条件，请将批复结论改为“附条件同意”。"),
            )
        return {}


class SupervisionForm(FormSchema):
    """办结街道督办 of an overdue step: how the street resolved it, and when it follows up.

    Completing the form resolves the 督办; one closed by its step's completion records
    ``supervision_outcome`` "step_completed" instead.
    """

    supervision_note = Text(_("督办意见"))
    follow_up_date = Day(_("跟进日期"), required=False)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        if data.get("follow_up_date") and data["follow_up_date"] <= ctx.today:
            findings.error("follow_up_date", _("跟进日期应晚于今天。"))
        return {"supervision_outcome": "resolved"}


# ---------------------------------------------------------------- oversight steps


class ImplementationReportForm(FormSchema):
    """实施情况报告: what was done per the reply, with evidence."""

    summary = Text(_("实施情况"))
    evidence = Attachments(_("证明材料"), min_items=1)
    done_on = Day(_("完成日期"), past=True)


class RectificationForm(ImplementationReportForm):
    """整改: same shape as the report, since it replaces it for the next review."""

    summary = Text(_("整改情况"))
    evidence = Attachments(_("整改证明材料"), min_items=1)
    done_on = Day(_("整改完成日期"), past=True)


OVERSIGHT_RESULTS = {"compliant": _("符合批复意见"), "rectify": _("需要整改")}


class OversightReviewForm(FormSchema):
    """监督检查: a rectification order needs findings and a future deadline."""

    oversight_result = Choice(_("检查结论"), OVERSIGHT_RESULTS)
    oversight_findings = Text(_("发现的问题"), required=False, help_text=_("需要整改时必填"))
    rectification_deadline = Day(_("整改期限"), required=False, help_text=_("需要整改时必填"))

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        if data["oversight_result"] != "rectify":
            return {}
        names = ("oversight_findings", "rectification_deadline")
        if self.require(data, names, _("需要整改"), findings) and (
            data["rectification_deadline"] <= ctx.today
        ):
            findings.error("rectification_deadline", _("整改期限应晚于今天。"))
        return {}


# ---------------------------------------------------------------- owners' vote


class OwnersVoteForm(FormSchema):
    """业主共同决定 (民法典 278): notice, bases and tallies; the rule comes from the DMN."""

    vote_notice_date = Day(_("会议通知（公告）日期"), past=True)
    vote_meeting_date = Day(_("表决（会议）日期"), past=True)
    base_area = Area(_("专有部分总面积（平方米）"), help_text=_("维修资金使用时为列支范围内的面积"))
    base_owners = Count(
        _("业主总人数"), min_value=1, help_text=_("维修资金使用时为列支范围内的人数")
    )
    participating_area = Area(_("参与表决的专有部分面积（平方米）"))
    participating_owners = Count(_("参与表决的业主人数"))
    approving_area = Area(_("同意的专有部分面积（平方米）"))
    approving_owners = Count(_("同意的业主人数"))

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        rule = ctx.data.get("vote_rule")
        if rule not in (VoteRule.DOUBLE_MAJORITY, VoteRule.THREE_QUARTERS):
            findings.error("_schema", _("本事项没有适用的业主表决规则，不需要进行业主表决。"))
            return {}
        notice_ok(
            self,
            data["vote_notice_date"],
            data["vote_meeting_date"],
            "vote_meeting_date",
            NOTICE_DAYS,
            findings,
        )
        self._check_counts(data, findings)
        if matter(ctx.matter_type).vote_counts_scope:
            self._check_scope(data, ctx, findings)
        if findings.errors:
            return {}
        outcome = evaluate_vote(VoteRule(rule), self._tally(data))
        return {
            "vote_passed": outcome.passed,
            "vote_outcome": {
                "rule": outcome.rule.value,
                "participation_met": outcome.participation_met,
                "approval_met": outcome.approval_met,
                "passed": outcome.passed,
                "reasons": list(outcome.reasons),
            },
        }

    @staticmethod
    def _tally(data: dict[str, Any]) -> VoteTally:
        return VoteTally(
            base_area=data["base_area"],
            base_owners=data["base_owners"],
            participating_area=data["participating_area"],
            participating_owners=data["participating_owners"],
            approving_area=data["approving_area"],
            approving_owners=data["approving_owners"],
        )

    def _check_counts(self, data: dict[str, Any], f: Findings) -> None:
        """Each count within the one above it, so the tally describes a real vote."""
        if data["base_area"] == 0:
            f.error("base_area", _("专有部分总面积必须大于零。"))
        for part, whole in (
            ("participating_area", "base_area"),
            ("approving_area", "participating_area"),
            ("participating_owners", "base_owners"),
            ("approving_owners", "participating_owners"),
        ):
            if data[part] > data[whole]:
                f.error(
                    part,
                    _("“{part}”不能超过“{whole}”。").format(
                        part=self.label(part), whole=self.label(whole)
                    ),
                )

    def _check_scope(self, data: dict[str, Any], ctx: StepContext, f: Findings) -> None:
        """Maintenance-fund votes count the owners of the cost-sharing scope (165号令 22)."""
        for name, key, shown in (
            ("base_area", "affected_area", format_area),
            ("base_owners", "affected_owners", str),
        ):
            if data[name] != ctx.request[key]:
                f.error(
                    name,
                    _("维修资金使用的表决基数应为请示中的列支范围（{scope}），请核对。").format(
                        scope=shown(ctx.request[key])
                    ),
                )


def _as_input(form: FormSchema, cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """Turn a cleaned filing back into form input (areas back to "123.45") to re-validate it."""
    raw: dict[str, Any] = {}
    for name, fld in form.fields.items():
        if name in cleaned:
            value = cleaned[name]
            raw[name] = format_area(value) if isinstance(fld, Area) else value
    return raw


SHARED_STEP_FORMS: dict[str, type[FormSchema]] = {
    lifecycle.ACCEPTANCE_CHECK: AcceptanceCheckForm,
    lifecycle.SUPPLEMENT: SupplementForm,
    lifecycle.COLLECTIVE_STUDY: CollectiveStudyForm,
    lifecycle.WRITTEN_REPLY: WrittenReplyForm,
    lifecycle.IMPLEMENTATION_REPORT: ImplementationReportForm,
    lifecycle.OVERSIGHT_REVIEW: OversightReviewForm,
    lifecycle.RECTIFICATION: RectificationForm,
    lifecycle.OWNERS_VOTE: OwnersVoteForm,
}
