"""The written reply (批复) as readers see it: the reply the history records, the printable
document of a signed one, and the preview of one being written.

The reply row (its number, decision, signer) is written by the written-reply step
(``steps.issue_reply``); its reasons and conditions are what that step submitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases.catalogue import kind_name
from service.cases.readable import readable_case
from service.core.errors import NotFound
from service.core.models import Case, CaseEvent, Organization, WrittenReply
from service.history.chain import recorded_steps
from service.people.access import Actor
from service.people.directory import Person, people
from workflows import catalogue
from workflows.forms import REPLY_DECISIONS
from workflows.i18n import _
from workflows.work_calendar import SHANGHAI


@dataclass(frozen=True)
class ReplyView:
    document_number: str
    decision: str
    decision_label: str
    reasons: str
    conditions: str
    issued_at: datetime
    signed_by: Person | None
    party_organization: str


def reply_view(session: Session, case: Case, events: list[CaseEvent]) -> ReplyView | None:
    """The 批复, once the written-reply step (which numbers and stores it) is in the history."""
    submitted: dict[str, Any] | None = None
    for event in events:
        if event.kind == "task_completed" and event.data.get("task") == "written_reply":
            submitted = event.data.get("data", {})
    if submitted is None:
        return None
    row = session.scalar(select(WrittenReply).where(WrittenReply.case_id == case.id))
    if row is None:
        return None
    party = session.get(Organization, row.party_org_id)
    signer = people(session, [row.signed_by]).get(row.signed_by)
    return ReplyView(
        document_number=row.document_number,
        decision=row.decision,
        decision_label=REPLY_DECISIONS.get(row.decision, row.decision),
        reasons=submitted.get("reply_reasons", ""),
        conditions=submitted.get("reply_conditions") or "",
        issued_at=row.issued_at,
        signed_by=signer,
        party_organization=party.name if party else "",
    )


@dataclass(frozen=True)
class ReplyDocument:
    """Everything the printable 批复 shows, already in the words and dates it prints."""

    document_number: str
    issuer: str
    addressee: str
    subject: str
    decision_label: str
    decision: str
    reasons: str
    conditions: str
    legal_basis: str
    case_title: str  # as quoted inside 《》
    estate: str
    matter_name: str
    issued_on: str
    signed_by: str


def book_title(title: str) -> str:
    """A title to quote inside 《》: its own 《》 become 〈〉 (GB/T 15834-2011, 4.15), so the
    批复 of "关于修订《管理规约》的请示" is 关于《关于修订〈管理规约〉的请示》的批复."""
    return title.translate(_INNER_MARKS)


_INNER_MARKS = str.maketrans("《》", "〈〉")


def chinese_date(moment: datetime) -> str:
    day = moment.astimezone(SHANGHAI).date()
    return _("{y}年{m}月{d}日").format(y=day.year, m=day.month, d=day.day)


def _document(case: Case, **printed: str) -> ReplyDocument:
    """The parts of the 批复 that come from the case itself, and what the reply says."""
    matter = catalogue.MATTERS.get(case.matter_type)
    return ReplyDocument(
        addressee=case.applicant.name,
        subject=_("关于《{title}》的批复").format(title=book_title(case.title)),
        legal_basis=matter.legal_basis if matter else "",
        case_title=book_title(case.title),
        estate=case.estate.name,
        matter_name=kind_name(case.matter_type),
        **printed,
    )


def reply_document(session: Session, actor: Actor, case_id: int) -> ReplyDocument:
    """The written reply of a case, as the formal document prints it."""
    case = readable_case(session, actor, case_id)
    reply = reply_view(session, case, recorded_steps(session, case.id))
    if reply is None:
        raise NotFound(_("该案件尚未出具书面批复。"))
    return _document(
        case,
        document_number=reply.document_number,
        issuer=reply.party_organization,
        decision_label=reply.decision_label,
        decision=reply.decision,
        reasons=reply.reasons,
        conditions=reply.conditions,
        issued_on=chinese_date(reply.issued_at),
        signed_by=reply.signed_by.display_name if reply.signed_by else "",
    )


def party_organization_name(session: Session, case: Case) -> str | None:
    """The community's party organization: the 请示 goes to it, the 批复 comes from it."""
    return session.scalar(
        select(Organization.name).where(
            Organization.place_id == case.community_id,
            Organization.kind == "party_organization",
        )
    )


def reply_preview(
    session: Session, case: Case, data: Mapping[str, Any], signer: str, now: datetime
) -> ReplyDocument:
    """The 批复 as it would print if signed now, from the checked form of the reply step;
    the document number is issued only on signing, so the preview says so in its place."""
    issuer = party_organization_name(session, case)
    decision = str(data.get("reply_decision", ""))
    return _document(
        case,
        document_number=_("（文号于签发时生成）"),
        issuer=issuer or _("社区党组织"),
        decision_label=REPLY_DECISIONS.get(decision, decision),
        decision=decision,
        reasons=str(data.get("reply_reasons", "")),
        conditions=str(data.get("reply_conditions") or ""),
        issued_on=chinese_date(now),
        signed_by=signer,
    )
