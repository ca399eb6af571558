"""The administration log as auditors and administrators read it.

Newest first, a page at a time, optionally one kind of action; each entry shows who
changed what and each changed field before and after. The page opens with the log's
verification, as a case's history page does.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from service.admin import log as admin_log
from service.admin.log import ACTIONS, AdminEntryView
from service.web import sign_in_throttles
from service.web.audit import reason_text
from service.web.common import (
    ORGANIZATION_KINDS,
    PLACE_KINDS,
    ROLE_NAMES,
    actor,
    reading,
    web_blueprint,
)
from workflows.i18n import _

bp = web_blueprint("admin_log", __name__)

PAGE_SIZE = 30
TARGET_KINDS = {
    "user": _("用户"),
    "place": _("地点"),
    "organization": _("单位"),
    "calendar": _("日期"),
    "setting": _("配置项"),
    "sign-in": _("登录限制"),
}
FIELD_NAMES = {
    "username": _("用户名"),
    "display_name": _("姓名"),
    "active": _("启用"),
    "password": _("密码"),
    "role": _("角色"),
    "place": _("地点"),
    "organization_id": _("单位编号"),
    "kind": _("类型"),
    "code": _("编码"),
    "name": _("名称"),
    "parent": _("上级地点"),
    "is_workday": _("工作日"),
    "note": _("说明"),
    "value": _("值"),
    "address": _("客户端地址"),
    "failures": _("连续失败次数"),
    "last_failure_at": _("最近一次失败"),
}


def _shown(field: str, value: Any) -> str:
    """One recorded value in words: yes/no, role and kind names, lists, "reset" for a
    password."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field == "password":
        return _("已重设")
    if field == "role":
        return ROLE_NAMES.get(value, value)
    if field == "kind":
        return (
            PLACE_KINDS.get(value)
            or ORGANIZATION_KINDS.get(value)
            or sign_in_throttles.KINDS.get(value, value)
        )
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _changes(entry: AdminEntryView) -> list[dict[str, str]]:
    """The fields that differ between before and after (all of them on creation/removal)."""
    before, after = entry.before or {}, entry.after or {}
    rows = []
    for field in dict.fromkeys([*before, *after]):
        old, new = before.get(field), after.get(field)
        if entry.before is not None and entry.after is not None and old == new:
            continue
        rows.append(
            {
                "field": FIELD_NAMES.get(field, field),
                "before": _shown(field, old) if field in before else "",
                "after": _shown(field, new) if field in after else "",
            }
        )
    return rows


def _target(target: str) -> str:
    kind, _sep, name = target.partition(":")
    return f"{TARGET_KINDS.get(kind, kind)} {name}"


@bp.get("/audit/admin-log")
def listing() -> str:
    action = request.args.get("action") or None
    if action not in ACTIONS:
        action = None
    with reading() as db:
        entries = admin_log.entries_page(
            db, actor(), action, request.args.get("cursor") or None, PAGE_SIZE
        )
        verification = admin_log.verify(db)
    rows = [
        {"entry": e, "target": _target(e.target), "changes": _changes(e)} for e in entries.items
    ]
    return render_template(
        "web/admin_log.html",
        rows=rows,
        next_cursor=entries.next_cursor,
        first_page=not request.args.get("cursor"),
        action=action,
        actions=ACTIONS,
        verification=verification,
        verification_reason=reason_text(verification.reason),
    )
