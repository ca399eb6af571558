"""Keyset pagination with opaque cursors: pages stay stable while rows are added.

A cursor encodes the sort it belongs to, the last row's sort value and its id. The next
page starts strictly after that (value, id) pair in the sort order, so a row inserted
meanwhile never shifts a page and no row is shown twice or skipped. NULL values sort
last in both directions, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_

from service.core.errors import InvalidInput
from workflows.i18n import _

T = TypeVar("T")
MAX_PAGE = 100
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class SortKey:
    """One way to order a listing: a column, its direction, and how its values travel."""

    name: str
    column: Any
    descending: bool = False
    is_datetime: bool = False


def bad_cursor() -> InvalidInput:
    return InvalidInput({"cursor": [_("分页游标无效或与排序方式不符，请从第一页重新开始。")]})


def encode_cursor(key: SortKey, value: Any, row_id: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([key.name, value, row_id], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(key: SortKey, cursor: str) -> tuple[Any, int]:
    """The (value, id) a cursor holds; InvalidInput if it is damaged or for another sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, value, row_id = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        raise bad_cursor() from None
    if name != key.name or not isinstance(row_id, int) or isinstance(row_id, bool):
        raise bad_cursor()
    if abs(row_id) > MAX_ID:
        raise bad_cursor()
    if value is None:
        return None, row_id
    if key.is_datetime:
        try:
            value = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise bad_cursor() from None
        if value.tzinfo is None or not 1900 <= value.year <= 2999:
            raise bad_cursor()
    elif not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_ID:
        raise bad_cursor()
    return value, row_id


def ordered(query: Select, key: SortKey, id_column: Any) -> Select:
    column = key.column
    if key.descending:
        return query.order_by(column.desc().nulls_last(), id_column.desc())
    return query.order_by(column.asc().nulls_last(), id_column.asc())


def after(key: SortKey, id_column: Any, value: Any, row_id: int) -> ColumnElement[bool]:
    """Rows that come after (value, row_id) in ``ordered`` order."""
    column = key.column
    next_id = id_column < row_id if key.descending else id_column > row_id
    if value is None:
        return and_(column.is_(None), next_id)
    beyond = column < value if key.descending else column > value
    return or_(beyond, and_(column == value, next_id), column.is_(None))


def page(
    session: Any,
    query: Select,
    key: SortKey,
    id_column: Any,
    cursor: str | None,
    limit: int,
    value_of: Callable[[Any], Any],
    id_of: Callable[[Any], int],
) -> tuple[Sequence[Any], str | None]:
    """Run ``query`` for one page; returns its rows and the cursor of the next page."""
    if cursor:
        value, row_id = decode_cursor(key, cursor)
        query = query.where(after(key, id_column, value, row_id))
    limit = max(1, min(limit, MAX_PAGE))
    rows = list(session.scalars(ordered(query, key, id_column).limit(limit + 1)).unique())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor(key, value_of(last), id_of(last))
