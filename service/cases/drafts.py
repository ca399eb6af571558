"""Filing drafts: a half-filled request kept on the server for the user who typed it.

A draft is the form as typed (text, not validated), one per user, matter type and
organization; saving again replaces it, filing the request removes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.core.models import FilingDraft


def draft_for(
    session: Session, user_id: int, matter_type: str, organization_id: int
) -> FilingDraft | None:
    return session.scalar(
        select(FilingDraft).where(
            FilingDraft.user_id == user_id,
            FilingDraft.matter_type == matter_type,
            FilingDraft.organization_id == organization_id,
        )
    )


def drafts_of(session: Session, user_id: int) -> list[FilingDraft]:
    return list(
        session.scalars(
            select(FilingDraft)
            .where(FilingDraft.user_id == user_id)
            .order_by(FilingDraft.saved_at.desc())
        )
    )


def save_draft(
    session: Session,
    user_id: int,
    matter_type: str,
    organization_id: int,
    values: dict[str, Any],
    now: datetime,
) -> FilingDraft:
    draft = draft_for(session, user_id, matter_type, organization_id)
    if draft is None:
        draft = FilingDraft(
            user_id=user_id, matter_type=matter_type, organization_id=organization_id
        )
        session.add(draft)
    draft.values = values
    draft.saved_at = now
    session.flush()
    return draft


def discard(session: Session, user_id: int, matter_type: str, organization_id: int) -> None:
    session.execute(
        delete(FilingDraft).where(
            FilingDraft.user_id == user_id,
            FilingDraft.matter_type == matter_type,
            FilingDraft.organization_id == organization_id,
        )
    )
