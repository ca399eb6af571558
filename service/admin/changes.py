"""How every administrative change is made: by an administrator only, and entered in the
administration log (``service.admin.log``) in the transaction of the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.admin import log as admin_log
from service.cases.case_service import CaseService
from service.core.errors import Forbidden
from service.core.paging import SortKey
from service.people.access import Actor
from workflows.i18n import _


def record_change(
    svc: CaseService,
    session: Session,
    actor: Actor,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Enter the change in the administration log, in the change's own transaction."""
    admin_log.record(session, actor, svc.clock.now(), action, target, before, after)


def require_admin(actor: Actor) -> None:
    if not actor.is_admin():
        raise Forbidden(_("只有系统管理员可以进行此操作。"))


def by_id(column: Any) -> SortKey:
    """The administration lists' order: by row id, oldest first."""
    return SortKey("id", column)


def row_id(row: Any) -> int:
    return row.id
