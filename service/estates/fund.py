"""Each estate's maintenance fund: its balance from the account statement, what open
fund-use cases reserve from it and what their transfers took (issue 27).

An administrator or the estate's street records each account statement (balance, date,
reference; who and when are kept, and a newer statement supersedes). A fund-use filing
reserves its budget; a 补正 that changes the budget changes the reservation; the recorded
transfer replaces the reservation by what was spent; a case ending without a transfer
releases it. A draw over the available amount is refused 422 naming the field and the
figure. Each check runs under a lock on the estate's row (``lock_estate``), so of two
filings over one balance only one can pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.core.errors import InvalidInput
from service.core.fund_tables import FundStatement, FundUse
from service.core.models import Case, Place
from workflows import catalogue
from workflows.formkit.fields import CENT
from workflows.forms import filing_schema
from workflows.fund import FundPosition, over_available
from workflows.i18n import _

FUND_USE_STATUSES = {"reserved": _("占用中"), "spent": _("已划转"), "released": _("已释放")}


def fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_exact())


def yuan(amount_fen: int) -> Decimal:
    return (Decimal(amount_fen) / 100).quantize(CENT)


@dataclass(frozen=True)
class StatementView:
    balance: Decimal
    statement_date: date
    reference: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class FundUseView:
    case_id: int
    title: str
    matter_type: str
    status: str
    amount: Decimal
    spent: Decimal | None
    spent_on: date | None


@dataclass(frozen=True)
class FundLedger:
    """The estate's fund on one page: statement − spent = balance; balance − reserved =
    available."""

    estate_code: str
    estate_name: str
    statement: StatementView | None
    spent: Decimal
    balance: Decimal | None
    reserved: Decimal
    available: Decimal | None
    statements: list[StatementView]
    uses: list[FundUseView]


def lock_estate(session: Session, estate_id: int) -> None:
    """Hold the estate's row to the end of the transaction: SELECT … FOR UPDATE on
    PostgreSQL; on SQLite a write, which takes the database's single writer lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Place.id).where(Place.id == estate_id).with_for_update())
    else:
        session.execute(update(Place).where(Place.id == estate_id).values(id=Place.id))


def _latest(session: Session, estate_id: int) -> FundStatement | None:
    return session.scalar(
        select(FundStatement)
        .where(FundStatement.estate_id == estate_id)
        .order_by(FundStatement.statement_date.desc(), FundStatement.id.desc())
        .limit(1)
    )


def position(session: Session, estate_id: int) -> FundPosition:
    """The fund's statement balance, the transfers after its date, and the reservations."""
    latest = _latest(session, estate_id)
    reserved = session.scalar(
        select(func.coalesce(func.sum(FundUse.amount_fen), 0)).where(
            FundUse.estate_id == estate_id, FundUse.status == "reserved"
        )
    )
    spent = 0
    if latest is not None:
        spent = session.scalar(
            select(func.coalesce(func.sum(FundUse.spent_fen), 0)).where(
                FundUse.estate_id == estate_id,
                FundUse.status == "spent",
                FundUse.spent_on > latest.statement_date,
            )
        )
    return FundPosition(
        statement=yuan(latest.balance_fen) if latest else None,
        spent=yuan(spent),
        reserved=yuan(reserved),
    )


# ---------------------------------------------------------------- cases drawing on it


def reserve_for_filing(
    session: Session, matter_type: str, estate_id: int, request: Mapping[str, Any]
) -> Decimal | None:
    """The amount a fund-use filing reserves, once it is checked against the available
    balance (422 naming the field); None for a matter that draws nothing."""
    use = catalogue.matter(matter_type).fund_use
    if use is None:
        return None
    amount = Decimal(str(request[use.reserved]))
    lock_estate(session, estate_id)
    label = filing_schema(matter_type)().label(use.reserved)
    refused = over_available(position(session, estate_id), amount, label)
    if refused:
        raise InvalidInput({use.reserved: [refused]})
    return amount


def reserve(session: Session, case: Case, amount: Decimal) -> None:
    session.add(
        FundUse(
            case_id=case.id, estate_id=case.estate_id, status="reserved", amount_fen=fen(amount)
        )
    )


def follow_step(session: Session, case: Case, task_id: str, data: Mapping[str, Any]) -> None:
    """Keep the case's draw in line with its step: a 补正 changing the budget, the
    transfer, the end of the case. Cases filed before the fund was kept draw nothing."""
    matter = catalogue.MATTERS.get(case.matter_type)
    use = matter.fund_use if matter else None
    row = session.get(FundUse, case.id) if use else None
    if use is None or row is None or row.status != "reserved":
        return
    if task_id == "supplement" and use.reserved in data.get("updated_fields", {}):
        amount = Decimal(str(data["request"][use.reserved]))
        _check(
            session,
            case,
            amount,
            f"updated_fields.{use.reserved}",
            _label(case, None, use.reserved),
            row,
        )
        row.amount_fen = fen(amount)
    elif task_id == use.step:
        amount = Decimal(str(data[use.amount]))
        _check(session, case, amount, use.amount, _label(case, use.step, use.amount), row)
        row.status, row.spent_fen = "spent", fen(amount)
        row.spent_on = date.fromisoformat(str(data[use.day]))
    if case.status != "running" and row.status == "reserved":
        row.status = "released"
    session.flush()


def _check(
    session: Session, case: Case, amount: Decimal, key: str, label: str, row: FundUse
) -> None:
    """Refuse (422 at ``key``) a draw over what is available besides the case's own."""
    lock_estate(session, case.estate_id)
    refused = over_available(position(session, case.estate_id), amount, label, yuan(row.amount_fen))
    if refused:
        raise InvalidInput({key: [refused]})


def _label(case: Case, step_id: str | None, field: str) -> str:
    """The Chinese label of a field of the filing (``step_id`` None) or of a step's form."""
    if step_id is None:
        return filing_schema(case.matter_type)().label(field)
    [form] = [s.form for s in catalogue.matter(case.matter_type).matter_steps if s.id == step_id]
    assert form is not None  # the registry checks a fund use's step has its form
    return form().label(field)
