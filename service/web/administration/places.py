"""Places (district, street, community, estate) and the organizations at them: the
lists, creating either, and renaming an organization from its row."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.admin import places as admin_places
from service.admin.inputs import (
    OrganizationCreateSchema,
    OrganizationUpdateSchema,
    PlaceCreateSchema,
)
from service.admin.places import ORGANIZATION_PLACE, PLACE_PARENT, OrganizationView, PlaceView
from service.core.db import Session
from service.core.errors import Conflict, InvalidInput
from service.web.administration.forms import (
    PAGE_SIZE,
    Errors,
    bp,
    checked,
    filled,
    place_text,
    problem,
)
from service.web.common import ORGANIZATION_KINDS, PLACE_KINDS, actor, case_service, reading
from workflows.catalogue import PROPERTY_FIRM
from workflows.i18n import _

# The levels that may be a parent, and those organizations sit at, top down.
PARENT_KINDS = tuple(k for k in PLACE_PARENT if k in PLACE_PARENT.values())
ORGANIZATION_PLACE_KINDS = tuple(k for k in PLACE_PARENT if k in ORGANIZATION_PLACE.values())


def _all_places(db: Session) -> list[PlaceView]:
    """Every place, every page of them: the choices of the place lists and their names."""
    places: list[PlaceView] = []
    cursor = None
    while True:
        found = admin_places.places_page(db, actor(), None, cursor, 100)
        places += found.items
        cursor = found.next_cursor
        if cursor is None:
            return places


def _place_groups(places: list[PlaceView], kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """The places of ``kinds`` as option groups, one per level, for a select."""
    return [
        {
            "label": PLACE_KINDS[kind],
            "options": [{"code": p.code, "label": place_text(p)} for p in places if p.kind == kind],
        }
        for kind in kinds
    ]


def _place_kind() -> str | None:
    """The level the list is filtered on; anything unknown lists every level."""
    kind = request.args.get("kind") or None
    return kind if kind in PLACE_PARENT else None


@bp.get("/admin/places")
def places() -> str:
    return _render_places({})


def _render_places(errors: Errors) -> str:
    kind = _place_kind()
    cursor = request.args.get("cursor") or None
    with reading() as db:
        found = admin_places.places_page(db, actor(), kind, cursor, PAGE_SIZE)
        everywhere = _all_places(db)
    names = {p.code: place_text(p) for p in everywhere}
    rows = [
        {
            "code": p.code,
            "name": p.name,
            "kind": PLACE_KINDS.get(p.kind, p.kind),
            "parent": names.get(p.parent_code, p.parent_code) if p.parent_code else "",
        }
        for p in found.items
    ]
    return render_template(
        "web/admin_places.html",
        rows=rows,
        next_cursor=found.next_cursor,
        first_page=cursor is None,
        kind=kind,
        kinds=PLACE_KINDS,
        parents=_place_groups(everywhere, PARENT_KINDS),
        chosen_kind=request.form.get("kind", kind or ""),
        errors=errors,
        form=request.form,
    )


@bp.post("/admin/places")
def create_place() -> Response | tuple[str, int]:
    values = filled("kind", "code", "name", "parent")
    try:
        created = admin_places.create_place(
            case_service(), actor(), checked(PlaceCreateSchema(), values)
        )
    except (InvalidInput, Conflict) as exc:
        return _render_places(problem(exc)), exc.status
    message = _("已新建{kind}“{name}”（{code}）。")
    flash(
        message.format(kind=PLACE_KINDS[created.kind], name=created.name, code=created.code),
        "success",
    )
    return redirect(url_for(".places", kind=created.kind))


# -- organizations -----------------------------------------------------------------------


def _organization_row(
    org: OrganizationView, names: dict[str, str], failed: str, errors: Errors
) -> dict[str, Any]:
    """One organization; a refused change (``failed`` is "<id>/name" or "<id>/credit_code")
    shows what was typed and why it was refused."""

    def typed(field: str, current: str | None) -> tuple[str, list[str]]:
        if failed != f"{org.id}/{field}":
            return current or "", []
        return request.form.get(field, ""), errors.get(field) or errors.get("_form", [])

    name, name_errors = typed("name", org.name)
    code, code_errors = typed("credit_code", org.credit_code)
    return {
        "id": org.id,
        "name": org.name,
        "kind": ORGANIZATION_KINDS.get(org.kind, org.kind),
        "is_firm": org.kind == PROPERTY_FIRM,
        "credit_code": org.credit_code,
        "place": names.get(org.place_code, org.place_code),
        "typed": name,
        "errors": name_errors,
        "typed_code": code,
        "code_errors": code_errors,
    }


@bp.get("/admin/organizations")
def organizations() -> str:
    return _render_organizations("", {})


def _render_organizations(failed: str, errors: Errors) -> str:
    """The list, filtered on ``?place=``; ``failed`` is "create" or the organization and
    field ("<id>/name") whose form the ``errors`` belong to."""
    place = request.args.get("place") or None
    cursor = request.args.get("cursor") or None
    with reading() as db:
        found = admin_places.organizations_page(db, actor(), place, cursor, PAGE_SIZE)
        everywhere = _all_places(db)
    names = {p.code: place_text(p) for p in everywhere}
    return render_template(
        "web/admin_organizations.html",
        rows=[_organization_row(o, names, failed, errors) for o in found.items],
        next_cursor=found.next_cursor,
        first_page=cursor is None,
        place=place,
        cursor=cursor,
        places=_place_groups(everywhere, ORGANIZATION_PLACE_KINDS),
        kinds=ORGANIZATION_KINDS,
        chosen_place=request.form.get("place", place or ""),
        errors=errors if failed == "create" else {},
        form=request.form,
    )


@bp.post("/admin/organizations")
def create_organization() -> Response | tuple[str, int]:
    values = filled("kind", "name", "place", "credit_code")
    try:
        created = admin_places.create_organization(
            case_service(), actor(), checked(OrganizationCreateSchema(), values)
        )
    except (InvalidInput, Conflict) as exc:
        return _render_organizations("create", problem(exc)), exc.status
    flash(_("已新建单位“{name}”。").format(name=created.name), "success")
    return redirect(url_for(".organizations", place=created.place_code))


@bp.post("/admin/organizations/<int:organization_id>/name")
def rename_organization(organization_id: int) -> Response | tuple[str, int]:
    """Renamed from its row; the list comes back as it was (``?place=``, ``?cursor=``)."""
    return _update_organization(organization_id, "name", _("单位已更名为“{name}”。"))


@bp.post("/admin/organizations/<int:organization_id>/credit-code")
def register_credit_code(organization_id: int) -> Response | tuple[str, int]:
    """A firm's unified social credit code registered from its row."""
    message = _("已登记“{name}”的统一社会信用代码 {credit_code}。")
    return _update_organization(organization_id, "credit_code", message)


def _update_organization(
    organization_id: int, field: str, message: str
) -> Response | tuple[str, int]:
    try:
        typed = filled(field)
        if not typed:
            raise InvalidInput({field: [_("此项为必填项。")]})
        values = checked(OrganizationUpdateSchema(), typed)
        updated = admin_places.update_organization(case_service(), actor(), organization_id, values)
    except (InvalidInput, Conflict) as exc:
        return _render_organizations(f"{organization_id}/{field}", problem(exc)), exc.status
    flash(message.format(name=updated.name, credit_code=updated.credit_code), "success")
    listing = url_for(
        ".organizations",
        place=request.args.get("place") or None,
        cursor=request.args.get("cursor") or None,
        _anchor=f"organization-{organization_id}",
    )
    return redirect(listing)
