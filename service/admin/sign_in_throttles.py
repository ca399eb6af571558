"""The administrator's view of sign-in throttles: which clients are being slowed, and
lifting a throttle (a user who mistyped too often at a shared office address, say).

Lifting is an administrative change like any other: it lands in the administration log
with what the throttle was, in the same transaction as its removal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.admin import log as admin_log
from service.admin.changes import require_admin
from service.core.errors import NotFound
from service.core.models import SignInThrottle
from service.core.paging import Page, SortKey, page
from service.people.access import Actor
from service.people.throttle import FORGET_AFTER, ThrottlePolicy, blocked_until
from workflows.i18n import _

if TYPE_CHECKING:
    from service.cases.case_service import CaseService

LATEST_FIRST = SortKey("-last_failure", SignInThrottle.last_failure_at, True, True)


@dataclass(frozen=True)
class ThrottleView:
    """One client's failures; ``username`` is None for the count over all names."""

    id: int
    kind: str
    username: str | None
    address: str
    failures: int
    first_failure_at: datetime
    last_failure_at: datetime
    blocked_until: datetime | None
    blocked: bool


def _view(row: SignInThrottle, policy: ThrottlePolicy, now: datetime) -> ThrottleView:
    until = blocked_until(row, policy)
    return ThrottleView(
        id=row.id,
        kind=row.kind,
        username=row.username or None,
        address=row.address,
        failures=row.failures,
        first_failure_at=row.first_failure_at,
        last_failure_at=row.last_failure_at,
        blocked_until=until,
        blocked=until is not None and until > now,
    )


def throttles_page(
    session: Session,
    actor: Actor,
    policy: ThrottlePolicy,
    now: datetime,
    search: str | None,
    cursor: str | None,
    limit: int,
) -> Page[ThrottleView]:
    """Clients with wrong passwords in the last day, the latest first; ``search`` narrows
    them to an account name or address containing it."""
    require_admin(actor)
    stmt = select(SignInThrottle).where(SignInThrottle.last_failure_at >= now - FORGET_AFTER)
    if search:
        needle = search.strip().casefold()
        stmt = stmt.where(
            or_(
                SignInThrottle.username.contains(needle, autoescape=True),
                SignInThrottle.address.contains(needle, autoescape=True),
            )
        )
    rows, next_cursor = page(
        session,
        stmt,
        LATEST_FIRST,
        SignInThrottle.id,
        cursor,
        limit,
        lambda r: r.last_failure_at,
        lambda r: r.id,
    )
    return Page([_view(r, policy, now) for r in rows], next_cursor)


def lift(svc: CaseService, actor: Actor, throttle_id: int, policy: ThrottlePolicy) -> ThrottleView:
    """Remove a throttle: the client's next attempt is its first again."""
    now = svc.clock.now()
    with svc.transaction() as session:
        require_admin(actor)
        row = session.get(SignInThrottle, throttle_id, with_for_update=True)
        if row is None:
            raise NotFound(_("没有这条登录限制，可能已被解除或已过期。"))
        view = _view(row, policy, now)
        before = {
            "kind": row.kind,
            "username": view.username,
            "address": row.address,
            "failures": row.failures,
            "last_failure_at": row.last_failure_at.isoformat(),
        }
        session.delete(row)
        target = f"sign-in:{view.username or '*'}@{row.address}"[:120]
        admin_log.record(session, actor, now, "sign_in_throttle_lifted", target, before, None)
    return view
