"""Completing a task from the task list: the case's step (``CaseService.complete_task``),
with the files its form names checked to be the worker's own or the case's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from service.cases.attachments import check_references
from service.cases.case_service import CaseService
from service.core.models import HumanTask
from service.people.access import Actor


@dataclass(frozen=True)
class Completed:
    """What completing a task changed: which case, and its revision now."""

    case_id: int
    revision: int


def complete(
    svc: CaseService,
    actor: Actor,
    task_id: int,
    data: Mapping[str, Any],
    expected_revision: int | None,
) -> Completed:
    """Complete a task with its form (``CaseService.complete_task``).

    All checks run in the completing transaction, in the order callers should hear about
    problems: scope (404), right to work it (403), still open and not someone else's
    (409), the files it names (422), the revision (409).
    """
    case_ids: list[int] = []

    def files_named(session: Session, task: HumanTask) -> None:
        check_references(session, actor, data, task.case_id)
        case_ids.append(task.case_id)

    revision = svc.complete_task(actor, task_id, data, expected_revision, check=files_named)
    return Completed(case_ids[0], revision)
