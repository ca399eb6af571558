"""One open case per exclusive matter: forming the owners' assembly, electing or renewing
the committee and a firm's entry once per estate, a firm's exit once per estate and firm.

Two open cases of one such matter would have the party organization decide the same thing
twice, possibly two ways. A filing is refused while another is open, naming it; the unique
``cases.exclusive_key`` (held while a case runs, cleared when it ends,
``persistence.project``) keeps two concurrent filings from both landing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.core.errors import Conflict, OpenCaseExists
from service.core.models import Case
from workflows.forms import filing_schema
from workflows.i18n import _
from workflows.matters import MatterType


class LostRace(Exception):
    """Another filing of the same exclusive matter committed first, between this filing's
    check and its insert; the caller reads who won once this transaction is undone."""

    def __init__(self, key: str, scope: str) -> None:
        super().__init__(key)
        self.key = key
        self.scope = scope


def scope_of(matter: MatterType, request: Mapping[str, Any]) -> str:
    """The words naming what may be open only once, e.g. 本小区（退出的物业服务企业名称：…）."""
    if not matter.exclusive_by:
        return _("本小区")
    form = filing_schema(matter.code)()
    named = "，".join(
        f"{form.label(name)}：{request.get(name) or ''}" for name in matter.exclusive_by
    )
    return _("本小区（{named}）").format(named=named)


def refuse_if_open(session: Session, matter: MatterType, key: str, scope: str) -> None:
    """Refuse the filing (409) when a case holding ``key`` is open."""
    holder = session.scalar(select(Case).where(Case.exclusive_key == key))
    if holder is not None:
        raise refusal(holder, matter, scope)


def refusal(holder: Case, matter: MatterType, scope: str) -> OpenCaseExists:
    return OpenCaseExists(
        _(
            "{scope}已有一件“{matter}”案件正在办理：案件编号 {id}《{title}》（{applicant}提出）。"
            "同一时间只能办理一件，请在该案件办结或终止后再提出请示。"
        ).format(
            scope=scope,
            matter=matter.name,
            id=holder.id,
            title=holder.title,
            applicant=holder.applicant.name,
        ),
        holder.id,
        holder.title,
    )


def lost_race(error: IntegrityError, key: str | None, scope: str) -> Exception:
    """The error to raise for a failed insert of a case: ``LostRace`` when it is the
    exclusive key that another filing took, else the error itself."""
    if key is not None and "exclusive_key" in str(error.orig):
        return LostRace(key, scope)
    return error


def winner_refusal(session: Session, matter: MatterType, lost: LostRace) -> Conflict:
    """After a lost race: the 409 naming the case that won, or a plain conflict when that
    case has ended meanwhile (the filing may then be sent again)."""
    holder = session.scalar(select(Case).where(Case.exclusive_key == lost.key))
    if holder is None:
        return Conflict(_("同一事项的另一件请示刚刚提交，请刷新后重试。"))
    return refusal(holder, matter, lost.scope)
