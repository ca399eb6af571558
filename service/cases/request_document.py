"""The request (请示) as a formal document: what the applicant filed, as the last 补正 left
it, addressed to the community's party organization, for printing and filing as PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from service.cases.catalogue import kind_name
from service.cases.queries import request_as_corrected
from service.cases.readable import readable_case
from service.cases.written_reply import chinese_date, party_organization_name
from service.core.errors import NotFound
from service.history.chain import recorded_steps
from service.people.access import Actor
from workflows import catalogue
from workflows.i18n import _


@dataclass(frozen=True)
class RequestDocument:
    """Everything the printed 请示 shows but its facts, which the pages put in words."""

    case_id: int
    matter_type: str
    title: str
    addressee: str
    applicant: str
    estate: str
    matter_name: str
    filed_on: str
    request: dict[str, Any]


def request_document(session: Session, actor: Actor, case_id: int) -> RequestDocument:
    """The 请示 of a matter case; a periodic duty's report is no 请示 (404)."""
    case = readable_case(session, actor, case_id)
    if case.matter_type not in catalogue.MATTERS:
        raise NotFound(_("该案件不是请示事项，没有请示文件。"))
    return RequestDocument(
        case_id=case.id,
        matter_type=case.matter_type,
        title=case.title,
        addressee=party_organization_name(session, case) or _("社区党组织"),
        applicant=case.applicant.name,
        estate=case.estate.name,
        matter_name=kind_name(case.matter_type),
        filed_on=chinese_date(case.filed_at),
        request=request_as_corrected(recorded_steps(session, case.id)),
    )


_NUMERALS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一: the numbering of a document's parts (< 100)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else _NUMERALS[tens] + "十"
    return head + (_NUMERALS[ones] if ones else "")
