"""Database tables: places, organizations, users, cases, engine state, tasks, events.

The event log is the source of truth for auditors; the case row, its engine state and
the human-task rows are projections of it kept for fast reads and for the inbox.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base every table of the service derives from."""


class Place(Base):
    """District → street → community → estate."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"), index=True)

    parent: Mapped[Place | None] = relationship(remote_side=[id])


class Organization(Base):
    """A body that acts in cases: committee, firm, party organization, street committee."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), index=True)
    credit_standing: Mapped[str] = mapped_column(String(8), default="none")
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True, unique=True)

    place: Mapped[Place] = relationship()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(254))

    grants: Mapped[list[RoleGrant]] = relationship(back_populates="user", lazy="selectin")


class SignInThrottle(Base):
    """Wrong passwords from one client address: for one account name (``kind`` "account")
    or over all names (``kind`` "address", ``username`` empty). Names are kept as typed
    (folded), whether or not such a user exists (``service.people.throttle``)."""

    __tablename__ = "sign_in_throttles"
    __table_args__ = (UniqueConstraint("kind", "username", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer)
    first_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class RoleGrant(Base):
    """A role a user holds at a place, acting for an organization where the role needs one."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "place_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))

    user: Mapped[User] = relationship(back_populates="grants")
    place: Mapped[Place] = relationship(lazy="joined")


class ModelVersion(Base):
    """A deployed bundle of BPMN/DMN files; cases keep running on the one they started on."""

    __tablename__ = "model_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    files: Mapped[dict[str, str]] = mapped_column(JSONType)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_community_status", "community_id", "status"),
        Index("ix_cases_next_timer", "status", "next_timer_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_type: Mapped[str] = mapped_column(String(32), index=True)
    sub_type: Mapped[str] = mapped_column(String(32), default="")
    title: Mapped[str] = mapped_column(String(200))
    estate_id: Mapped[int] = mapped_column(ForeignKey("places.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    street_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    district_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    applicant_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(32))
    current_step: Mapped[str] = mapped_column(String(200), default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    model_version: Mapped[str] = mapped_column(ForeignKey("model_versions.version"))
    process_id: Mapped[str] = mapped_column(String(64))
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_timer_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_digest: Mapped[str] = mapped_column(String(64), default="")
    # Held while an exclusive matter's case is open, NULL once it ends: unique, so two
    # concurrent filings of one exclusive matter cannot both be open.
    exclusive_key: Mapped[str | None] = mapped_column(String(300), index=True, unique=True)

    estate: Mapped[Place] = relationship(foreign_keys=[estate_id], lazy="joined")
    applicant: Mapped[Organization] = relationship(lazy="joined")


class CaseState(Base):
    """The serialized engine state, apart from the case row so listings stay light."""

    __tablename__ = "case_states"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    state: Mapped[str] = mapped_column(Text)


class HumanTask(Base):
    """Human tasks materialized for the inbox; a completed one keeps who did it."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_tasks_inbox", "community_id", "role", "status", "due_at"),
        Index("ix_tasks_case", "case_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    task_uuid: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(64))
    process_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    estate_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    priority: Mapped[int] = mapped_column(Integer, default=50)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(lazy="joined")


class CaseEvent(Base):
    """Append-only, hash-chained history of a case: never updated, never deleted."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    task_bpmn_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AdminEvent(Base):
    """Append-only, hash-chained log of administrators' changes: never updated, never deleted.

    Users, roles, places, organizations, the working-day calendar and the [config]
    settings decide who may act on a case and which deadlines and thresholds apply, so a
    change to them is kept like a case history: who, when, what it was and what it became.
    """

    __tablename__ = "admin_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    target: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class WrittenReply(Base):
    """The 批复: its document number is unique per party organization and year."""

    __tablename__ = "written_replies"
    __table_args__ = (UniqueConstraint("party_org_id", "year", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    party_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    document_number: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class SettingOverride(Base):
    """An administrator's value for a [config] setting."""

    __tablename__ = "setting_overrides"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType)


class CalendarDay(Base):
    """An administrator's word on one day: working day or not, beyond or against the package."""

    __tablename__ = "calendar_days"

    day: Mapped[Any] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")


class ApiToken(Base):
    """A bearer token for the HTTP API: only its SHA-256 is kept, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Comment(Base):
    """A remark on a case or one of its tasks; its text is also kept in the case history."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Attachment(Base):
    """An uploaded file's metadata; the content lies on disk under its SHA-256."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("sha256", "uploaded_by"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SavedFilter(Base):
    """A user's named inbox query, kept as the query parameters of the task list."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FilingDraft(Base):
    """A request being typed, kept as the form's text for the user who typed it."""

    __tablename__ = "filing_drafts"
    __table_args__ = (UniqueConstraint("user_id", "matter_type", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    matter_type: Mapped[str] = mapped_column(String(32))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    values: Mapped[dict[str, Any]] = mapped_column(JSONType)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Indexes the API's listings use: cases by scope in filing order, tasks by assignee.
Index("ix_cases_community_filed", Case.community_id, Case.filed_at)
Index("ix_cases_street_filed", Case.street_id, Case.filed_at)
Index("ix_cases_district_filed", Case.district_id, Case.filed_at)
Index("ix_tasks_assignee", HumanTask.assignee_id, HumanTask.status)


class Notification(Base):
    """An in-app message to one user (reminder, escalation, new duty); e-mailed when set up.

    One per user, task and kind: sending a reminder twice finds the row already there.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "task_id", "kind"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_email", "emailed_at", "email_attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_error: Mapped[str] = mapped_column(String(500), default="")


class NotificationPreference(Base):
    """Whether a user wants one kind of notification in the app and by e-mail; no row is both."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    in_app: Mapped[bool] = mapped_column(Boolean)
    email: Mapped[bool] = mapped_column(Boolean)


class WebhookEndpoint(Base):
    """A receiver an administrator registered for the events of one organization or place."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    url: Mapped[str] = mapped_column(String(500))
    kinds: Mapped[list[str]] = mapped_column(JSONType)
    secret: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    """One event for one receiver, queued with the event and sent by the worker until done."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(500), default="")


class DutyFiling(Base):
    """A periodic duty case filed for one organization and period: never two of them."""

    __tablename__ = "duty_filings"
    __table_args__ = (UniqueConstraint("duty", "organization_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    duty: Mapped[str] = mapped_column(String(32))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    period: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CreditStandingChange(Base):
    """A change of a firm's place on the red/black list, with who changed it and why."""

    __tablename__ = "credit_standing_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    previous: Mapped[str] = mapped_column(String(8))
    standing: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


# The worker's reminder scan: open tasks by due time.
Index("ix_tasks_status_due", HumanTask.status, HumanTask.due_at)
# The inbox: a community's open tasks in due order, however long its closed history.
Index(
    "ix_tasks_open_inbox",
    HumanTask.community_id,
    HumanTask.due_at,
    postgresql_where=HumanTask.status == "open",
    sqlite_where=HumanTask.status == "open",
)
