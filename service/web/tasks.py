"""Task pages: one form per step, drawn from the step's form description.

Acceptance, collective study, the written reply, the owners' vote, oversight and the
answer to a return get their own page around the generic form; every other step uses
the generic page. "核算" and "预览" run the service's own checks without completing.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.cases.readable import case_parties, readable_case
from service.cases.step_check import check_step, task_context
from service.cases.vote_rules import VoteRuleInfo, vote_shares
from service.cases.written_reply import reply_preview
from service.core.errors import Conflict, Forbidden, InvalidInput
from service.people.access import may_work_task
from service.people.directory import display_names, party_members
from service.tasks import street_powers
from service.tasks.arrangement import update_task
from service.tasks.claiming import assignees
from service.tasks.completion import complete
from service.tasks.inbox import readable_task
from service.tasks.supervision import SUPERVISION_PREFIX, may_rearrange
from service.web import fields
from service.web import reading as rd
from service.web.common import (
    actor,
    case_service,
    error_page,
    now,
    reading,
    step_name,
    web_blueprint,
)
from service.web.filing import filing_specs
from service.web.uploads import store_uploads
from workflows.catalogue import MATTERS
from workflows.duties import DUTIES
from workflows.duty_forms import ITEM_STATUSES
from workflows.i18n import _
from workflows.work_calendar import SHANGHAI

bp = web_blueprint("tasks", __name__)

# Background each step's page shows from the case data, by field name.
BACKGROUND: dict[str, tuple[str, ...]] = {
    "supplement": ("acceptance_reasons",),
    "written_reply": (
        "meeting_type",
        "study_meeting_date",
        "members_expected",
        "members_present",
        "members_present_names",
        "votes_for",
        "votes_against",
        "votes_abstain",
        "opinions",
        "study_passed",
    ),
    "implementation_report": ("reply_document_number", "reply_decision", "reply_conditions"),
    "oversight_review": (
        "reply_document_number",
        "reply_decision",
        "reply_conditions",
        "summary",
        "evidence",
        "done_on",
    ),
    "rectification": ("oversight_findings", "rectification_deadline"),
    "quarterly_review": (
        "work_summary",
        "finance_summary",
        "problems",
        "next_plan",
        "attachments",
        "supplement",
    ),
    "quarterly_supplement": ("review_opinion",),
    "annual_evaluation": ("work_summary", "problems", "attachments"),
    "rectification_progress": ("evaluation", "evaluation_opinion", "rectification_items"),
    "rectification_check": ("rectification_items", "progress_note", "evidence"),
    "incident_follow_up": ("handling_opinion",),
}
# Steps that name rectification items by number, and the field that holds the numbers.
ITEM_PICKERS = {
    "rectification_progress": "completed_items",
    "rectification_check": "confirmed_items",
}
REPLY_BACKGROUND = ("reply_document_number", "reply_decision", "reply_conditions")


# Steps of a matter whose recorded fields later steps show (a duty shows its own steps').
EARLIER_STEPS = (
    "acceptance_check",
    "collective_study",
    "written_reply",
    "oversight_review",
    "implementation_report",
)


def _earlier_step_specs(matter_type: str) -> dict[str, dict[str, Any]]:
    """Descriptions of the fields earlier steps recorded, by name, to show them later."""
    steps = DUTIES[matter_type].steps if matter_type in DUTIES else EARLIER_STEPS
    specs: dict[str, dict[str, Any]] = {}
    for step in steps:
        specs.update({s["name"]: s for s in rd.step_specs(matter_type, step)})
    return specs


class TaskPage:
    """Everything one task page needs, loaded once per request."""

    def __init__(self, task_id: int) -> None:
        with reading() as db:
            task = readable_task(db, actor(), task_id)
            case = readable_case(db, actor(), task.case_id)
            self.task = task
            self.case = case
            self.parties = case_parties(db, case)
            self.may_work = task.status == "open" and may_work_task(actor(), task, case)
            self.assignee = display_names(db, [task.assignee_id]).get(task.assignee_id)
            self.members = (
                party_members(db, case.community_id) if task.bpmn_id == "collective_study" else []
            )
            self.assignees = assignees(db, actor(), task_id)
            self.may_rearrange = task.status == "open" and may_rearrange(db, actor(), task, case)
            self.supervision = (
                street_powers.supervision_view(db, actor(), task_id, now())
                if task.bpmn_id.startswith(SUPERVISION_PREFIX)
                else None
            )
        self.data: dict[str, Any] = {}
        if self.may_work:
            self.data = task_context(case_service(), actor(), task_id)

    @property
    def bpmn_id(self) -> str:
        return self.task.bpmn_id

    def specs(self) -> list[dict[str, Any]]:
        if self.bpmn_id == "supplement":
            own = fields.without(
                rd.step_specs(self.case.matter_type, "supplement"), ["updated_fields"]
            )
            request_form = filing_specs(self.case.matter_type, self.parties.applicant_kind)
            # A request corrected after a return keeps what its model routes on.
            fixed = ["sub_type", *MATTERS[self.case.matter_type].routed_by]
            return own + fields.without(request_form, fixed)
        specs = rd.step_specs(self.case.matter_type, self.bpmn_id)
        if self.bpmn_id in ITEM_PICKERS:
            return [self._with_item_choices(s) for s in specs]
        return specs

    def _with_item_choices(self, spec: dict[str, Any]) -> dict[str, Any]:
        """The rectification items still to do, to tick by number instead of typing it."""
        if spec["name"] != ITEM_PICKERS[self.bpmn_id]:
            return spec
        choices = [
            {
                "value": str(item["item_no"]),
                "label": _("{no}. {item}（期限 {due}，{status}）").format(
                    no=item["item_no"],
                    item=item["item"],
                    due=item["due_on"],
                    status=ITEM_STATUSES.get(item["status"], item["status"]),
                ),
            }
            for item in self.data.get("rectification_items") or []
            if item["status"] != "done"
        ]
        return {**spec, "item": {**spec["item"], "choices": choices}}

    def initial_values(self) -> dict[str, Any]:
        if self.bpmn_id == "supplement":
            return fields.values_from_data(self.specs(), self.data.get("request", {}))
        if self.bpmn_id == "collective_study":
            return {"members_expected": str(len(self.members)) if self.members else ""}
        if self.bpmn_id == "owners_vote" and self.vote_counts_scope:
            request_data = self.data.get("request", {})
            return fields.values_from_data(
                self.specs(),
                {
                    "base_area": request_data.get("affected_area"),
                    "base_area_text": request_data.get("affected_area_text"),
                    "base_owners": request_data.get("affected_owners"),
                },
            )
        return {}

    @property
    def vote_counts_scope(self) -> bool:
        """Whether the owners' vote counts only the request's scope (a fund's cost-sharing)."""
        matter = MATTERS.get(self.case.matter_type)
        return matter is not None and matter.vote_counts_scope

    def background(self) -> list[tuple[str, str]]:
        keys = BACKGROUND.get(self.bpmn_id)
        if keys is None:
            keys = REPLY_BACKGROUND if "reply_decision" in self.data else ()
        specs = _earlier_step_specs(self.case.matter_type)
        present = {k: self.data[k] for k in keys if k in self.data}
        return rd.facts([specs[k] for k in keys if k in specs], present)

    def vote(self) -> dict[str, Any] | None:
        """The owners' vote: the rule the DMN chose and, once recorded, the tallies."""
        rule = self.data.get("vote_rule")
        if not rule:
            return None
        outcome = self.data.get("vote_outcome")
        return {
            "rule": VoteRuleInfo(str(self.data.get("vote_item", "")), str(rule)),
            "outcome": outcome,
            "shares": shares_of(str(rule), self.data) if outcome else [],
        }


def shares_of(rule: str, data: dict[str, Any]) -> list[str]:
    """The recorded (or just checked) tally as shares beside the rule's thresholds."""
    return vote_shares(
        rule,
        data["base_area"],
        data["base_owners"],
        data["participating_area"],
        data["participating_owners"],
        data["approving_area"],
        data["approving_owners"],
    )


@bp.get("/tasks/<int:task_id>")
def show(task_id: int) -> str:
    page = TaskPage(task_id)
    return _render(page, page.initial_values(), {})


@bp.post("/tasks/<int:task_id>")
def submit(task_id: int) -> Response | tuple[str, int] | str:
    page = TaskPage(task_id)
    if not page.may_work:
        return error_page(_("该任务已办理完毕，或您没有办理该任务的权限。"), 409, _("办理冲突"))
    specs = page.specs()
    values = fields.values_from_form(specs, request.form)
    refused = store_uploads(specs, values, request.files)
    if refused:
        return _render(page, values, refused), 422
    action = request.form.get("action", "complete")
    if action.startswith("add_row:"):
        fields.add_row(values, action.removeprefix("add_row:"))
        return _render(page, values, {})
    body = _payload(page, specs, values)
    if action in ("check", "preview"):
        try:
            checked = check_step(case_service(), actor(), task_id, body)
        except InvalidInput as exc:
            return _render(page, values, _errors(page, exc.messages)), 422
        return _render(page, values, {}, checked=checked)
    try:
        complete(
            case_service(),
            actor(),
            task_id,
            body,
            expected_revision=request.form.get("revision", type=int),
        )
    except InvalidInput as exc:
        return _render(page, values, _errors(page, exc.messages)), 422
    except Conflict as exc:
        fresh = TaskPage(task_id)
        if not fresh.may_work:
            raise
        flash(exc.message, "error")
        return _render(fresh, values, {}), 409
    flash(_("已办理：{step}。").format(step=step_name(page.bpmn_id)), "success")
    return redirect(url_for("cases.show", case_id=page.case.id))


def _payload(page: TaskPage, specs: list[dict[str, Any]], values: dict[str, Any]) -> dict:
    """The step's submission; a supplement sends only the request fields it changes."""
    if page.bpmn_id == "supplement":
        own = rd.step_specs(page.case.matter_type, "supplement")
        note = fields.payload(fields.without(own, ["updated_fields"]), values)
        request_specs = [s for s in specs if s["name"] != "supplement_note"]
        before = fields.payload(request_specs, page.initial_values())
        after = fields.payload(request_specs, values)
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        return {**note, "updated_fields": changed}
    body = fields.payload(specs, values)
    if page.bpmn_id == "collective_study":
        present = request.form.getlist("present_member")
        if "members_present" not in body and present:
            body["members_present"] = str(len(present))
        if "members_expected" not in body and page.members:
            body["members_expected"] = str(len(page.members))
        names = [name for member_id, name, _role in page.members if str(member_id) in present]
        if names:
            body["members_present_names"] = names
        else:
            body.pop("members_present_names", None)
    return body


def _errors(page: TaskPage, messages: dict[str, list[str]]) -> dict[str, list[str]]:
    """A supplement's messages name ``updated_fields.<field>``: show them at the field."""
    if page.bpmn_id != "supplement":
        return messages
    return {k.removeprefix("updated_fields."): v for k, v in messages.items()}


def _render(
    page: TaskPage,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    checked: dict[str, Any] | None = None,
) -> str:
    shown = fields.views(page.specs(), values, errors) if page.may_work else []
    by_name = {f.spec["name"]: f for f in shown}
    preview = None
    if page.bpmn_id == "written_reply" and checked:
        with reading() as db:
            document = reply_preview(db, page.case, checked, actor().display_name, now())
        preview = render_template("reply.html", doc=document)
    return render_template(
        [f"web/task_{page.bpmn_id}.html", "web/task.html"],
        page=page,
        task=page.task,
        case=page.case,
        fields=shown,
        field=by_name,
        problems=fields.summary(shown, fields.unplaced(errors, shown)),
        checked=checked,
        background=page.background(),
        request_facts=rd.facts(
            rd.filing_specs(page.case.matter_type), page.data.get("request", {})
        ),
        vote=page.vote(),
        checked_shares=shares_of(page.data["vote_rule"], checked)
        if checked and "vote_outcome" in checked
        else [],
        present=set(request.form.getlist("present_member")),
        preview=preview,
        current_time=now(),
        supervision_actions=[
            (rd.event_title(e), e, rd.event_facts(e, page.case.matter_type))
            for e in page.supervision.actions
        ]
        if page.supervision
        else [],
    )


@bp.post("/tasks/<int:task_id>/arrangement")
def arrange(task_id: int) -> Response | tuple[str, int] | str:
    """The follow-up date and, for the party organization (or the supervising street),
    the due date and the priority."""
    page = TaskPage(task_id)
    changes: dict[str, Any] = {}
    problems: list[str] = []
    follow_up = request.form.get("follow_up_on", "").strip()
    due = request.form.get("due_on", "").strip()
    priority = request.form.get("priority", "").strip()
    try:
        if follow_up:
            changes["follow_up_at"] = day_start(date.fromisoformat(follow_up))
        if due:
            changes["due_at"] = day_start(date.fromisoformat(due) + timedelta(days=1))
    except ValueError:
        problems.append(_("日期格式应为 YYYY-MM-DD，如“2026-03-15”。"))
    if priority.isdigit():
        changes["priority"] = int(priority)
    elif priority:
        problems.append(_("优先级应为 0 至 100 的整数。"))
    if not problems:
        try:
            update_task(case_service(), actor(), task_id, changes)
        except InvalidInput as exc:
            problems = [m for messages in exc.messages.values() for m in messages]
        except Forbidden as exc:
            problems = [exc.message]
    if problems:
        flash("；".join(problems), "error")
        return _render(page, page.initial_values(), {}), 422
    flash(_("任务安排已保存。"), "success")
    return redirect(url_for(".show", task_id=task_id))


def day_start(day: date) -> datetime:
    """Midnight in Beijing: a due date ends at the next day's start, as periods do."""
    return datetime.combine(day, time(), SHANGHAI)


SUPERVISION_FIELDS = {
    "due_on": _("新的办理期限"),
    "reason": _("理由"),
    "held_on": _("约谈日期"),
    "attendees": _("参加人员"),
    "minutes": _("约谈纪要"),
    "instructions": _("督办意见"),
}
SUPERVISION_DONE = {
    "deadline": _("已为超期步骤重新限期，并通知了责任方。"),
    "summons": _("约谈已记录。"),
    "hand_back": _("已交回责任方办理，并通知了责任方。"),
}


@bp.post("/tasks/<int:task_id>/supervision")
def supervise(task_id: int) -> Response | tuple[str, int] | str:
    """The street's actions on its 督办: a new deadline, a 约谈, a hand-back."""
    page = TaskPage(task_id)
    action = request.form.get("action", "")
    if page.supervision is None or action not in SUPERVISION_DONE:
        return error_page(_("没有这项督办操作。"), 404)
    form = request.form
    try:
        if action == "deadline":
            street_powers.set_deadline(
                case_service(), actor(), task_id, _day("due_on"), form.get("reason", "")
            )
        elif action == "summons":
            street_powers.record_summons(
                case_service(),
                actor(),
                task_id,
                _day("held_on"),
                ATTENDEE_SEPARATORS.split(form.get("attendees", "")),
                form.get("minutes", ""),
            )
        else:
            street_powers.hand_back(case_service(), actor(), task_id, form.get("instructions", ""))
    except InvalidInput as exc:
        flash(
            "；".join(
                f"{SUPERVISION_FIELDS.get(name, name)}：{message}"
                for name, messages in exc.messages.items()
                for message in messages
            ),
            "error",
        )
        return _render(page, {}, {}), 422
    except (Forbidden, Conflict) as exc:
        flash(exc.message, "error")
        return _render(TaskPage(task_id), {}, {}), exc.status
    flash(SUPERVISION_DONE[action], "success")
    return redirect(url_for(".show", task_id=task_id))


# Attendees typed one a line, or separated as Chinese lists are.
ATTENDEE_SEPARATORS = re.compile(r"[\n、,，;；]")


def _day(name: str) -> date:
    """A date typed in the form field ``name``; InvalidInput naming it if it is not one."""
    try:
        return date.fromisoformat(request.form.get(name, "").strip())
    except ValueError as exc:
        raise InvalidInput({name: [_("日期格式应为 YYYY-MM-DD，如“2026-03-15”。")]}) from exc
