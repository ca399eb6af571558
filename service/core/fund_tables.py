"""The tables of the estates' maintenance funds: the account statements recorded for each
estate (never changed, a new one supersedes) and what each fund-use case draws from it.

Amounts are whole fen (分) in integers, as areas are hundredths of m²: exact in every
database and in SQL sums, where SQLite would add decimals as floating point. Apart from
``models`` so that module stays readable; ``service.estates.fund`` reads and writes them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from service.core.models import Base, UTCDateTime


class FundStatement(Base):
    """An account statement of one estate's fund, with who recorded it and when."""

    __tablename__ = "fund_statements"
    __table_args__ = (Index("ix_fund_statements_estate", "estate_id", "statement_date", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    statement_date: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FundUse(Base):
    """A fund-use case's draw on its estate's fund: ``reserved`` (its budget, while open),
    ``spent`` (its transfer recorded: ``spent_fen`` on ``spent_on``) or ``released`` (it
    ended without spending)."""

    __tablename__ = "fund_uses"
    __table_args__ = (Index("ix_fund_uses_estate", "estate_id", "status"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    status: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    spent_fen: Mapped[int | None] = mapped_column(BigInteger)
    spent_on: Mapped[date | None] = mapped_column(Date)
