"""The estate's fund as its readers see it, and the account statements that set it: who
may read and who may record (an administrator, or the street the estate lies in), the
ledger that reconciles (statement − spent = balance; balance − reserved = available), its
CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases.operation import moment_at, step_context, validated
from service.core.errors import Forbidden, NotFound
from service.core.fund_tables import FundStatement, FundUse
from service.core.models import Case, Place, User
from service.estates.fund import (
    FUND_USE_STATUSES,
    FundLedger,
    FundUseView,
    StatementView,
    fen,
    lock_estate,
    position,
    yuan,
)
from service.people.access import Actor
from workflows.formkit.validation import validate_form
from workflows.fund import FundStatementForm
from workflows.i18n import _


def _places(estate: Place) -> set[int]:
    """The estate and every place above it."""
    ids, place = set(), estate
    while place is not None:
        ids.add(place.id)
        place = place.parent
    return ids


def may_read(actor: Actor, estate: Place) -> bool:
    """The administrator, every role above the estate, and the estate's own bodies."""
    places = _places(estate)
    return actor.is_admin() or any(
        g.place_id in places if g.role != "applicant" else g.place_id == estate.id
        for g in actor.grants
    )


def may_record(actor: Actor, estate: Place) -> bool:
    """The administrator, and the street the estate lies in (its account is the street's
    to keep an eye on, domain.md §2)."""
    places = _places(estate)
    return actor.is_admin() or any(
        g.role == "street" and g.place_id in places for g in actor.grants
    )


def estate_for(session: Session, actor: Actor, code: str) -> Place:
    """The estate ``code`` if the actor may read it; missing and out of scope read alike."""
    estate = session.scalar(select(Place).where(Place.code == code, Place.kind == "estate"))
    if estate is None or not may_read(actor, estate):
        raise NotFound(_("没有找到该小区，或您无权查看。"))
    return estate


def record_statement(
    session: Session, actor: Actor, code: str, payload: Mapping[str, Any], now: datetime
) -> StatementView:
    """Record an account statement of the estate's fund; 403 for anyone but the
    administrator and the estate's street, 422 naming the field for a bad value."""
    estate = estate_for(session, actor, code)
    if not may_record(actor, estate):
        raise Forbidden(_("只有系统管理员和小区所在街道可以登记维修资金余额。"))
    ctx = step_context(moment_at(session, now), "", "", {})
    data = validated(
        lambda _key, form, c: validate_form(FundStatementForm, form, c), "", payload, ctx
    )
    lock_estate(session, estate.id)
    statement = FundStatement(
        estate_id=estate.id,
        balance_fen=fen(Decimal(data["balance"])),
        statement_date=datetime.fromisoformat(data["statement_date"]).date(),
        reference=data["reference"],
        recorded_by=actor.user_id,
        recorded_at=now,
    )
    session.add(statement)
    session.flush()
    return _statement_view(statement, actor.display_name)


def _statement_view(row: FundStatement, who: str) -> StatementView:
    return StatementView(
        yuan(row.balance_fen), row.statement_date, row.reference, who, row.recorded_at
    )


def ledger(session: Session, actor: Actor, code: str) -> FundLedger:
    """The estate's fund: the latest statement, the transfers after it, the reservations,
    every statement recorded (newest first) and every case's draw."""
    estate = estate_for(session, actor, code)
    statements = [
        _statement_view(row, name)
        for row, name in session.execute(
            select(FundStatement, User.display_name)
            .join(User, User.id == FundStatement.recorded_by)
            .where(FundStatement.estate_id == estate.id)
            .order_by(FundStatement.statement_date.desc(), FundStatement.id.desc())
        )
    ]
    uses = [
        FundUseView(
            use.case_id,
            title,
            matter_type,
            use.status,
            yuan(use.amount_fen),
            yuan(use.spent_fen) if use.spent_fen is not None else None,
            use.spent_on,
        )
        for use, title, matter_type in session.execute(
            select(FundUse, Case.title, Case.matter_type)
            .join(Case, Case.id == FundUse.case_id)
            .where(FundUse.estate_id == estate.id)
            .order_by(FundUse.case_id.desc())
        )
    ]
    now = position(session, estate.id)
    return FundLedger(
        estate_code=estate.code,
        estate_name=estate.name,
        statement=statements[0] if statements else None,
        spent=now.spent,
        balance=now.balance,
        reserved=now.reserved,
        available=now.available,
        statements=statements,
        uses=uses,
    )


def ledger_csv(fund: FundLedger) -> str:
    """The ledger as CSV: the figures that reconcile, then each case's draw, then each
    statement."""
    out = io.StringIO()
    rows = csv.writer(out)
    rows.writerow([_("小区"), fund.estate_code, fund.estate_name])
    latest = fund.statement
    rows.writerow(
        [_("对账单余额"), latest.balance if latest else "", latest.statement_date if latest else ""]
    )
    rows.writerow([_("对账单日期后已划转"), fund.spent])
    rows.writerow([_("当前余额"), fund.balance if fund.balance is not None else ""])
    rows.writerow([_("办理中案件占用"), fund.reserved])
    rows.writerow([_("可用余额"), fund.available if fund.available is not None else ""])
    rows.writerow([])
    rows.writerow(
        [_("案件编号"), _("标题"), _("状态"), _("占用或预算金额"), _("划转金额"), _("划转日期")]
    )
    for use in fund.uses:
        rows.writerow(
            [
                use.case_id,
                use.title,
                FUND_USE_STATUSES[use.status],
                use.amount,
                use.spent or "",
                use.spent_on or "",
            ]
        )
    rows.writerow([])
    rows.writerow([_("对账单日期"), _("余额"), _("对账单编号"), _("登记人"), _("登记时间")])
    for st in fund.statements:
        rows.writerow(
            [
                st.statement_date,
                st.balance,
                st.reference,
                st.recorded_by,
                st.recorded_at.isoformat(),
            ]
        )
    return out.getvalue()
