"""Each user's choice of which kinds of notification reach them, and by which channel.

Two channels: in the app (the notifications page and the start page) and e-mail. With no
choice stored a kind comes by both. A kind wanted by mail only is still written, as read,
since mail goes out from the notification rows; a kind wanted by neither is not written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.errors import InvalidInput
from service.core.models import NotificationPreference
from service.people.access import Actor
from workflows.i18n import _

if TYPE_CHECKING:
    from service.cases.case_service import CaseService

# The kinds ``handoffs.handoff`` sends (and webhooks carry), then the worker's own; each
# with the name it has on screen and in mail subjects.
HANDOFF_NAMES: dict[str, str] = {
    "new_task": _("新任务"),
    "returned": _("退回补正"),
    "resubmitted": _("补正后重新提交"),
    "reply_issued": _("书面批复"),
    "rectification": _("需要整改"),
    "closed": _("办结"),
    "rejected": _("不予同意"),
    "assigned": _("分派给我"),
    "comment": _("新意见"),
    "deadline_set": _("街道督办：重新限期"),
    "handed_back": _("街道督办：交回办理"),
}
KIND_NAMES: dict[str, str] = {
    **HANDOFF_NAMES,
    "reminder": _("即将到期"),
    "overdue": _("已超期"),
    "escalation": _("督办"),
}
CHANNELS = ("in_app", "email")


@dataclass(frozen=True)
class Preference:
    kind: str
    name: str
    in_app: bool
    email: bool


def channels_of(
    session: Session, user_ids: Iterable[int], kind: str
) -> dict[int, tuple[bool, bool]]:
    """(in app, by e-mail) for the users who chose anything for ``kind``; others want both."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            NotificationPreference.user_id,
            NotificationPreference.in_app,
            NotificationPreference.email,
        ).where(NotificationPreference.user_id.in_(ids), NotificationPreference.kind == kind)
    )
    return {user_id: (in_app, email) for user_id, in_app, email in rows}


def preferences_of(session: Session, actor: Actor) -> list[Preference]:
    """The actor's choice for every kind, in the order the page lists them."""
    chosen = {
        row.kind: row
        for row in session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == actor.user_id)
        )
    }
    return [
        Preference(
            kind,
            name,
            chosen[kind].in_app if kind in chosen else True,
            chosen[kind].email if kind in chosen else True,
        )
        for kind, name in KIND_NAMES.items()
    ]


def set_preferences(
    service: CaseService, actor: Actor, choices: Mapping[str, Mapping[str, bool]]
) -> list[Preference]:
    """Store the actor's channels for the kinds named; an unknown kind or channel is refused."""
    errors: dict[str, list[str]] = {}
    for kind, channels in choices.items():
        if kind not in KIND_NAMES:
            errors[kind] = [_("没有这种通知。")]
        elif set(channels) - set(CHANNELS):
            errors[kind] = [_("渠道只能是 in_app（站内）或 email（邮件）。")]
    if errors:
        raise InvalidInput(errors)
    with service.transaction() as session:
        stored = {
            row.kind: row
            for row in session.scalars(
                select(NotificationPreference)
                .where(NotificationPreference.user_id == actor.user_id)
                .with_for_update()
            )
        }
        for kind, channels in choices.items():
            row = stored.get(kind)
            if row is None:
                row = NotificationPreference(
                    user_id=actor.user_id, kind=kind, in_app=True, email=True
                )
                session.add(row)
            row.in_app = bool(channels.get("in_app", row.in_app))
            row.email = bool(channels.get("email", row.email))
        session.flush()
        return preferences_of(session, actor)
