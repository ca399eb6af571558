"""Filing a request (请示): choose the matter, fill its form, save a draft, submit."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.cases import drafts
from service.cases.attachments import own_file
from service.cases.filing import Applicant, file_case
from service.cases.filing import applicants as applicants_of
from service.cases.vote_rules import VoteRuleInfo, filing_vote_rules
from service.core.errors import Forbidden, InvalidInput, NotFound, OpenCaseExists
from service.web import fields
from service.web.common import actor, case_service, reading, web_blueprint
from service.web.uploads import attachments_dir, download, store_uploads
from workflows import catalogue
from workflows.forms import describe_form, filing_schema
from workflows.i18n import _

bp = web_blueprint("filing", __name__)

# The service fills the applicant kind from the organization the user acts for.
SET_BY_SERVICE = ("applicant_kind",)
# The request's own fields lead; the matter's facts follow them (sorted() is stable).
LEADING = ("title", "sub_type", "initiator", "reasons", "legal_basis", "plan")
COMMITTEE_RESOLUTION = (
    "committee_members_total",
    "committee_members_present",
    "committee_members_agreeing",
)


def applicants() -> list[Applicant]:
    with reading() as db:
        return applicants_of(db, actor())


def _applicant(matter_type: str, org_id: str | None) -> Applicant:
    if matter_type not in catalogue.MATTERS:
        raise NotFound("no such matter type")
    choices = [a for a in applicants() if a.may_file(matter_type)]
    if org_id:
        choices = [a for a in choices if str(a.organization_id) == org_id]
    if not choices:
        raise Forbidden(_("您所代表的单位不能提出该类事项的请示。"))
    return choices[0]


def _rules(matter_type: str) -> list[tuple[str, VoteRuleInfo]]:
    return filing_vote_rules([matter_type])[matter_type]


def filing_specs(matter_type: str, applicant_kind: str) -> list[dict[str, Any]]:
    """The filing form in reading order: the request, the matter's own facts, the
    committee's resolution (only when a committee files), then the attachments."""
    hidden = list(SET_BY_SERVICE)
    if applicant_kind != catalogue.OWNERS_COMMITTEE:
        hidden += COMMITTEE_RESOLUTION
    specs = fields.without(describe_form(filing_schema(matter_type)), hidden)
    rank = {name: i for i, name in enumerate(LEADING)}

    def order(spec: dict[str, Any]) -> tuple[int, int]:
        name = spec["name"]
        if name in rank:
            return (0, rank[name])
        if name in COMMITTEE_RESOLUTION:
            return (2, 0)
        if name == "attachments":
            return (3, 0)
        return (1, 0)

    return sorted(specs, key=order)


def starting_values(
    matter: catalogue.MatterType, rules: list[tuple[str, VoteRuleInfo]]
) -> dict[str, Any]:
    """A new request starts with its title and its legal basis and vote rule written out."""
    if matter.has_owners_vote:
        rule_lines = [
            _("业主表决规则{label}：{basis}，{rule}").format(
                label=f"（{label}）" if label else "", basis=rule.basis, rule=rule.text
            )
            for label, rule in rules
        ]
    else:
        rule_lines = [_("本事项无需业主共同决定。")]
    return {
        "title": _("关于{name}的请示").format(name=matter.name),
        "legal_basis": "\n".join([matter.legal_basis, *rule_lines]),
    }


@bp.get("/filing")
def choose() -> str:
    mine = applicants()
    if not mine:
        raise Forbidden(_("只有业主委员会、物业管理委员会、筹备组或物业服务企业可以提出请示。"))
    rules = filing_vote_rules(catalogue.MATTERS)
    offers = [
        (a, m, rules[m.code])
        for a in mine
        for m in catalogue.MATTERS.values()
        if a.may_file(m.code)
    ]
    with reading() as db:
        saved = drafts.drafts_of(db, actor().user_id)
    return render_template("web/filing_choose.html", offers=offers, drafts=saved)


@bp.get("/filing/<matter_type>")
def form(matter_type: str) -> str:
    applicant = _applicant(matter_type, request.args.get("org"))
    with reading() as db:
        draft = drafts.draft_for(db, actor().user_id, matter_type, applicant.organization_id)
    matter = catalogue.matter(matter_type)
    values = draft.values if draft else starting_values(matter, _rules(matter_type))
    return _render(matter_type, applicant, values, {}, draft_saved_at=draft and draft.saved_at)


@bp.post("/filing/<matter_type>")
def submit(matter_type: str) -> Response | tuple[str, int] | str:
    applicant = _applicant(matter_type, request.form.get("org"))
    specs = filing_specs(matter_type, applicant.kind)
    values = fields.values_from_form(specs, request.form)
    refused = store_uploads(specs, values, request.files)
    if refused:
        return _render(matter_type, applicant, values, refused), 422
    action = request.form.get("action", "submit")
    if action.startswith("add_row:"):
        fields.add_row(values, action.removeprefix("add_row:"))
        return _render(matter_type, applicant, values, {})
    if action == "save_draft":
        with case_service().transaction() as db:
            drafts.save_draft(
                db,
                actor().user_id,
                matter_type,
                applicant.organization_id,
                values,
                case_service().clock.now(),
            )
        flash(_("草稿已保存，可随时回来继续填写。"), "success")
        return redirect(url_for(".form", matter_type=matter_type, org=applicant.organization_id))
    if action == "discard_draft":
        with case_service().transaction() as db:
            drafts.discard(db, actor().user_id, matter_type, applicant.organization_id)
        flash(_("草稿已删除。"), "success")
        return redirect(url_for(".form", matter_type=matter_type, org=applicant.organization_id))
    payload = {
        "matter_type": matter_type,
        "estate": applicant.estate_code,
        "organization": applicant.organization_id,
        "request": fields.payload(specs, values),
    }
    try:
        case_id = file_case(case_service(), actor(), payload)
    except InvalidInput as exc:
        return _render(matter_type, applicant, values, exc.messages), 422
    except OpenCaseExists as exc:
        return _render(matter_type, applicant, values, {}, open_case=exc), 409
    with case_service().transaction() as db:
        drafts.discard(db, actor().user_id, matter_type, applicant.organization_id)
    flash(_("请示已提交，案件编号 {id}，等待社区党组织受理审查。").format(id=case_id), "success")
    return redirect(url_for("cases.show", case_id=case_id))


def _render(
    matter_type: str,
    applicant: Applicant,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    draft_saved_at: Any = None,
    open_case: OpenCaseExists | None = None,
) -> str:
    specs = filing_specs(matter_type, applicant.kind)
    shown = fields.views(specs, values, errors)
    return render_template(
        "web/filing_form.html",
        matter=catalogue.matter(matter_type),
        applicant=applicant,
        rules=_rules(matter_type),
        fields=shown,
        problems=fields.summary(shown, fields.unplaced(errors, shown)),
        draft_saved_at=draft_saved_at,
        open_case=open_case,
    )


@bp.get("/files/<sha256>")
def own_upload(sha256: str) -> Response:
    """A file the user uploaded, to check it before it goes into a request or a step."""
    with reading() as db:
        stored = own_file(db, actor(), attachments_dir(), sha256)
    return download(stored)
