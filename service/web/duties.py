"""Pages of the periodic duties: reporting an incident, the rectification ledger, and the
firms' red/black list with each firm's credit record.

Quarterly reports and year-end reviews need no page of their own: the service files
them, and their steps arrive in the inbox and open on the ordinary task pages.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from service.core.errors import Forbidden, InvalidInput
from service.core.workbook import XLSX_MIMETYPE
from service.duties import credit_register, incidents, rectification_ledger
from service.web import fields
from service.web.common import actor, case_service, now, reading, web_blueprint
from service.web.uploads import store_uploads
from workflows.duty_forms import EVALUATIONS, IncidentReportFiling
from workflows.forms import FIRM_STANDINGS, describe_form
from workflows.i18n import _

bp = web_blueprint("duties", __name__)

INCIDENT_SPECS = describe_form(IncidentReportFiling)


def _reporters() -> list[tuple[int, str]]:
    with reading() as db:
        found = incidents.reporters(db, actor())
    if not found:
        raise Forbidden(
            _("只有业主委员会（物业管理委员会）和物业服务企业可以报告重大问题和突发事件。")
        )
    return found


@bp.get("/incidents/new")
def incident_form() -> str:
    return _render_incident(_reporters(), {}, {})


@bp.post("/incidents/new")
def report_incident() -> Response | tuple[str, int] | str:
    bodies = _reporters()
    values = fields.values_from_form(INCIDENT_SPECS, request.form)
    refused = store_uploads(INCIDENT_SPECS, values, request.files)
    if refused:
        return _render_incident(bodies, values, refused), 422
    chosen = request.form.get("org", type=int)
    payload: dict[str, Any] = {"request": fields.payload(INCIDENT_SPECS, values)}
    if chosen is not None:
        payload["organization"] = chosen
    try:
        case_id = incidents.report_incident(case_service(), actor(), payload)
    except InvalidInput as exc:
        return _render_incident(bodies, values, exc.messages), 422
    flash(
        _("事件报告已提交，案件编号 {id}，等待社区党组织知悉确认。").format(id=case_id), "success"
    )
    return redirect(url_for("cases.show", case_id=case_id))


def _render_incident(
    bodies: list[tuple[int, str]], values: dict[str, Any], errors: dict[str, list[str]]
) -> str:
    shown = fields.views(INCIDENT_SPECS, values, errors)
    return render_template(
        "web/incident_form.html",
        bodies=bodies,
        chosen=request.form.get("org", type=int),
        fields=shown,
        problems=fields.summary(shown, fields.unplaced(errors, shown)),
    )


# -- the rectification ledger ------------------------------------------------------------


def _year() -> str | None:
    year = request.args.get("year", "").strip()
    return year if year.isdigit() and len(year) == 4 else None


@bp.get("/ledger")
def ledger() -> str:
    with reading() as db:
        rows = rectification_ledger.ledger_for(db, actor(), now(), _year())
    return render_template(
        "web/ledger.html",
        rows=rows,
        year=_year() or "",
        statuses=rectification_ledger.STATUSES,
        sources=rectification_ledger.SOURCES,
    )


@bp.get("/ledger.csv")
def ledger_csv() -> Response:
    with reading() as db:
        rows = rectification_ledger.ledger_for(db, actor(), now(), _year())
    return Response(
        rectification_ledger.ledger_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=rectification-ledger.csv"},
    )


@bp.get("/ledger.xlsx")
def ledger_xlsx() -> Response:
    with reading() as db:
        rows = rectification_ledger.ledger_for(db, actor(), now(), _year())
    return Response(
        rectification_ledger.ledger_xlsx(rows),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": "attachment; filename=rectification-ledger.xlsx"},
    )


# -- the red/black list ------------------------------------------------------------------


@bp.get("/credit")
def register() -> str:
    with reading() as db:
        firms = credit_register.register(db, actor())
    return render_template("web/credit_list.html", firms=firms)


@bp.get("/credit/<int:organization_id>")
def firm(organization_id: int) -> str:
    return _render_firm(organization_id, {})


@bp.post("/credit/<int:organization_id>")
def change_standing(organization_id: int) -> Response | tuple[str, int]:
    try:
        credit_register.change_standing(
            case_service(),
            actor(),
            organization_id,
            request.form.get("standing", ""),
            request.form.get("reason", ""),
        )
    except InvalidInput as exc:
        return _render_firm(organization_id, exc.messages), 422
    flash(_("红黑榜已调整，调整理由已记录。"), "success")
    return redirect(url_for(".firm", organization_id=organization_id))


def _render_firm(organization_id: int, errors: dict[str, list[str]]) -> str:
    with reading() as db:
        record = credit_register.firm_record_for(db, actor(), organization_id, now())
    return render_template(
        "web/credit_firm.html",
        record=record,
        standings=FIRM_STANDINGS,
        evaluation_names=EVALUATIONS,
        errors=errors,
        form=request.form,
        may_change=actor().is_admin(),
    )
