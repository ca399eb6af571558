"""Excel workbooks (.xlsx) for the officials who file and sum what the service lists.

CSV stays for machines; a workbook is what a street's office opens: Chinese headers, and
cells that are real numbers and dates (so a column sums and sorts), not text. Areas and
money arrive as ``Decimal`` and stay exact in the file; instants are shown in Beijing
time, since Excel has no time zones.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from workflows.work_calendar import SHANGHAI

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | int | Decimal | date | datetime | None

# Number formats by kind of column.
TEXT = "@"
INTEGER = "0"
DAY = "yyyy-mm-dd"
INSTANT = "yyyy-mm-dd hh:mm"
AREA = "#,##0.00"
MONEY = "#,##0.00"
DAY_END = 'yyyy-mm-dd "24:00"'


@dataclass(frozen=True)
class Column:
    """A column: its Chinese header, the number format of its cells and its width."""

    title: str
    number_format: str = "General"
    width: int = 14


def _cell(value: Cell | Formatted) -> Cell:
    if isinstance(value, Formatted):
        return _cell(value.value)
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).replace(tzinfo=None) if value.tzinfo else value
    return value


def workbook(
    sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[Cell | Formatted]]
) -> bytes:
    """One sheet named ``sheet``: a bold, frozen header row, then one row per item."""
    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    ws.append([c.title for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    ws.freeze_panes = "A2"
    for row in rows:
        ws.append([_cell(v) for v in row])
        for cell, value, column in zip(ws[ws.max_row], row, columns, strict=True):
            if value is not None:
                cell.number_format = (
                    value.number_format if isinstance(value, Formatted) else column.number_format
                )
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def day(text: str | None) -> date | None:
    """An ISO date recorded as text, as a date cell (empty when none was recorded)."""
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Formatted:
    """A cell whose number format differs from its column's (a deadline ending at 24:00)."""

    value: Cell
    number_format: str


def deadline(moment: datetime | None) -> Formatted | None:
    """A deadline as the pages word it: one ending at midnight is the day before's 24:00
    (a date cell showing "2026-12-21 24:00"), any other the minute it ends."""
    if moment is None:
        return None
    local = moment.astimezone(SHANGHAI)
    if local.time() == time():
        return Formatted((local - timedelta(days=1)).date(), DAY_END)
    return Formatted(local.replace(tzinfo=None), INSTANT)
