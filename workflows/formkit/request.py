"""The request (请示) every matter starts with; each matter's filing form extends it."""

from __future__ import annotations

from typing import Any, ClassVar

from workflows.applicants import APPLICANT_KINDS, OWNERS_COMMITTEE
from workflows.formkit.attachments import Attachments
from workflows.formkit.base import Findings, FormSchema, StepContext
from workflows.formkit.fields import Area, Choice, Count, Money, Text
from workflows.i18n import _


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


def applicant_choice(kinds: tuple[str, ...]) -> Choice:
    """The applicant kinds a matter accepts, as the choice its filing form offers."""
    return Choice(_("申请单位类型"), {k: APPLICANT_KINDS[k] for k in kinds})


def sub_type_choice(sub_types: dict[str, str]) -> Choice:
    """The matter's sub-types; the DMN picks the vote rule from the one chosen."""
    return Choice(_("事项类别"), sub_types)
