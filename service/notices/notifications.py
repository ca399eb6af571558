"""In-app notifications: reminders, escalations and new duties, unread until opened.

A notification is written in the same transaction as what it announces, so a step that
rolls back tells nobody; e-mail, when configured, is sent afterwards from these rows
(service/notices/mail.py). A user gets a notification of one kind for one task at most once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from service.core.errors import NotFound
from service.core.models import Case, HumanTask, Notification, RoleGrant, User
from service.notices.preferences import channels_of
from service.people.access import LANE_ROLES, Actor, case_places
from workflows.i18n import _

if TYPE_CHECKING:  # the case service writes notifications through this module
    from service.cases.case_service import CaseService


def case_link(case_id: int) -> str:
    """Where a user opens the case; mails prefix it with the site's address."""
    return f"/cases/{case_id}"


# Kinds that ask the person to work a task: their link opens the task page.
TASK_KINDS = frozenset({"new_task", "returned", "resubmitted", "rectification", "assigned"})


def notice_link(kind: str, case_id: int | None, task_id: int | None) -> str:
    """Where the person acts on a notification: the task's page or else the case's."""
    if task_id is not None and kind in TASK_KINDS:
        return f"/tasks/{task_id}"
    return case_link(case_id) if case_id is not None else "/notifications"


def recipients(
    session: Session, case: Case, role: str, assignee_id: int | None = None
) -> list[User]:
    """The active users who may work a task of lane ``role`` in ``case`` (its assignee, if any)."""
    if assignee_id is not None:
        user = session.get(User, assignee_id)
        return [user] if user is not None and user.active else []
    allowed = LANE_ROLES.get(role, ())
    in_scope = or_(
        and_(RoleGrant.role == "applicant", RoleGrant.organization_id == case.applicant_org_id),
        and_(RoleGrant.role != "applicant", RoleGrant.place_id.in_(case_places(case))),
    )
    return list(
        session.scalars(
            select(User)
            .where(
                User.active,
                User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role.in_(allowed), in_scope)),
            )
            .order_by(User.id)
        )
    )


def notify(
    session: Session,
    users: Iterable[User],
    *,
    kind: str,
    case: Case,
    task: HumanTask | None,
    title: str,
    body: str,
    now: datetime,
    repeat: bool = False,
) -> list[int]:
    """Notify each user unless they already have this kind of notice for this task, or
    want it by no channel; one wanted by mail only is written as read.

    ``repeat`` is for news that may come again on one task (a new deadline, its reminder,
    another escalation; their senders mark what they sent): the user's earlier notice of
    the kind is brought up to date, unread and mailed again, as there is one per task.
    """
    users = list(users)
    channels = channels_of(session, (u.id for u in users), kind)
    earlier: dict[int, Notification] = {}
    already: set[int] = set()
    if task is not None and repeat:
        earlier = {
            n.user_id: n
            for n in session.scalars(
                select(Notification).where(
                    Notification.task_id == task.id, Notification.kind == kind
                )
            )
        }
    elif task is not None:
        already = set(
            session.scalars(
                select(Notification.user_id).where(
                    Notification.task_id == task.id, Notification.kind == kind
                )
            )
        )
    notified = []
    for user in users:
        in_app, email = channels.get(user.id, (True, True))
        if user.id in already or not (in_app or email):
            continue
        already.add(user.id)
        notice = earlier.get(user.id)
        if notice is None:
            notice = Notification(
                user_id=user.id,
                case_id=case.id,
                task_id=task.id if task is not None else None,
                kind=kind,
            )
            session.add(notice)
        notice.title, notice.body, notice.created_at = title[:200], body, now
        notice.read_at = None if in_app else now
        notice.emailed_at, notice.email_attempts, notice.email_error = None, 0, ""
        notified.append(user.id)
    return notified


def notifications_for(
    session: Session, user_id: int, *, unread_only: bool = False, limit: int = 50, offset: int = 0
) -> list[Notification]:
    """A user's notifications, newest first, a page at a time."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(
        session.scalars(
            query.order_by(Notification.id.desc()).limit(min(limit, 200)).offset(offset)
        )
    )


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def mark_read(session: Session, user_id: int, notification_id: int, now: datetime) -> None:
    """Mark one of the user's own notifications read; reading it again changes nothing."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        raise NotFound(_("没有这条通知"))
    if notification.read_at is None:
        notification.read_at = now


def mark_all_read(session: Session, user_id: int, now: datetime) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    return result.rowcount


# -- one's own notifications, as the API and the pages list them --------------------------


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    title: str
    body: str
    case_id: int | None
    task_id: int | None
    created_at: datetime
    read_at: datetime | None
    link: str


def _view(row: Notification, link: str | None = None) -> NotificationView:
    return NotificationView(
        row.id,
        row.kind,
        row.title,
        row.body,
        row.case_id,
        row.task_id,
        row.created_at,
        row.read_at,
        link or notice_link(row.kind, row.case_id, row.task_id),
    )


def my_notifications(
    session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 50, offset: int = 0
) -> tuple[list[NotificationView], int]:
    """The actor's notifications, newest first, and how many are unread."""
    rows = notifications_for(
        session, actor.user_id, unread_only=unread_only, limit=limit, offset=offset
    )
    return [_view(r) for r in rows], unread_count(session, actor.user_id)


def unread_notifications(session: Session, actor: Actor, limit: int) -> list[NotificationView]:
    """The newest of the actor's unread notifications, for the start page."""
    return [
        _view(r) for r in notifications_for(session, actor.user_id, unread_only=True, limit=limit)
    ]


def read_notification(service: CaseService, actor: Actor, notification_id: int) -> NotificationView:
    """Mark one of the actor's notifications read (another user's reads as missing); its
    link leads to the case instead of a task that is no longer open."""
    with service.transaction() as session:
        mark_read(session, actor.user_id, notification_id, service.clock.now())
        row = session.get_one(Notification, notification_id)
        task = session.get(HumanTask, row.task_id) if row.task_id is not None else None
        if task is not None and task.status != "open" and row.case_id is not None:
            return _view(row, case_link(row.case_id))
        return _view(row)


def read_all_notifications(service: CaseService, actor: Actor) -> int:
    with service.transaction() as session:
        return mark_all_read(session, actor.user_id, service.clock.now())
