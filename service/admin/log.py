"""The administration log: every change an administrator makes, kept like a case history.

Users, role grants, places, organizations, the working-day calendar and the [config]
settings decide who may act on a case and which deadlines and vote thresholds apply, so
an auditor must be able to see who changed them, when, and from what to what. Each
change appends one entry in the same transaction as the change itself (both land or
neither), with the values before and after (a password only as "reset"). Entries are
hash-chained like a case's history, so an altered, removed or reordered entry shows on
verification, which names the first bad one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.core.errors import Conflict, Forbidden
from service.core.models import AdminEvent
from service.core.paging import Page, SortKey, page
from service.history.chain import GENESIS, ChainResult, chained_hash, verify_links
from service.people.access import Actor
from service.people.directory import Person, people
from workflows.i18n import _

ACTIONS: dict[str, str] = {
    "user_created": _("新建用户"),
    "user_updated": _("修改用户"),
    "grant_added": _("授予角色"),
    "grant_removed": _("撤销角色"),
    "place_created": _("新建地点"),
    "organization_created": _("新建单位"),
    "organization_renamed": _("单位更名"),
    "organization_credit_code_set": _("登记统一社会信用代码"),
    "calendar_day_set": _("设置工作日历"),
    "calendar_day_cleared": _("清除工作日历设置"),
    "setting_set": _("修改配置项"),
    "setting_cleared": _("配置项恢复默认"),
    "sign_in_throttle_lifted": _("解除登录限制"),
}
NEWEST_FIRST = SortKey("-seq", AdminEvent.seq, descending=True)


def may_read(actor: Actor) -> bool:
    """Administrators, and auditors of a whole district: the configuration is district-wide."""
    return actor.is_admin() or any(
        g.role == "auditor" and g.place_kind == "district" for g in actor.grants
    )


def require_reader(actor: Actor) -> None:
    if not may_read(actor):
        raise Forbidden(_("只有系统管理员和区级审计人员可以查看管理操作记录。"))


def record(
    session: Session,
    actor: Actor,
    at: datetime,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AdminEvent:
    """Append one entry to the log, in the caller's transaction.

    Appends are serialized: on PostgreSQL by a table lock held to the end of the
    transaction, on SQLite by its single writer; the unique ``seq`` turns any race that
    slips through into a conflict instead of a forked chain.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE admin_events IN SHARE ROW EXCLUSIVE MODE"))
    last = session.execute(
        select(AdminEvent.seq, AdminEvent.hash).order_by(AdminEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS)
    data = json.loads(json.dumps({"before": before, "after": after}, ensure_ascii=False))
    entry = AdminEvent(
        seq=seq,
        action=action,
        actor_id=actor.user_id,
        at=at,
        target=target,
        data=data,
        prev_hash=prev_hash,
        hash=entry_hash(prev_hash, seq, action, actor.user_id, at, target, data),
    )
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        raise Conflict(_("另一项管理操作正在记录，请重试。")) from None
    return entry


def entry_hash(
    prev_hash: str,
    seq: int,
    action: str,
    actor_id: int | None,
    at: datetime,
    target: str,
    data: dict[str, Any],
) -> str:
    return chained_hash(prev_hash, ["admin", seq, action, actor_id, at.isoformat(), target, data])


def verify_chain(entries: Sequence[AdminEvent]) -> ChainResult:
    """Recompute the chain, oldest first; name the first entry that does not match."""

    def recompute(prev_hash: str, entry: AdminEvent) -> str:
        return entry_hash(
            prev_hash, entry.seq, entry.action, entry.actor_id, entry.at, entry.target, entry.data
        )

    return verify_links(entries, recompute)


@dataclass(frozen=True)
class LogVerification:
    ok: bool
    entries: int
    first_bad_seq: int | None
    reason: str


def verify(session: Session) -> LogVerification:
    """The whole log checked end to end (it grows with administration, not with cases)."""
    entries = list(session.scalars(select(AdminEvent).order_by(AdminEvent.seq)))
    chain = verify_chain(entries)
    return LogVerification(chain.intact, len(entries), chain.first_bad_seq, chain.reason)


@dataclass(frozen=True)
class AdminEntryView:
    seq: int
    action: str
    action_name: str
    at: datetime
    actor: Person | None
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str
    prev_hash: str


def entries_page(
    session: Session, actor: Actor, action: str | None, cursor: str | None, limit: int
) -> Page[AdminEntryView]:
    """One page of the log, newest first, optionally of one kind of action."""
    require_reader(actor)
    stmt = select(AdminEvent)
    if action:
        stmt = stmt.where(AdminEvent.action == action)
    rows, next_cursor = page(session, stmt, NEWEST_FIRST, AdminEvent.id, cursor, limit, _seq, _id)
    names = people(session, (r.actor_id for r in rows))
    views = [
        AdminEntryView(
            seq=r.seq,
            action=r.action,
            action_name=ACTIONS.get(r.action, r.action),
            at=r.at,
            actor=names.get(r.actor_id) if r.actor_id else None,
            target=r.target,
            before=r.data.get("before"),
            after=r.data.get("after"),
            hash=r.hash,
            prev_hash=r.prev_hash,
        )
        for r in rows
    ]
    return Page(views, next_cursor)


def _seq(row: AdminEvent) -> int:
    return row.seq


def _id(row: AdminEvent) -> int:
    return row.id
