"""The request (请示) forms, one per matter type, and their lookup and validation."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from workflows import periods
from workflows.catalogue import (
    APPLICANT_KINDS,
    EMERGENCY_CATEGORY_LABELS,
    OWNERS_COMMITTEE,
    PROPERTY_FIRM,
    matter,
)
from workflows.forms.attachments import Attachments
from workflows.forms.base import Findings, FormSchema, StepContext
from workflows.forms.fields import CENT, Area, Choice, Count, Day, Moment, Money, Text
from workflows.forms.time_limits import (
    FIRM_NON_RENEWAL_NOTICE_DAYS,
    OWNERS_DISMISSAL_NOTICE_DAYS,
    months_before,
)
from workflows.forms.validation import run
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
        latest = months_before(data["term_end_date"], months)
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
                    low=low.quantize(CENT), high=high.quantize(CENT)
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


def filing_schema(matter_type: str) -> type[FilingForm]:
    """The request form of a matter type; KeyError on an unknown type."""
    return FILING_FORMS[matter_type]


def validate_filing(
    matter_type: str, payload: Mapping[str, Any], ctx: StepContext
) -> dict[str, Any]:
    """Clean a request (请示) or raise FormError saying what to fix."""
    return run(filing_schema(matter_type), payload, ctx)
