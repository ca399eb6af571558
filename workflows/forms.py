"""Filing and step forms: what applicants and the party organization submit, and the checks.

Each form is a marshmallow schema whose fields carry a Chinese label (and help) so UIs can
render them (``describe_form``) and every error names what to fix. Rules that need the
case, the settings or the clock run after loading (``FormSchema.check``); a policy set to
"warn" turns its rule into a warning instead of a refusal. The cleaned output is plain
JSON (ISO dates, areas as int hundredths of m² plus ``<name>_text``, money as "0.00"
strings) because it goes into the workflow data and the append-only event log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, post_dump, validate

from workflows import periods
from workflows.catalogue import (
    APPLICANT_KINDS,
    EMERGENCY_CATEGORY_LABELS,
    OWNERS_COMMITTEE,
    PROPERTY_FIRM,
    STEP_NAMES,
    matter,
)
from workflows.collective_study import MeetingType, evaluate_study
from workflows.committee_rules import (
    committee_size_valid,
    party_share_met,
    preparatory_group_valid,
)
from workflows.i18n import _
from workflows.owners_vote import VoteRule, VoteTally, evaluate_vote, format_area, parse_area
from workflows.settings import Settings
from workflows.work_calendar import SHANGHAI, WorkCalendar

NOTICE_DAYS = 15  # 物业管理条例 art 14
FILING_DAYS = 30  # 物业管理条例 art 16
COMMITTEE_FIRST_MEETING_DAYS = 7  # 业主大会和业主委员会指导规则
COMMITTEE_MAX_TERM_YEARS = 5  # 业主大会和业主委员会指导规则
OWNERS_DISMISSAL_NOTICE_DAYS = 60  # 民法典 art 946
FIRM_NON_RENEWAL_NOTICE_DAYS = 90  # 民法典 art 947
INCOME_PUBLICATION_DAYS = 30
INCOME_PUBLICATION_MONTH, INCOME_PUBLICATION_DAY = 3, 31

_CENT = Decimal("0.01")
_MONEY = re.compile(r"\d{1,13}(\.\d{1,2})?")
_INTEGER = re.compile(r"[+-]?\d{1,12}")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
_CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}\Z")


class FormError(Exception):
    """A submission the service must refuse; ``messages`` maps field paths to Chinese text."""

    def __init__(self, messages: Mapping[str, list[str]]) -> None:
        self.messages: dict[str, list[str]] = {k: list(v) for k, v in messages.items()}
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in self.messages.items()))


@dataclass(frozen=True)
class StepContext:
    """What a check may consult besides the submission itself."""

    matter_type: str
    sub_type: str
    request: Mapping[str, Any]
    data: Mapping[str, Any]
    settings: Settings
    calendar: WorkCalendar
    now: datetime

    @property
    def today(self) -> date:
        """The service's current day in Beijing time, which all date rules refer to."""
        return self.now.astimezone(SHANGHAI).date()


@dataclass
class Findings:
    """Errors and warnings collected by the checks of one submission."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)

    def error(self, name: str, message: str) -> None:
        """Refuse the submission because of ``name``."""
        self.errors.setdefault(name, []).append(message)

    def warn(self, name: str, message: str) -> None:
        """Accept the submission but tell the user about ``name``."""
        self.warnings.append({"field": name, "message": message})

    def policy(self, policy: str, name: str, message: str) -> None:
        """Apply a warn/block setting; anything but "warn" blocks, the safe default."""
        if policy == "warn":
            self.warn(name, message)
        else:
            self.error(name, message)


# ---------------------------------------------------------------- fields


class _Labelled:
    """Field mixin: a required Chinese label, and Chinese messages that quote it."""

    form_type: ClassVar[str] = "text"
    default_error_messages: ClassVar[dict[str, str]] = {
        "required": _("请填写“{label}”。"),
        "null": _("“{label}”不能为空，请填写。"),
        "validator_failed": _("“{label}”的值无效，请检查后重新填写。"),
        "invalid": _("“{label}”的格式不正确，请检查后重新填写。"),
        "invalid_utf8": _("“{label}”包含无法识别的字符，请重新输入。"),
        "format": _("“{label}”的格式不正确，请检查后重新填写。"),
        "type": _("“{label}”的格式不正确，请检查后重新填写。"),
        "invalid_awareness": _("“{label}”的格式不正确，请检查后重新填写。"),
    }
    metadata: Mapping[str, Any]
    required: bool

    def __init__(
        self, label: str, *, help_text: str = "", required: bool = True, **kwargs: Any
    ) -> None:
        metadata = {"label": label, "help": help_text} if help_text else {"label": label}
        super().__init__(required=required, metadata=metadata, **kwargs)  # type: ignore[call-arg]

    @property
    def label(self) -> str:
        """The Chinese label users see."""
        return self.metadata["label"]

    def make_error(self, key: str, **kwargs: Any) -> ValidationError:
        """Every message gets the field's label so it says what to fix."""
        return super().make_error(key, label=self.label, **kwargs)  # type: ignore[misc]

    def describe(self) -> dict[str, Any]:
        """Extra keys for ``describe_form`` beyond name, type, label, help, required."""
        return {}


class Text(_Labelled, fields.String):
    """Free text, trimmed; a required text may not be blank."""

    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应为文字，请重新填写。"),
        "blank": _("请填写“{label}”，不能只填空格。"),
        "too_long": _("“{label}”不能超过 {max} 个字，请精简后再提交。"),
    }

    def __init__(self, label: str, *, max_length: int = 5000, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.max_length = max_length

    @property
    def form_type(self) -> str:  # type: ignore[override]
        """Short texts render as one line, long ones as a text area."""
        return "string" if self.max_length <= 255 else "textarea"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text and self.required:
            raise self.make_error("blank")
        if len(text) > self.max_length:
            raise self.make_error("too_long", max=self.max_length)
        return text

    def describe(self) -> dict[str, Any]:
        return {"max_length": self.max_length}


class Count(_Labelled, fields.Field):
    """A whole number of people, members, spaces or years."""

    form_type: ClassVar[str] = "integer"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应为整数，请重新填写。"),
        "too_small": _("“{label}”不能小于 {min}，请重新填写。"),
        "too_large": _("“{label}”不能大于 {max}，请重新填写。"),
    }

    def __init__(
        self, label: str, *, min_value: int = 0, max_value: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(label, **kwargs)
        self.min_value = min_value
        self.max_value = max_value

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        if value < self.min_value:
            raise self.make_error("too_small", min=self.min_value)
        if self.max_value is not None and value > self.max_value:
            raise self.make_error("too_large", max=self.max_value)
        return value

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> int | None:
        return value

    def describe(self) -> dict[str, Any]:
        return {"min": self.min_value, "max": self.max_value}


class Area(_Labelled, fields.Field):
    """Square metres typed as text ("123.45"), held as exact hundredths (never a float)."""

    form_type: ClassVar[str] = "area"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应填写以平方米为单位的非负数字，最多两位小数，如“123.45”。"),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            return parse_area(value)
        except (TypeError, ValueError):
            raise self.make_error("invalid") from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> int | None:
        return value


class Money(_Labelled, fields.Field):
    """An amount in yuan typed as text ("1234.50"), exact to the fen."""

    form_type: ClassVar[str] = "money"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应填写以元为单位的非负金额，最多两位小数，如“1234.50”。"),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if not isinstance(value, str) or not _MONEY.fullmatch(value.strip()):
            raise self.make_error("invalid")
        return Decimal(value.strip())

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(Decimal(value).quantize(_CENT))


class Choice(_Labelled, fields.String):
    """One code out of a fixed set, each with its Chinese label."""

    form_type: ClassVar[str] = "choice"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应为选项之一，请重新选择。"),
        "invalid_choice": _("“{label}”只能选择：{choices}。"),
    }

    def __init__(self, label: str, choices: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.choices = dict(choices)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        code = super()._deserialize(value, attr, data, **kwargs)
        if code not in self.choices:
            raise self.make_error("invalid_choice", choices="、".join(self.choices.values()))
        return code

    def describe(self) -> dict[str, Any]:
        return {"choices": [{"value": k, "label": v} for k, v in self.choices.items()]}


class Flag(_Labelled, fields.Boolean):
    """A yes/no answer."""

    form_type: ClassVar[str] = "boolean"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应选择“是”或“否”。"),
    }


class Day(_Labelled, fields.Date):
    """A calendar day "YYYY-MM-DD"; ``past`` days record facts and cannot be after today."""

    form_type: ClassVar[str] = "date"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应为日期，格式为 YYYY-MM-DD，如“2024-05-01”。"),
    }

    def __init__(self, label: str, *, past: bool = False, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.past = past

    def describe(self) -> dict[str, Any]:
        return {"not_after_today": self.past}


class Moment(_Labelled, fields.AwareDateTime):
    """A point in time; without an offset it is read as Beijing time."""

    form_type: ClassVar[str] = "datetime"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应为日期时间，格式为 YYYY-MM-DDTHH:MM，如“2024-05-01T08:30”。"),
        "invalid_awareness": _("“{label}”应为日期时间，格式为 YYYY-MM-DDTHH:MM。"),
    }

    def __init__(self, label: str, *, past: bool = False, **kwargs: Any) -> None:
        super().__init__(label, default_timezone=SHANGHAI, **kwargs)
        self.past = past

    def describe(self) -> dict[str, Any]:
        return {"not_after_now": self.past}


class Record(_Labelled, fields.Nested):
    """One structured entry of a list (an attachment, a candidate)."""

    form_type: ClassVar[str] = "object"
    default_error_messages: ClassVar[dict[str, str]] = {
        "type": _("“{label}”中的每一项应为对象，请检查。"),
    }


class Items(_Labelled, fields.List):
    """A list of entries; ``min_items`` > 0 makes an empty list an error."""

    form_type: ClassVar[str] = "list"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应为列表，请检查。"),
        "too_few": _("“{label}”至少需要 {min} 项，请补充。"),
    }

    def __init__(
        self, label: str, inner: fields.Field, *, min_items: int = 0, **kwargs: Any
    ) -> None:
        super().__init__(label, cls_or_instance=inner, **kwargs)
        self.min_items = min_items

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        items = super()._deserialize(value, attr, data, **kwargs)
        if len(items) < self.min_items:
            raise self.make_error("too_few", min=self.min_items)
        return items

    def describe(self) -> dict[str, Any]:
        if isinstance(self.inner, Record):
            return {"min_items": self.min_items, "fields": describe_form(type(self.inner.schema))}
        return {"min_items": self.min_items, "item": _describe_field("item", self.inner)}


class FieldUpdates(_Labelled, fields.Dict):
    """Field name → new value pairs (the corrections of a supplement)."""

    form_type: ClassVar[str] = "object"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": _("“{label}”应为“字段名: 新内容”形式的对象，请检查。"),
    }


# ---------------------------------------------------------------- schemas


class FormSchema(Schema):
    """Base of every form: Chinese schema-level messages, JSON-ready area output."""

    error_messages: ClassVar[dict[str, str]] = {  # type: ignore[misc]
        "type": _("提交的内容格式不正确，应为表单对象。"),
        "unknown": _("表单中没有这一项，请删除后再提交。"),
    }

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        """Rules that need the case, the settings or the clock; returns derived values."""
        return {}

    def label(self, name: str) -> str:
        """Chinese label of one of this form's fields, for messages written in checks."""
        return self.fields[name].metadata["label"]

    def require(self, data: dict[str, Any], names: tuple[str, ...], when: str, f: Findings) -> bool:
        """Demand fields the situation ``when`` makes mandatory; True when all are present."""
        missing = [n for n in names if data.get(n) in (None, "")]
        for name in missing:
            f.error(
                name, _("{when}时必须填写“{label}”。").format(when=when, label=self.label(name))
            )
        return not missing

    @post_dump
    def _with_area_text(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Add "123.45" next to each area in hundredths, for display without re-formatting."""
        for name, fld in self.fields.items():
            if isinstance(fld, Area) and data.get(name) is not None:
                data[f"{name}_text"] = format_area(data[name])
        return data


class AttachmentForm(FormSchema):
    """A stored file, identified by the hash the upload service returned."""

    name = Text(_("文件名"), max_length=255)
    sha256 = Text(
        _("文件校验值（SHA-256）"),
        max_length=64,
        help_text=_("上传文件后系统生成的 64 位小写十六进制校验值"),
        validate=validate.Regexp(
            _SHA256, error=_("文件校验值应为 64 位小写十六进制字符，请重新上传文件。")
        ),
    )


class Attachments(Items):
    """Uploaded files; ``min_items`` > 0 when the step needs proof."""

    form_type: ClassVar[str] = "attachments"

    def __init__(self, label: str, *, min_items: int = 0, help_text: str = "") -> None:
        super().__init__(
            label,
            Record(label, nested=AttachmentForm),
            min_items=min_items,
            required=min_items > 0,
            help_text=help_text,
        )


# ---------------------------------------------------------------- shared helpers


def _start(day: date) -> datetime:
    """Midnight at the start of ``day`` in Beijing, the start instant periods count from."""
    return datetime.combine(day, time(), SHANGHAI)


def _last_day(start: date, days: int, ctx: StepContext, f: Findings, name: str) -> date:
    """Last day of a period of ``days`` days after ``start`` (民法典 201–203).

    The start day is not counted and a period ending on a holiday runs to the next
    working day; days no calendar covers become warnings instead of failures.
    """
    end = periods.period_end(_start(start), days, ctx.calendar)
    last = end.astimezone(SHANGHAI).date() - timedelta(days=1)
    for message in ctx.calendar.warnings_between(start, last):
        f.warn(name, message)
    return last


def _within_days(
    form: FormSchema,
    data: dict[str, Any],
    name: str,
    start: date,
    days: int,
    ctx: StepContext,
    f: Findings,
    since: str,
) -> None:
    """Require ``data[name]`` no earlier than ``start`` and within ``days`` days of it."""
    event = data[name]
    if event < start:
        f.error(
            name,
            _("“{label}”不能早于{since}（{start}）。").format(
                label=form.label(name), since=since, start=start.isoformat()
            ),
        )
        return
    last = _last_day(start, days, ctx, f, name)
    if event > last:
        f.error(
            name,
            _("“{label}”应在{since}（{start}）后 {days} 日内，即不晚于 {last}。").format(
                label=form.label(name),
                since=since,
                start=start.isoformat(),
                days=days,
                last=last.isoformat(),
            ),
        )


def _notice_ok(
    form: FormSchema, notice: date, meeting: date, name: str, days: int, f: Findings
) -> None:
    """Refuse ``name`` (the later date) unless ``days`` full days separate it from notice."""
    if not periods.notice_period_met(notice, meeting, days):
        f.error(
            name,
            _(
                "“{label}”（{meeting}）与通知日（{notice}）之间应至少间隔 {days} 日，请调整。"
            ).format(
                label=form.label(name),
                meeting=meeting.isoformat(),
                notice=notice.isoformat(),
                days=days,
            ),
        )


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


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


# ---------------------------------------------------------------- filing forms


class FilingForm(FormSchema):
    """The request (请示) every matter starts with (domain.md §3.1)."""

    MATTER: ClassVar[str]

    applicant_kind = Choice(_("申请单位类型"), APPLICANT_KINDS)
    title = Text(_("请示标题"), max_length=200)
    reasons = Text(_("请示事由"), help_text=_("说明为什么需要办理本事项"))
    legal_basis = Text(
        _("法律依据及表决规则"),
        help_text=_("写明依据的法律法规条款，以及将适用的业主表决规则"),
    )
    plan = Text(_("实施方案"), help_text=_("方案、合同或协议的主要内容"))
    budget = Money(_("预算金额（元）"), required=False)
    affected_area = Area(_("涉及专有部分面积（平方米）"))
    affected_owners = Count(_("涉及业主人数"), min_value=1)
    attachments = Attachments(_("附件"), help_text=_("方案、合同文本、测算表等"))
    committee_members_total = Count(
        _("业主委员会委员总数"),
        min_value=1,
        required=False,
        help_text=_("申请单位为业主委员会时必填"),
    )
    committee_members_present = Count(
        _("出席业主委员会会议的委员人数"),
        required=False,
        help_text=_("申请单位为业主委员会时必填；须超过委员总数的半数"),
    )
    committee_members_agreeing = Count(
        _("同意提交请示的委员人数"),
        required=False,
        help_text=_("申请单位为业主委员会时必填；须超过全体委员的半数"),
    )

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        """The committee's own resolution comes first, then the matter's own rules."""
        if data["applicant_kind"] == OWNERS_COMMITTEE:
            self._check_resolution(data, findings)
        self.check_matter(data, ctx, findings)
        return {}

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        """Rules specific to one matter type (domain.md §5)."""

    def _check_resolution(self, data: dict[str, Any], f: Findings) -> None:
        """The committee's own resolution: > 1/2 of members present, > 1/2 of ALL agreeing."""
        names = (
            "committee_members_total",
            "committee_members_present",
            "committee_members_agreeing",
        )
        if not self.require(data, names, _("申请单位为业主委员会"), f):
            return
        total, present, agreeing = (data[n] for n in names)
        if present > total:
            f.error(names[1], _("出席委员人数不能超过委员总数。"))
        elif present * 2 <= total:
            f.error(
                names[1],
                _(
                    "出席委员 {present} 人，未超过委员总数 {total} 人的半数"
                    "（至少需 {required} 人），会议不能作出决定。"
                ).format(present=present, total=total, required=total // 2 + 1),
            )
        if agreeing > present:
            f.error(names[2], _("同意的委员人数不能超过出席人数。"))
        elif agreeing * 2 <= total:
            f.error(
                names[2],
                _(
                    "同意的委员 {agreeing} 人，未超过全体委员 {total} 人的半数"
                    "（至少需 {required} 人），业主委员会的决定未通过。"
                ).format(agreeing=agreeing, total=total, required=total // 2 + 1),
            )


def _applicant_kind(code: str) -> Choice:
    """The applicant kinds a matter accepts, as the choice the form offers."""
    kinds = matter(code).applicant_kinds
    return Choice(_("申请单位类型"), {k: APPLICANT_KINDS[k] for k in kinds})


def _sub_type(code: str) -> Choice:
    """The matter's sub-types; the DMN picks the vote rule from it."""
    return Choice(_("事项类别"), matter(code).sub_types)


class AssemblyFormationFiling(FilingForm):
    """业主大会成立: the group and the first meeting are recorded in later steps."""

    MATTER = "assembly_formation"
    applicant_kind = _applicant_kind(MATTER)


class CommitteeElectionFiling(FilingForm):
    """业主委员会选举: a change of term must be held well before the term ends."""

    MATTER = "committee_election"
    applicant_kind = _applicant_kind(MATTER)
    sub_type = _sub_type(MATTER)
    term_end_date = Day(_("本届业主委员会任期届满日"), required=False, help_text=_("换届时必填"))
    election_meeting_date = Day(_("拟召开选举会议日期"))

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        if data["sub_type"] != "change_of_term":
            return
        if not self.require(data, ("term_end_date",), _("换届"), findings):
            return
        months = ctx.settings.election_lead_months
        latest = _months_before(data["term_end_date"], months)
        if data["election_meeting_date"] > latest:
            findings.error(
                "election_meeting_date",
                _("换届选举会议应在任期届满 {months} 个月前召开，即不晚于 {latest}。").format(
                    months=months, latest=latest.isoformat()
                ),
            )


SELECTION_METHODS = {"tender": _("招标"), "agreement": _("协议选聘")}


class FirmEntryFiling(FilingForm):
    """物业服务企业进驻: the firm itself is chosen after approval (firm_selection)."""

    MATTER = "firm_entry"
    applicant_kind = _applicant_kind(MATTER)
    selection_method = Choice(_("选聘方式"), SELECTION_METHODS)


INITIATORS = {"owners": _("业主共同决定解聘"), "firm": _("物业服务企业不再续聘")}


class FirmExitFiling(FilingForm):
    """物业服务企业退出: written notice 60 days (owners dismiss) or 90 days (firm leaves)."""

    MATTER = "firm_exit"
    applicant_kind = _applicant_kind(MATTER)
    initiator = Choice(_("退出原因"), INITIATORS)
    firm_name = Text(_("退出的物业服务企业名称"), max_length=200)
    notice_date = Day(
        _("书面通知日期"), help_text=_("业主解聘提前60日、企业不续聘提前90日书面通知")
    )
    service_end_date = Day(
        _("物业服务合同终止日期"),
        help_text=_("原物业服务企业服务的最后一日；距书面通知日期不少于通知期天数"),
    )

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        if data["applicant_kind"] == PROPERTY_FIRM and data["initiator"] == "owners":
            findings.error(
                "initiator",
                _("业主共同决定解聘时，应由业主委员会或物业管理委员会提出申请。"),
            )
        days = (
            OWNERS_DISMISSAL_NOTICE_DAYS
            if data["initiator"] == "owners"
            else FIRM_NON_RENEWAL_NOTICE_DAYS
        )
        if periods.days_between(data["notice_date"], data["service_end_date"]) < days:
            findings.error(
                "notice_date",
                _(
                    "{initiator}应至少提前 {days} 日书面通知（民法典第九百四十六条至"
                    "第九百四十八条），通知日期 {notice} 距合同终止日期 {end} 不足 {days} 日。"
                ).format(
                    initiator=INITIATORS[data["initiator"]],
                    days=days,
                    notice=data["notice_date"].isoformat(),
                    end=data["service_end_date"].isoformat(),
                ),
            )


class FundNormalFiling(FilingForm):
    """专项维修资金一般使用: the budget must be covered by the fund's balance."""

    MATTER = "fund_normal"
    applicant_kind = _applicant_kind(MATTER)
    budget = Money(_("预算金额（元）"))
    affected_area = Area(
        _("列支范围内专有部分面积（平方米）"),
        help_text=_("分摊费用的业主的专有部分面积合计，即业主表决的面积基数"),
    )
    affected_owners = Count(
        _("列支范围内业主人数"),
        min_value=1,
        help_text=_("分摊费用的业主人数，即业主表决的人数基数"),
    )
    work_items = Text(_("维修、更新、改造项目"))
    cost_sharing_scope = Text(_("费用分摊（列支）范围"), help_text=_("如：3号楼全体业主"))
    fund_balance = Money(_("列支范围内维修资金余额（元）"))

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        if data["budget"] > data["fund_balance"]:
            findings.error(
                "budget",
                _("预算 {budget} 元超过列支范围内维修资金余额 {balance} 元，请调整方案。").format(
                    budget=data["budget"], balance=data["fund_balance"]
                ),
            )


class FundEmergencyFiling(FilingForm):
    """应急解危: only listed emergencies, reported to the party organization promptly."""

    MATTER = "fund_emergency"
    applicant_kind = _applicant_kind(MATTER)
    emergency_category = Choice(_("紧急情况类别"), EMERGENCY_CATEGORY_LABELS)
    occurred_at = Moment(_("发生时间"), past=True)
    reported_at = Moment(_("报告社区党组织时间"), past=True)
    urgent_measures = Text(_("已采取的应急措施"))

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        if data["emergency_category"] not in ctx.settings.emergency_categories:
            findings.error(
                "emergency_category",
                _("该情况不在应急解危范围内，请按“专项维修资金使用（一般）”申请。"),
            )
        occurred, reported = data["occurred_at"], data["reported_at"]
        hours = ctx.settings.emergency_report_hours
        if reported < occurred:
            findings.error("reported_at", _("报告时间不能早于发生时间。"))
        elif reported > periods.hours_deadline(occurred, hours):
            findings.error(
                "reported_at",
                _("应在发生后 {hours} 小时内报告社区党组织，本次已超时。").format(hours=hours),
            )


class CommonIncomeFiling(FilingForm):
    """共用设施设备经营收益: spending (278 九) or a new business use (278 八)."""

    MATTER = "common_income"
    applicant_kind = _applicant_kind(MATTER)
    sub_type = _sub_type(MATTER)
    budget = Money(_("拟支出金额（元）"), required=False, help_text=_("收益支出时必填"))
    income_balance = Money(_("经营收益结余（元）"), required=False, help_text=_("收益支出时必填"))
    common_parts = Text(
        _("拟利用的共有部分"), max_length=200, required=False, help_text=_("从事经营时必填")
    )
    business_use = Text(_("经营内容"), required=False, help_text=_("从事经营时必填"))

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        if data["sub_type"] == "new_business_use":
            self.require(
                data, ("common_parts", "business_use"), _("利用共有部分从事经营"), findings
            )
            return
        if self.require(data, ("budget", "income_balance"), _("收益支出"), findings) and (
            data["budget"] > data["income_balance"]
        ):
            findings.error(
                "budget",
                _("拟支出 {budget} 元超过经营收益结余 {balance} 元。").format(
                    budget=data["budget"], balance=data["income_balance"]
                ),
            )


PRICE_REGIMES = {"market": _("市场调节价"), "government_guided": _("政府指导价")}


class FeeAdjustmentFiling(FilingForm):
    """收费标准调整: a government-guided fee must stay within base ± range (1864号)."""

    MATTER = "fee_adjustment"
    applicant_kind = _applicant_kind(MATTER)
    price_regime = Choice(_("价格管理形式"), PRICE_REGIMES)
    current_fee = Money(_("现行收费标准（元/平方米·月）"))
    proposed_fee = Money(_("拟调整收费标准（元/平方米·月）"))
    base_price = Money(
        _("政府指导价基准价（元/平方米·月）"), required=False, help_text=_("政府指导价时必填")
    )
    float_range = Money(
        _("政府指导价浮动幅度（元/平方米·月）"),
        required=False,
        help_text=_("允许上下浮动的金额，政府指导价时必填"),
    )

    def check_matter(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> None:
        if data["price_regime"] != "government_guided":
            return
        names = ("base_price", "float_range")
        if not self.require(data, names, _("实行政府指导价"), findings):
            return
        low = max(Decimal(0), data["base_price"] - data["float_range"])
        high = data["base_price"] + data["float_range"]
        if not low <= data["proposed_fee"] <= high:
            findings.error(
                "proposed_fee",
                _("实行政府指导价时，收费标准应在 {low} 至 {high} 元/平方米·月之间。").format(
                    low=low.quantize(_CENT), high=high.quantize(_CENT)
                ),
            )


class ParkingAllocationFiling(FilingForm):
    """车位分配: owners first (民法典 275–276); new spaces on common land are 278 八."""

    MATTER = "parking_allocation"
    applicant_kind = _applicant_kind(MATTER)
    sub_type = _sub_type(MATTER)
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


FILING_FORMS: dict[str, type[FilingForm]] = {
    form.MATTER: form
    for form in (
        AssemblyFormationFiling,
        CommitteeElectionFiling,
        FirmEntryFiling,
        FirmExitFiling,
        FundNormalFiling,
        FundEmergencyFiling,
        CommonIncomeFiling,
        FeeAdjustmentFiling,
        ParkingAllocationFiling,
    )
}


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


_FIXED_AFTER_FILING = ("sub_type", "initiator")


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
        for name in _FIXED_AFTER_FILING:
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
            request = validate_filing(ctx.matter_type, merged, ctx)
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
    """街道督办 of an overdue step: what the street did and when it follows up."""

    supervision_note = Text(_("督办意见"))
    follow_up_date = Day(_("跟进日期"), required=False)

    def check(self, data: dict[str, Any], ctx: StepContext, findings: Findings) -> dict[str, Any]:
        if data.get("follow_up_date") and data["follow_up_date"] <= ctx.today:
            findings.error("follow_up_date", _("跟进日期应晚于今天。"))
        return {}


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
        _notice_ok(
            self,
            data["vote_notice_date"],
            data["vote_meeting_date"],
            "vote_meeting_date",
            NOTICE_DAYS,
            findings,
        )
        self._check_counts(data, findings)
        if ctx.matter_type == "fund_normal":
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


# ---------------------------------------------------------------- matter steps

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
        _within_days(
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
        _notice_ok(
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
            _within_days(
                self,
                data,
                "committee_first_meeting_date",
                elected,
                COMMITTEE_FIRST_MEETING_DAYS,
                ctx,
                findings,
                since,
            )
            _within_days(self, data, "filing_date", elected, FILING_DAYS, ctx, findings, since)
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
            _within_days(
                self,
                data,
                "handover_date",
                elected,
                ctx.settings.committee_handover_days,
                ctx,
                findings,
                since,
            )
            _within_days(self, data, "filing_date", elected, FILING_DAYS, ctx, findings, since)
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
        last = _last_day(end, days, ctx, findings, "handover_date")
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
                _("划转金额超过批准的预算 {budget} 元。").format(budget=budget.quantize(_CENT)),
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
                    fee=approved.quantize(_CENT)
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


STEP_FORMS: dict[str, type[FormSchema]] = {
    "acceptance_check": AcceptanceCheckForm,
    "supplement": SupplementForm,
    "collective_study": CollectiveStudyForm,
    "written_reply": WrittenReplyForm,
    "implementation_report": ImplementationReportForm,
    "oversight_review": OversightReviewForm,
    "rectification": RectificationForm,
    "owners_vote": OwnersVoteForm,
    "preparatory_group": PreparatoryGroupForm,
    "committee_formation": CommitteeFormationForm,
    "candidate_vetting": CandidateVettingForm,
    "handover_and_filing": HandoverAndFilingForm,
    "firm_selection": FirmSelectionForm,
    "contract_and_handover": ContractAndHandoverForm,
    "handover_checklist": HandoverChecklistForm,
    "works_acceptance": WorksAcceptanceForm,
    "fund_payment": FundPaymentForm,
    "emergency_acknowledgement": EmergencyAcknowledgementForm,
    "cost_report": CostReportForm,
    "income_publication": IncomePublicationForm,
    "cost_publication": CostPublicationForm,
    "contract_terms": ContractTermsForm,
    "allocation_plan_publication": AllocationPlanPublicationForm,
    "allocation_result": AllocationResultForm,
}


# ---------------------------------------------------------------- public API


def filing_schema(matter_type: str) -> type[FilingForm]:
    """The request form of a matter type; KeyError on an unknown type."""
    return FILING_FORMS[matter_type]


def step_schema(task_id: str) -> type[FormSchema]:
    """The form of a user task; every ``supervise_<task>`` shares the supervision form."""
    if task_id.startswith("supervise_") and task_id in STEP_NAMES:
        return SupervisionForm
    return STEP_FORMS[task_id]


def validate_filing(
    matter_type: str, payload: Mapping[str, Any], ctx: StepContext
) -> dict[str, Any]:
    """Clean a request (请示) or raise FormError saying what to fix."""
    return _run(filing_schema(matter_type), payload, ctx)


def validate_step(task_id: str, payload: Mapping[str, Any], ctx: StepContext) -> dict[str, Any]:
    """Clean a step's submission and add what the model's gateways read, or raise FormError."""
    return _run(step_schema(task_id), payload, ctx)


def validate_form(
    schema_cls: type[FormSchema], payload: Mapping[str, Any], ctx: StepContext
) -> dict[str, Any]:
    """Clean a submission of a form kept elsewhere (the periodic duties'), or raise FormError."""
    return _run(schema_cls, payload, ctx)


def describe_form(schema: type[Schema]) -> list[dict[str, Any]]:
    """Fields of a form in order, with what a UI needs to render and explain them."""
    return [_describe_field(name, fld) for name, fld in schema().fields.items()]


def _describe_field(name: str, fld: fields.Field) -> dict[str, Any]:
    """One field for ``describe_form``; ``choices`` is None unless the field offers some."""
    described: dict[str, Any] = {
        "name": name,
        "type": getattr(fld, "form_type", "text"),
        "label": fld.metadata.get("label", name),
        "help": fld.metadata.get("help", ""),
        "required": fld.required,
        "choices": None,
    }
    if isinstance(fld, _Labelled):
        described.update(fld.describe())
    return described


def _run(schema_cls: type[FormSchema], payload: Mapping[str, Any], ctx: StepContext) -> dict:
    """Load, check against the case, and dump to JSON-ready data with derived values."""
    schema = schema_cls()
    try:
        loaded = schema.load(payload)
    except ValidationError as error:
        raise FormError(_flatten(error.messages)) from None
    findings = Findings()
    _check_not_future(schema, loaded, ctx, findings)
    derived = schema.check(loaded, ctx, findings)
    if findings.errors:
        raise FormError(findings.errors)
    return {**schema.dump(loaded), **derived, "warnings": findings.warnings}


def _check_not_future(
    schema: FormSchema, data: dict[str, Any], ctx: StepContext, f: Findings
) -> None:
    """Dates recording facts cannot lie after the service clock's today (or now)."""
    for name, fld in schema.fields.items():
        value = data.get(name)
        if value is None or not getattr(fld, "past", False):
            continue
        if isinstance(fld, Moment) and value > ctx.now:
            f.error(name, _("“{label}”不能晚于当前时间。").format(label=schema.label(name)))
        elif isinstance(fld, Day) and value > ctx.today:
            f.error(
                name,
                _("“{label}”不能晚于今天（{today}）。").format(
                    label=schema.label(name), today=ctx.today.isoformat()
                ),
            )


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested errors as "field.index.field" → messages."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            for name, texts in _flatten(value, path).items():
                flat.setdefault(name, []).extend(texts)
        return flat
    texts = messages if isinstance(messages, list) else [messages]
    return {prefix or "_schema": [str(t) for t in texts]}


def _as_input(form: FormSchema, cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """Turn a cleaned filing back into form input (areas back to "123.45") to re-validate it."""
    raw: dict[str, Any] = {}
    for name, fld in form.fields.items():
        if name in cleaned:
            value = cleaned[name]
            raw[name] = format_area(value) if isinstance(fld, Area) else value
    return raw
