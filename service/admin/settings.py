"""The [config] settings as administrators keep them: each one's value, its default, and
the overrides they set, checked against the type and range of the default."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.admin.changes import record_change, require_admin
from service.cases.case_service import CaseService
from service.core.errors import InvalidInput, NotFound
from service.core.models import SettingOverride
from service.people.access import Actor
from workflows.catalogue import EMERGENCY_CATEGORY_LABELS
from workflows.i18n import _
from workflows.settings import POLICIES, Settings

# A count of hours, days or working days: one at least, ten years at most.
MAX_PERIOD = 3650
# Every value some setting takes (each key takes one of these shapes): never null.
VALUE_SCHEMA = {
    "anyOf": [
        {"type": "integer", "minimum": 1, "maximum": MAX_PERIOD},
        {"type": "string", "enum": list(POLICIES)},
        {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "enum": list(EMERGENCY_CATEGORY_LABELS)},
        },
    ],
}


@dataclass(frozen=True)
class SettingView:
    key: str
    value: Any
    default: Any
    overridden: bool


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def settings(session: Session, actor: Actor) -> list[SettingView]:
    require_admin(actor)
    overrides = {row.key: row.value for row in session.scalars(select(SettingOverride))}
    defaults = Settings()
    effective = defaults.with_overrides({k: v for k, v in overrides.items() if _known(k)})
    return [
        SettingView(
            f.name,
            _plain(getattr(effective, f.name)),
            _plain(getattr(defaults, f.name)),
            f.name in overrides,
        )
        for f in fields(Settings)
    ]


def _known(key: str) -> bool:
    return key in {f.name for f in fields(Settings)}


def _checked_setting(key: str, value: Any) -> Any:
    """The value if it has the type and range the setting's default has."""
    if not _known(key):
        raise NotFound(_("没有这个设置项。"))
    default = getattr(Settings(), key)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise InvalidInput({"value": [_("应为 true 或 false。")]})
    elif isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PERIOD:
            message = _("应为 1 至 {max} 的整数。").format(max=MAX_PERIOD)
            raise InvalidInput({"value": [message]})
    elif key.endswith("_policy"):
        if value not in POLICIES:
            raise InvalidInput({"value": [_("只能是 warn（提醒）或 block（禁止）。")]})
    elif key == "emergency_categories":
        if (
            not isinstance(value, list)
            or not value
            or any(
                not isinstance(item, str) or item not in EMERGENCY_CATEGORY_LABELS for item in value
            )
        ):
            message = _("应为应急类别代码的非空列表，只能取：{codes}。")
            codes = "、".join(EMERGENCY_CATEGORY_LABELS)
            raise InvalidInput({"value": [message.format(codes=codes)]})
        value = list(dict.fromkeys(value))
    elif not isinstance(value, type(default)):
        raise InvalidInput({"value": [_("类型与默认值不符。")]})
    return value


def set_setting(svc: CaseService, actor: Actor, key: str, value: Any) -> SettingView:
    require_admin(actor)
    value = _checked_setting(key, value)
    with svc.transaction() as session:
        row = session.get(SettingOverride, key)
        before = {"value": row.value} if row is not None else None
        if row is None:
            session.add(SettingOverride(key=key, value=value))
        else:
            row.value = value
        session.flush()
        record_change(
            svc, session, actor, "setting_set", f"setting:{key}", before, {"value": value}
        )
    with svc.sessions() as session:
        return next(s for s in settings(session, actor) if s.key == key)


def clear_setting(svc: CaseService, actor: Actor, key: str) -> SettingView:
    require_admin(actor)
    if not _known(key):
        raise NotFound(_("没有这个设置项。"))
    with svc.transaction() as session:
        row = session.get(SettingOverride, key)
        if row is not None:
            before = {"value": row.value}
            record_change(svc, session, actor, "setting_cleared", f"setting:{key}", before, None)
            session.delete(row)
    with svc.sessions() as session:
        return next(s for s in settings(session, actor) if s.key == key)
