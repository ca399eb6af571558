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
from datetime import date, datetime
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


@dataclass(frozen=True)
class Column:
    """A column: its Chinese header, the number format of its cells and its width."""

    title: str
    number_format: str = "General"
    width: int = 14


def _cell(value: Cell) -> Cell:
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).replace(tzinfo=None) if value.tzinfo else value
    return value


def workbook(sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[Cell]]) -> bytes:
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
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = column.width
        for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
            if cell.value is not None:
                cell.number_format = column.number_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def day(text: str | None) -> date | None:
    """An ISO date recorded as text, as a date cell (empty when none was recorded)."""
    return date.fromisoformat(text) if text else None
