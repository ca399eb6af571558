"""The case list pages' search, shared by the case list and the auditor's search: a page
of the cases in reach that match the filters, or the filters' problems on the page (422)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from service.cases.catalogue import case_kinds
from service.cases.queries import CaseFilter, search_cases
from service.cases.readable import estates_in_reach
from service.core.errors import InvalidInput
from service.web.common import actor, reading


def search_page(
    template: str, args: dict[str, str], case_filter: CaseFilter, **context: Any
) -> str | tuple[str, int]:
    """Render ``template`` with one page of cases; a filter the search rejects (a bad
    cursor, an unknown matter) is shown with its message and answered with 422."""
    problems: list[str] = []
    with reading() as db:
        estates = estates_in_reach(db, actor())
        try:
            found = search_cases(db, actor(), case_filter)
        except InvalidInput as exc:
            problems = [m for messages in exc.messages.values() for m in messages]
            found = None
    page = render_template(
        template,
        cases=found.items if found else [],
        next_cursor=found.next_cursor if found else None,
        first_page="cursor" not in request.args,
        problems=problems,
        estates=estates,
        args=args,
        matters=case_kinds(),
        **context,
    )
    return (page, 422) if problems else page
