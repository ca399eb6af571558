"""The written reply (批复) before it is signed: the printed document's template, filled in
with what the secretary has typed, so the preview is exactly what will be printed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.case_queries import ReplyDocument
from service.models import Case, Organization
from service.web.common import chinese_date
from workflows import catalogue
from workflows.forms import REPLY_DECISIONS
from workflows.i18n import _


def preview_document(
    session: Session, case: Case, data: Mapping[str, Any], signer: str, now: datetime
) -> ReplyDocument:
    """The 批复 as it would print if signed now; the number is issued only on signing."""
    issuer = session.scalar(
        select(Organization.name).where(
            Organization.place_id == case.community_id,
            Organization.kind == "party_organization",
        )
    )
    decision = str(data.get("reply_decision", ""))
    matter = catalogue.MATTERS[case.matter_type]
    return ReplyDocument(
        document_number=_("（文号于签发时生成）"),
        issuer=issuer or _("社区党组织"),
        addressee=case.applicant.name,
        subject=_("关于《{title}》的批复").format(title=case.title),
        decision_label=REPLY_DECISIONS.get(decision, decision),
        decision=decision,
        reasons=str(data.get("reply_reasons", "")),
        conditions=str(data.get("reply_conditions") or ""),
        legal_basis=matter.legal_basis,
        case_title=case.title,
        estate=case.estate.name,
        matter_name=matter.name,
        issued_on=chinese_date(now),
        signed_by=signer,
    )
