"""The [config] settings, each with its value, default and a form to change or reset it,
and the working-day calendar a month at a time, with the days administrators set."""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.admin import calendar_days as admin_calendar
from service.admin import settings as admin_settings
from service.admin.settings import SettingView
from service.core.errors import InvalidInput
from service.web.administration.forms import (
    Errors,
    bp,
)
from service.web.common import actor, case_service, now, reading
from workflows.catalogue import EMERGENCY_CATEGORY_LABELS
from workflows.i18n import _
from workflows.settings import Settings
from workflows.work_calendar import SHANGHAI

SETTING_NAMES = {
    "acceptance_working_days": _("受理审查期限（工作日）"),
    "study_working_days": _("集体研究期限（工作日）"),
    "reply_working_days": _("书面批复期限（工作日）"),
    "oversight_working_days": _("监督检查期限（工作日）"),
    "emergency_acknowledgement_hours": _("应急事项知悉确认时限（小时）"),
    "emergency_report_hours": _("应急事项报告时限（小时）"),
    "incident_report_hours": _("重大问题和突发事件报告时限（小时）"),
    "quarterly_report_working_days": _("季度报告期限（工作日）"),
    "year_end_review_working_days": _("年终述职评议期限（工作日）"),
    "reminder_before_hours": _("到期前提醒（小时）"),
    "party_share_policy": _("党员比例不足时"),
    "blacklist_policy": _("黑名单物业服务企业申请时"),
    "election_lead_months": _("换届选举提前申请（月）"),
    "election_reminder_months": _("换届提醒提前（月）"),
    "committee_handover_days": _("业委会交接期限（日）"),
    "firm_exit_handover_days": _("物业退出交接期限（日）"),
    "preparatory_group_days": _("筹备组成立期限（日）"),
    "supplement_working_days": _("补正材料期限（工作日）"),
    "owners_vote_days": _("业主表决期限（日）"),
    "implementation_step_days": _("事项实施步骤期限（日）"),
    "implementation_report_working_days": _("实施情况报告期限（工作日）"),
    "committee_filing_days": _("业主委员会备案期限（日）"),
    "cost_report_days": _("应急维修费用决算报告期限（日）"),
    "candidate_vetting_working_days": _("候选人资格把关期限（工作日）"),
    "quarterly_review_working_days": _("季度报告审阅期限（工作日）"),
    "annual_evaluation_working_days": _("述职评议期限（工作日）"),
    "incident_follow_up_working_days": _("处置情况报告期限（工作日）"),
    "emergency_categories": _("应急维修类别"),
}
POLICY_NAMES = {"warn": _("提醒"), "block": _("禁止")}
YES_NO = {"true": _("是"), "false": _("否")}
SOURCE_NAMES = {
    "override": _("管理员设置"),
    "chinese_calendar": _("国家法定节假日安排"),
    "weekday_fallback": _("按星期推定（无官方安排）"),
}
WEEKDAYS = (_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日"))


def _widget(key: str, default: Any) -> str:
    if isinstance(default, bool):
        return "yesno"
    if isinstance(default, int):
        return "number"
    if key.endswith("_policy"):
        return "policy"
    return "categories"


def _shown(widget: str, value: Any) -> str:
    """A setting's value in words."""
    if widget == "yesno":
        return YES_NO["true" if value else "false"]
    if widget == "policy":
        return POLICY_NAMES.get(value, value)
    if widget == "categories":
        return "、".join(EMERGENCY_CATEGORY_LABELS.get(v, v) for v in value)
    return str(value)


def _field_value(widget: str, value: Any) -> Any:
    """What the form shows: "true"/"false" for a select, codes for checkboxes, else text."""
    if widget == "yesno":
        return "true" if value else "false"
    if widget == "categories":
        return list(value)
    return str(value)


def _setting_row(setting: SettingView, failed: str, errors: Errors) -> dict[str, Any]:
    widget = _widget(setting.key, setting.default)
    value = _field_value(widget, setting.value)
    if setting.key == failed:
        typed = request.form.getlist("value")
        value = typed if widget == "categories" else "".join(typed[:1])
    return {
        "key": setting.key,
        "name": SETTING_NAMES.get(setting.key, setting.key),
        "widget": widget,
        "current": _shown(widget, setting.value),
        "default": _shown(widget, setting.default),
        "overridden": setting.overridden,
        "value": value,
        "errors": errors.get("value", []) if setting.key == failed else [],
    }


@bp.get("/admin/settings")
def settings() -> str:
    return _render_settings("", {})


def _render_settings(failed: str, errors: Errors) -> str:
    with reading() as db:
        found = admin_settings.settings(db, actor())
    return render_template(
        "web/admin_settings.html",
        rows=[_setting_row(s, failed, errors) for s in found],
        policies=POLICY_NAMES,
        yes_no=YES_NO,
        categories=EMERGENCY_CATEGORY_LABELS,
    )


def _setting_value(key: str) -> Any:
    """The submitted value typed as the default is; what does not parse goes on as text
    for the service to refuse in its own words."""
    widget = _widget(key, getattr(Settings(), key, ""))
    text = request.form.get("value", "").strip()
    if widget == "categories":
        return request.form.getlist("value")
    if widget == "yesno" and text in YES_NO:
        return text == "true"
    if widget == "number" and text.lstrip("-").isdigit():
        return int(text)
    return text


@bp.post("/admin/settings/<string(maxlength=64):key>")
def set_setting(key: str) -> Response | tuple[str, int]:
    try:
        admin_settings.set_setting(case_service(), actor(), key, _setting_value(key))
    except InvalidInput as exc:
        return _render_settings(key, exc.messages), exc.status
    flash(_("配置项“{name}”已修改。").format(name=SETTING_NAMES.get(key, key)), "success")
    return redirect(url_for(".settings", _anchor=f"setting-{key}"))


@bp.post("/admin/settings/<string(maxlength=64):key>/reset")
def clear_setting(key: str) -> Response:
    admin_settings.clear_setting(case_service(), actor(), key)
    flash(_("配置项“{name}”已恢复默认值。").format(name=SETTING_NAMES.get(key, key)), "success")
    return redirect(url_for(".settings", _anchor=f"setting-{key}"))


# -- calendar ----------------------------------------------------------------------------


def _month() -> date:
    """The first day of the month asked for (``?month=2026-05``), this month otherwise."""
    try:
        return date.fromisoformat(request.args.get("month", "") + "-01")
    except ValueError:
        return now().astimezone(SHANGHAI).date().replace(day=1)


def _shifted(first: date, months: int) -> str:
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@bp.get("/admin/calendar")
def calendar() -> str:
    return _render_calendar(_month(), {})


def _render_calendar(first: date, errors: Errors) -> str:
    last = first.replace(day=monthrange(first.year, first.month)[1])
    with reading() as db:
        entries = admin_calendar.calendar(db, actor(), first, last)
    rows = [
        {
            "day": e.day.isoformat(),
            "weekday": _("星期{d}").format(d=WEEKDAYS[e.day.weekday()]),
            "working": _("工作日") if e.is_workday else _("休息日"),
            "is_workday": e.is_workday,
            "source": SOURCE_NAMES.get(e.source, e.source),
            "overridden": e.source == "override",
            "note": e.note,
        }
        for e in entries
    ]
    return render_template(
        "web/admin_calendar.html",
        rows=rows,
        month=_("{y}年{m}月").format(y=first.year, m=first.month),
        month_code=first.strftime("%Y-%m"),
        previous=_shifted(first, -1),
        following=_shifted(first, 1),
        errors=errors,
        form=request.form,
    )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput({"day": [_("应为日期，格式为 YYYY-MM-DD。")]}) from None


@bp.post("/admin/calendar")
def set_calendar_day() -> Response | tuple[str, int]:
    form = request.form
    try:
        day = _day(form.get("day", ""))
        admin_calendar.set_calendar_day(
            case_service(), actor(), day, form.get("is_workday") == "true", form.get("note", "")
        )
    except InvalidInput as exc:
        return _render_calendar(_month(), exc.messages), exc.status
    flash(_("{day} 已设置。").format(day=day.isoformat()), "success")
    return redirect(url_for(".calendar", month=day.strftime("%Y-%m")))


@bp.post("/admin/calendar/<string(length=10):day>/clear")
def clear_calendar_day(day: str) -> Response:
    when = _day(day)
    admin_calendar.clear_calendar_day(case_service(), actor(), when)
    flash(_("{day} 已恢复为内置日历。").format(day=when.isoformat()), "success")
    return redirect(url_for(".calendar", month=when.strftime("%Y-%m")))
