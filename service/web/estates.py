"""The estate's page: its maintenance fund (balance, reserved, spent, what is available),
each case's draw, the account statements with who recorded them, the CSV export, and the
form by which the administrator or the street records a new statement."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from service.core.errors import InvalidInput
from service.estates import ledger as fund_ledger
from service.estates.fund import FUND_USE_STATUSES
from service.web import fields
from service.web.common import actor, case_service, now, reading, web_blueprint
from workflows import catalogue
from workflows.forms import describe_form
from workflows.fund import FundStatementForm
from workflows.i18n import _

bp = web_blueprint("estates", __name__)

STATEMENT_SPECS = describe_form(FundStatementForm)


@bp.get("/estates/<code>")
def show(code: str) -> str:
    return _render(code, {}, {})


@bp.get("/estates/<code>/fund.csv")
def fund_csv(code: str) -> Response:
    with reading() as db:
        text = fund_ledger.ledger_csv(fund_ledger.ledger(db, actor(), code))
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=fund-{code}.csv"},
    )


@bp.post("/estates/<code>/fund/statements")
def record_statement(code: str) -> Response | tuple[str, int]:
    values = fields.values_from_form(STATEMENT_SPECS, request.form)
    try:
        with case_service().transaction() as db:
            fund_ledger.record_statement(
                db, actor(), code, fields.payload(STATEMENT_SPECS, values), now()
            )
    except InvalidInput as exc:
        return _render(code, values, exc.messages), 422
    flash(_("维修资金对账单已登记。"), "success")
    return redirect(url_for(".show", code=code))


def _render(code: str, values: dict[str, Any], errors: dict[str, list[str]]) -> str:
    with reading() as db:
        fund = fund_ledger.ledger(db, actor(), code)
        estate = fund_ledger.estate_for(db, actor(), code)
        may_record = fund_ledger.may_record(actor(), estate)
    shown = fields.views(STATEMENT_SPECS, values, errors)
    return render_template(
        "web/estate.html",
        fund=fund,
        may_record=may_record,
        fields=shown,
        problems=fields.summary(shown, fields.unplaced(errors, shown)),
        statuses=FUND_USE_STATUSES,
        matter_names={code: m.name for code, m in catalogue.MATTERS.items()},
    )
