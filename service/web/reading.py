"""A case in the pages' words: its request, its history's entries, its files and votes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from service.cases.catalogue import filing_form, step_form
from service.cases.queries import VoteResult
from service.cases.vote_rules import vote_shares
from service.web.common import local_time, step_name
from workflows.i18n import _
from workflows.owners_vote import format_area, parse_area

EVENT_KINDS = {
    "case_filed": _("提出请示"),
    "task_completed": _("办理完成"),
    "timers_fired": _("办理期限届满"),
    "task_claimed": _("签收任务"),
    "task_unclaimed": _("取消签收"),
    "task_assigned": _("指派任务"),
    "task_due_changed": _("调整办理期限"),
    "task_follow_up_changed": _("设置跟进日期"),
    "task_priority_changed": _("调整优先级"),
    "task_updated": _("更新任务"),
    "comment_added": _("添加备注"),
    "attachment_added": _("上传附件"),
    "reminder_sent": _("到期提醒"),
    "escalated": _("超期提交街道督办"),
    "supervision_closed": _("督办自动办结"),
    "supervision_deadline_set": _("督办：重新限期"),
    "supervision_summons": _("督办：约谈"),
    "supervision_handed_back": _("督办：交回办理"),
}

END_EVENTS = {
    "case_closed": _("已办结"),
    "case_rejected": _("社区党组织不同意，案件结束"),
    "vote_failed": _("业主表决未通过，案件结束"),
}

CHANGED = {
    "due_at": _("办理期限"),
    "follow_up_at": _("跟进日期"),
    "priority": _("优先级"),
}

# Values the service adds to a step's data beside the form's own fields.
DERIVED = {
    "study_passed": _("集体研究是否通过"),
    "vote_passed": _("业主表决是否通过"),
    "reply_document_number": _("批复文号"),
    "reported_late": _("是否迟报"),
    "supervision_outcome": _("督办结果"),
}
SUPERVISION_OUTCOMES = {
    "resolved": _("街道党工委办结"),
    "step_completed": _("超期步骤已办理，督办随之办结"),
}


class Entry(Protocol):
    """An entry of a case's history, as the service reads it, with what the pages show."""

    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def task_bpmn_id(self) -> str | None: ...
    @property
    def data(self) -> dict[str, Any]: ...


def step_specs(matter_type: str, bpmn_id: str) -> list[dict[str, Any]]:
    """The form of a step in a case of this kind (matter or duty), as the API describes it."""
    return step_form(matter_type, bpmn_id)


def filing_specs(matter_type: str) -> list[dict[str, Any]]:
    """The request form of a case of this kind: a filing, an incident or a report's period."""
    return filing_form(matter_type)


def shown_value(spec: Mapping[str, Any], value: Any, data: Mapping[str, Any]) -> str:
    """A stored value in words: choices by their label, areas in m², yes/no in Chinese."""
    kind = spec["type"]
    if value is None or value == "":
        return "—"
    if kind == "choice":
        return next((c["label"] for c in spec.get("choices") or [] if c["value"] == value), value)
    if kind == "boolean":
        return _("是") if value else _("否")
    if kind == "area":
        return data.get(f"{spec['name']}_text") or format_area(value)
    if kind == "attachments":
        return "、".join(a.get("name", "") for a in value) or "—"
    if kind == "list" and "fields" in spec:
        return "；".join(
            "，".join(
                f"{inner['label']}：{shown_value(inner, row.get(inner['name']), row)}"
                for inner in spec["fields"]
            )
            for row in value
        )
    if kind == "list":
        labels = {c["value"]: c["label"] for c in (spec.get("item") or {}).get("choices") or []}
        return "、".join(labels.get(v, str(v)) for v in value)
    if kind == "object":
        return "、".join(str(k) for k in value) or "—"
    return str(value)


def facts(specs: list[dict[str, Any]], data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value in words) of every field present in ``data``, in form order."""
    rows = [
        (spec["label"], shown_value(spec, data[spec["name"]], data))
        for spec in specs
        if spec["name"] in data and spec["type"] != "object"
    ]
    for key, label in DERIVED.items():
        if key in data:
            value = data[key]
            rows.append(
                (
                    label,
                    shown_value({"type": "boolean"}, value, data)
                    if isinstance(value, bool)
                    else str(SUPERVISION_OUTCOMES.get(value, value))
                    if key == "supervision_outcome"
                    else str(value),
                )
            )
    return rows


def event_facts(
    event: Entry, matter_type: str, users: Mapping[int, str] | None = None
) -> list[tuple[str, str]]:
    """What an event recorded, in words."""
    users = users or {}
    data = event.data or {}
    if event.kind == "case_filed":
        return facts(filing_specs(matter_type), data.get("initial", {}).get("request", {}))
    if event.kind == "task_completed":
        submitted = data.get("data", {})
        rows = facts(step_specs(matter_type, data.get("task", "")), submitted)
        changed = submitted.get("updated_fields") or {}
        if changed:
            labels = {s["name"]: s["label"] for s in filing_specs(matter_type)}
            rows.append((_("补正的内容"), "、".join(labels.get(k, k) for k in changed)))
        return rows
    if event.kind == "timers_fired":
        return [(_("到期的办理期限"), "、".join(timer_name(t) for t in data.get("timers", [])))]
    if event.kind.startswith("supervision_"):
        return supervision_facts(event.kind, data)
    if event.kind == "reminder_sent":
        return [(_("办理期限"), _when(data.get("due_at")))]
    if event.kind == "escalated":
        missed = _("街道党工委重新确定的期限") if data.get("again") else _("办理期限")
        return [
            (_("超期的步骤"), step_name(str(data.get("step", "")))),
            (missed, _when(data.get("due_at"))),
        ]
    if event.kind == "comment_added":
        return [(_("备注内容"), str(data.get("body", "")))]
    if event.kind == "task_assigned":
        return [(_("指派给"), users.get(data.get("assignee_id"), _("无（收回）")))]
    if event.kind == "task_updated":
        return [
            (CHANGED.get(name, name), f"{_when(change.get('from'))} → {_when(change.get('to'))}")
            for name, change in data.get("changes", {}).items()
        ]
    return []


def supervision_facts(kind: str, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What the street did on a 督办, or how it closed, in words."""
    rows = [(_("被督办的步骤"), step_name(str(data.get("step", ""))))]
    if kind == "supervision_closed":
        rows.append((_("督办结果"), SUPERVISION_OUTCOMES["step_completed"]))
    elif kind == "supervision_deadline_set":
        rows += [
            (_("原办理期限"), _when(data.get("from"))),
            (_("新的办理期限"), _when(data.get("to"))),
            (_("理由"), str(data.get("reason", ""))),
        ]
    elif kind == "supervision_summons":
        rows += [
            (_("约谈日期"), str(data.get("held_on", ""))),
            (_("参加人员"), "、".join(data.get("attendees", []))),
            (_("约谈纪要"), str(data.get("minutes", ""))),
        ]
    elif kind == "supervision_handed_back":
        rows.append((_("督办意见"), str(data.get("instructions", ""))))
    return rows


def _when(value: Any) -> str:
    if isinstance(value, str) and len(value) > 10 and value[4] == "-":
        return local_time(datetime.fromisoformat(value))
    return "—" if value is None else str(value)


def timer_name(timer_id: str) -> str:
    step = timer_id.removeprefix("overdue_")
    name = step_name(step)
    return _("{step}超期").format(step=name) if name != step else timer_id


def event_title(event: Entry) -> str:
    kind = EVENT_KINDS.get(event.kind, event.kind)
    if event.task_bpmn_id:
        return f"{kind}：{step_name(event.task_bpmn_id)}"
    return kind


@dataclass(frozen=True)
class Attachment:
    step: str
    name: str
    sha256: str
    at: datetime


def attachments_of(events: Sequence[Entry], matter_type: str) -> list[Attachment]:
    """Every file the history refers to, with the step that brought it."""
    found: list[Attachment] = []
    seen: set[tuple[str, str]] = set()
    for event in events:
        if event.kind == "case_filed":
            step, specs = _("请示"), filing_specs(matter_type)
            data = event.data.get("initial", {}).get("request", {})
        elif event.kind == "task_completed":
            task = event.data.get("task", "")
            step, data = step_name(task), event.data.get("data", {})
            specs = step_specs(matter_type, task)
            if "request" in data:
                specs = specs + [
                    s | {"name": f"request.{s['name']}"} for s in filing_specs(matter_type)
                ]
                data = {**data, **{f"request.{k}": v for k, v in data["request"].items()}}
        else:
            continue
        for spec in specs:
            if spec["type"] != "attachments":
                continue
            for item in data.get(spec["name"]) or []:
                key = (item.get("sha256", ""), item.get("name", ""))
                if key not in seen:
                    seen.add(key)
                    found.append(Attachment(step, key[1], key[0], event.at))
    return found


def vote_lines(vote: VoteResult) -> list[str]:
    """An owners' vote result as shares beside its thresholds."""
    if vote.rule not in ("double_majority", "three_quarters") or vote.base_area is None:
        return []
    return vote_shares(
        vote.rule,
        parse_area(vote.base_area),
        vote.base_owners,
        parse_area(vote.participating_area),
        vote.participating_owners,
        parse_area(vote.approving_area),
        vote.approving_owners,
    )
