"""Forms of the periodic duties and incident reports, built from the matter forms' fields.

The year-end review keeps its rectification items (整改事项) in the workflow data as a
numbered list; each later step returns the updated list, so the latest completed step
of a case always holds every item's state — the rectification ledger reads it there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from workflows.duties import DUTIES, INCIDENT_REPORT
from workflows.forms import (
    Attachments,
    Choice,
    Count,
    Day,
    Findings,
    Flag,
    FormError,
    FormSchema,
    Items,
    Moment,
    Record,
    StepContext,
    SupervisionForm,
    Text,
    validate_form,
)
from workflows.forms import filing_schema as forms_filing_schema
from workflows.forms import step_schema as forms_step_schema
from workflows.forms import validate_step as forms_validate_step
from workflows.i18n import _

INCIDENT_KINDS = {"major_problem": _("重大问题"), "emergency": _("突发事件")}
REVIEW_RESULTS = {"acknowledged": _("已阅知"), "more": _("要求补充")}
EVALUATIONS = {
    "satisfied": _("满意"),
    "basically_satisfied": _("基本满意"),
    "unsatisfied": _("不满意"),
}
ITEM_STATUSES = {"open": _("未完成"), "reported": _("已报完成待核查"), "done": _("已完成")}


# ---------------------------------------------------------------- incident report


class IncidentReportFiling(FormSchema):
    """重大问题、突发事件报告: what happened, when, and what was done at once."""

    incident_kind = Choice(_("报告类别"), INCIDENT_KINDS)
    title = Text(_("事件标题"), max_length=200)
    occurred_at = Moment(_("发生时间"), past=True)
    description = Text(_("事件经过"))
    measures_taken = Text(_("已采取的处置措施"))
    attachments = Attachments(_("相关材料"))

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        hours = ctx.settings.incident_report_hours
        late = ctx.now - data["occurred_at"] > timedelta(hours=hours)
        if late:
            findings.warn(
                "occurred_at",
                _("事件发生已超过 {hours} 小时才报告，属于迟报，将记入信用记录。").format(
                    hours=hours
                ),
            )
        return {"reported_late": late}


class IncidentAcknowledgementForm(FormSchema):
    """社区党组织知悉确认: its instructions, and whether it wants to hear how it ended."""

    handling_opinion = Text(_("处置意见"))
    follow_up_required = Flag(_("需要报告处置情况"))


class IncidentFollowUpForm(FormSchema):
    """处置情况报告 by the reporting body."""

    outcome = Text(_("处置情况"))
    resolved_on = Day(_("处置完成日期"), past=True)
    evidence = Attachments(_("相关材料"))


# ---------------------------------------------------------------- quarterly report


class QuarterlySubmissionForm(FormSchema):
    """季度报告: the quarter's work, money and problems, and the next quarter's plan."""

    work_summary = Text(_("本季度工作情况"))
    finance_summary = Text(_("收支情况"), required=False)
    problems = Text(_("存在的问题"), required=False)
    next_plan = Text(_("下季度工作计划"), required=False)
    attachments = Attachments(_("报告附件"))


class QuarterlyReviewForm(FormSchema):
    """The party organization acknowledges the report or asks for more."""

    report_review_result = Choice(_("审阅结论"), REVIEW_RESULTS)
    review_opinion = Text(_("审阅意见"), required=False, help_text=_("要求补充时必填"))

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        if data["report_review_result"] == "more":
            self.require(data, ("review_opinion",), _("要求补充"), findings)
        return {}


class QuarterlySupplementForm(FormSchema):
    """补充报告 answering what the party organization asked."""

    supplement = Text(_("补充说明"))
    attachments = Attachments(_("补充材料"))


# ---------------------------------------------------------------- year-end review


class AnnualReportForm(FormSchema):
    """年度述职报告."""

    work_summary = Text(_("年度履职情况"))
    problems = Text(_("存在的问题"), required=False)
    attachments = Attachments(_("述职材料"))


class RectificationItemForm(FormSchema):
    item = Text(_("整改事项"), max_length=500)
    due_on = Day(_("整改期限"))


class AnnualEvaluationForm(FormSchema):
    """述职评议: the evaluation, and the rectification items with their deadlines."""

    evaluation = Choice(_("评议结果"), EVALUATIONS)
    score = Count(_("评议得分"), max_value=100, required=False)
    evaluation_opinion = Text(_("评议意见"))
    rectification_items = Items(
        _("整改事项"),
        Record(_("整改事项"), nested=RectificationItemForm),
        help_text=_("评议为“不满意”时至少列出一项"),
    )

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        entries = data.get("rectification_items") or []
        if data["evaluation"] == "unsatisfied" and not entries:
            findings.error("rectification_items", _("评议为“不满意”的，应列出整改事项和期限。"))
        for index, entry in enumerate(entries):
            if entry["due_on"] <= ctx.today:
                findings.error(f"rectification_items.{index}.due_on", _("整改期限应晚于今天。"))
        items = [
            {
                "item_no": number,
                "item": entry["item"],
                "due_on": entry["due_on"].isoformat(),
                "status": "open",
                "reported_on": None,
                "done_on": None,
            }
            for number, entry in enumerate(entries, start=1)
        ]
        return {
            "rectification_items": items,
            "has_rectification": bool(items),
            "rectification_complete": not items,
            "next_rectification_due_on": _next_due(items),
        }


class RectificationProgressForm(FormSchema):
    """整改落实情况: which items the body has finished, with evidence."""

    completed_items = Items(
        _("已完成的整改事项序号"), Count(_("整改事项序号"), min_value=1), min_items=1
    )
    progress_note = Text(_("整改落实情况"))
    evidence = Attachments(_("整改证明材料"), min_items=1)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        items = _items(ctx)
        pending = {i["item_no"] for i in items if i["status"] != "done"}
        unknown = sorted(set(data["completed_items"]) - pending)
        if unknown:
            findings.error(
                "completed_items",
                _("序号 {numbers} 不是待整改的事项。").format(numbers="、".join(map(str, unknown))),
            )
        reported = set(data["completed_items"])
        updated = [
            {**i, "status": "reported", "reported_on": ctx.today.isoformat()}
            if i["item_no"] in reported
            else i
            for i in items
        ]
        return {"rectification_items": updated}


class RectificationCheckForm(FormSchema):
    """整改核查: the party organization confirms items done; the rest stay open."""

    confirmed_items = Items(_("确认已完成的整改事项序号"), Count(_("整改事项序号"), min_value=1))
    check_opinion = Text(_("核查意见"))

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        items = _items(ctx)
        pending = {i["item_no"] for i in items if i["status"] != "done"}
        confirmed = set(data.get("confirmed_items") or [])
        unknown = sorted(confirmed - pending)
        if unknown:
            findings.error(
                "confirmed_items",
                _("序号 {numbers} 不是待核查的整改事项。").format(
                    numbers="、".join(map(str, unknown))
                ),
            )
        updated = []
        for item in items:
            if item["item_no"] in confirmed:
                item = {**item, "status": "done", "done_on": ctx.today.isoformat()}
            elif item["status"] == "reported":
                item = {**item, "status": "open"}
            updated.append(item)
        return {
            "rectification_items": updated,
            "rectification_complete": all(i["status"] == "done" for i in updated),
            "next_rectification_due_on": _next_due(updated),
        }


def _items(ctx: StepContext) -> list[dict[str, Any]]:
    return [dict(i) for i in ctx.data.get("rectification_items") or []]


def _next_due(items: list[dict[str, Any]]) -> str | None:
    """The earliest deadline of an item not yet done: the date the case is overdue on."""
    open_days = [i["due_on"] for i in items if i["status"] != "done"]
    return min(open_days) if open_days else None


# ---------------------------------------------------------------- scheduled filings


class ScheduledRequestForm(FormSchema):
    """What the service files a scheduled report with: the period and its last day.

    Nobody fills it in; it describes the request so pages can show it in words.
    """

    period_label = Text(_("报告期间"))
    due_on = Day(_("报送截止日期"))


# ---------------------------------------------------------------- lookup

DUTY_STEP_FORMS: dict[str, type[FormSchema]] = {
    "quarterly_submission": QuarterlySubmissionForm,
    "quarterly_review": QuarterlyReviewForm,
    "quarterly_supplement": QuarterlySupplementForm,
    "annual_report": AnnualReportForm,
    "annual_evaluation": AnnualEvaluationForm,
    "rectification_progress": RectificationProgressForm,
    "rectification_check": RectificationCheckForm,
    "incident_acknowledgement": IncidentAcknowledgementForm,
    "incident_follow_up": IncidentFollowUpForm,
}
DUTY_FILING_FORMS: dict[str, type[FormSchema]] = {INCIDENT_REPORT: IncidentReportFiling}


def step_schema(task_id: str) -> type[FormSchema]:
    """The form of a duty's user task; its street supervision uses the matters' form."""
    if task_id.startswith("supervise_") and task_id.removeprefix("supervise_") in DUTY_STEP_FORMS:
        return SupervisionForm
    return DUTY_STEP_FORMS[task_id]


def case_step_schema(matter_type: str, task_id: str) -> type[FormSchema]:
    """The form of a task in a case of any kind (``Case.matter_type``): a duty's or a matter's."""
    if matter_type in DUTIES:
        return step_schema(task_id)
    return forms_step_schema(task_id)


def case_filing_schema(matter_type: str) -> type[FormSchema]:
    """The request form of a case of any kind: a matter's filing, an incident report, or the
    period of a scheduled report."""
    if matter_type in DUTY_FILING_FORMS:
        return DUTY_FILING_FORMS[matter_type]
    if matter_type in DUTIES:
        return ScheduledRequestForm
    return forms_filing_schema(matter_type)


def validate_case_step(
    matter_type: str, task_id: str, payload: Mapping[str, Any], ctx: StepContext
) -> dict[str, Any]:
    """Clean a step's submission in a case of any kind, or raise FormError."""
    if matter_type in DUTIES:
        return validate_step(task_id, payload, ctx)
    return forms_validate_step(task_id, payload, ctx)


def validate_step(task_id: str, payload: Mapping[str, Any], ctx: StepContext) -> dict[str, Any]:
    """Clean a duty step's submission, or raise FormError saying what to fix."""
    return validate_form(step_schema(task_id), payload, ctx)


def validate_filing(code: str, payload: Mapping[str, Any], ctx: StepContext) -> dict[str, Any]:
    """Clean a report a body files itself (only incidents are filed by hand)."""
    if code not in DUTY_FILING_FORMS:
        raise FormError({"duty": [_("该类报告由系统按期生成，无需手工提交。")]})
    return validate_form(DUTY_FILING_FORMS[code], payload, ctx)
