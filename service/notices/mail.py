"""E-mail for notifications over SMTP, when an SMTP server is configured.

Mail goes out after the notification's transaction has committed, from the notification
rows: a worker claims a row (FOR UPDATE SKIP LOCKED), sends it and marks it sent in one
transaction. A worker killed between sending and committing sends that one mail again on
its next run — at least once, never lost. A refused message is retried a few times, then
left with its error for an administrator to see.
"""

from __future__ import annotations

import logging
import os
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from service.core.models import Notification, NotificationPreference, User
from service.notices.notifications import notice_link
from workflows.i18n import _

MAX_ATTEMPTS = 3
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    """Where and as whom to send; ``base_url`` turns case links into full addresses."""

    host: str
    port: int = 25
    sender: str = "noreply@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = False
    base_url: str = ""
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MailSettings | None:
        """SMTP_HOST, SMTP_PORT, SMTP_FROM, SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS, BASE_URL.

        None when SMTP_HOST is not set: notifications then stay in-app only.
        """
        env = os.environ if env is None else env
        host = env.get("SMTP_HOST", "").strip()
        if not host:
            return None
        return cls(
            host=host,
            port=int(env.get("SMTP_PORT", "25")),
            sender=env.get("SMTP_FROM", "noreply@localhost"),
            username=env.get("SMTP_USER", ""),
            password=env.get("SMTP_PASSWORD", ""),
            starttls=env.get("SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
            base_url=env.get("BASE_URL", "").rstrip("/"),
        )


def compose(notification: Notification, user: User, settings: MailSettings) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = notification.title
    message["From"] = settings.sender
    message["To"] = user.email
    link = settings.base_url + notice_link(
        notification.kind, notification.case_id, notification.task_id
    )
    greeting = _("{name}，您好：").format(name=user.display_name)
    footer = _("（本邮件由系统自动发送，请登录系统办理：{link}）").format(link=link)
    message.set_content(f"{greeting}\n\n{notification.body}\n\n{footer}\n")
    return message


def _claim(session: Session, after_id: int) -> tuple[Notification, User] | None:
    """The next notification waiting for mail, locked so no other worker sends it too."""
    row = session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.id > after_id,
            Notification.emailed_at.is_(None),
            Notification.email_attempts < MAX_ATTEMPTS,
            User.email.is_not(None),
            User.email != "",
            ~exists().where(
                NotificationPreference.user_id == Notification.user_id,
                NotificationPreference.kind == Notification.kind,
                NotificationPreference.email.is_(False),
            ),
        )
        .order_by(Notification.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=Notification)
    ).first()
    return (row[0], row[1]) if row else None


def deliver_pending(
    sessions: sessionmaker[Session], settings: MailSettings, now: datetime, limit: int = 100
) -> int:
    """Send up to ``limit`` waiting notifications; returns how many were sent.

    A refused message is tried once per pass; a connection failure ends the pass.
    """
    sent = last_id = 0
    smtp: smtplib.SMTP | None = None
    try:
        for _attempt in range(limit):
            with sessions() as session, session.begin():
                claimed = _claim(session, last_id)
                if claimed is None:
                    break
                notification, user = claimed
                last_id = notification.id
                if smtp is None:
                    smtp = _connect(settings)
                try:
                    smtp.send_message(compose(notification, user, settings))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
                    notification.email_attempts += 1
                    notification.email_error = str(exc)[:500]
                    continue
                notification.emailed_at = now
                notification.email_attempts += 1
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail delivery stopped: %s", exc)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    return sent


def _connect(settings: MailSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    if settings.starttls:
        smtp.starttls()
    if settings.username:
        smtp.login(settings.username, settings.password)
    return smtp
