"""Opening a case: a filed request, or a duty the service or a body files. The case row,
its process started on the current models, its task rows and the filing in its history.

Matters and periodic duties open the same way (``open_case``); ``file_request`` is a
matter's filing: the estate and the body the applicant files for, and its request form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.cases import exclusive
from service.cases.model_store import deploy, models_for
from service.cases.operation import Moment, moment_at, step_context, validated
from service.cases.persistence import project
from service.core.clock import Clock
from service.core.errors import Forbidden, InvalidInput
from service.core.models import Case, CaseState, Organization, Place
from service.estates import fund
from service.history.chain import append_event, state_fingerprint
from service.notices.handoffs import announce_tasks
from service.people.access import Actor, may_file_for
from workflows import catalogue, forms
from workflows.engine import compaction
from workflows.engine.bundle import ModelBundle
from workflows.engine.case_engine import CaseEngine
from workflows.i18n import _


def file_request(session: Session, clock: Clock, actor: Actor, payload: Mapping[str, Any]) -> int:
    """File a request in ``session``; returns the new case's id. The applicant is the
    actor's body, at the estate the payload names."""
    matter_type, estate, organization = filing_parties(session, actor, payload)
    matter = catalogue.matter(matter_type)
    moment = moment_at(session, clock.now())
    ctx = step_context(moment, matter_type, "", {})
    form = payload.get("request")
    if isinstance(form, Mapping):
        form = {"applicant_kind": organization.kind, **form}
    request = validated(forms.validate_filing, matter_type, form, ctx)
    if request["applicant_kind"] != organization.kind:
        raise InvalidInput({"applicant_kind": [_("申请单位类型与您所代表的单位不符")]})
    sub_type = str(request.get("sub_type") or "")
    extra = {name: request[name] for name in matter.routed_by if name in request}
    key = matter.exclusive_key(estate.id, request)
    scope = exclusive.scope_of(matter, request)
    if key is not None:
        exclusive.refuse_if_open(session, matter, key, scope)
    reserved = fund.reserve_for_filing(session, matter_type, estate.id, request)
    try:
        case = open_case(
            session,
            moment,
            kind=matter_type,
            sub_type=sub_type,
            title=str(request.get("title") or matter.name),
            process_id=matter.process_id,
            estate=estate,
            organization=organization,
            filed_by=actor.user_id,
            request=request,
            extra=extra,
            exclusive_key=key,
        )
    except IntegrityError as error:
        raise exclusive.lost_race(error, key, scope) from error
    if reserved is not None:
        fund.reserve(session, case, reserved)
    announce_tasks(session, case, moment.now)
    return case.id


def open_case(
    session: Session,
    moment: Moment,
    *,
    kind: str,
    sub_type: str,
    title: str,
    process_id: str,
    estate: Place,
    organization: Organization,
    filed_by: int | None,
    request: dict[str, Any],
    extra: Mapping[str, Any],
    before_start: Callable[[Case], None] | None = None,
    exclusive_key: str | None = None,
) -> Case:
    """Create the case row, start its process on the current models, record the filing.

    Matters and periodic duties are opened the same way. ``before_start`` runs once the
    case has its id, before the engine work (a scheduled duty claims its period there).
    ``exclusive_key`` is held while the case is open (``service.cases.exclusive``).
    """
    community = estate.parent
    street = community.parent
    version = deploy(session, ModelBundle.from_directory(), moment.now)
    case = Case(
        matter_type=kind,
        sub_type=sub_type,
        title=title[:200],
        estate_id=estate.id,
        community_id=community.id,
        street_id=street.id,
        district_id=street.parent_id,
        applicant_org_id=organization.id,
        status="running",
        model_version=version,
        process_id=process_id,
        filed_by=filed_by,
        filed_at=moment.now,
        revision=0,
        exclusive_key=exclusive_key,
    )
    session.add(case)
    session.flush()
    if before_start is not None:
        before_start(case)
    data = {
        "matter_type": kind,
        "sub_type": sub_type,
        "case_id": case.id,
        "request": request,
        **extra,
    }
    engine = CaseEngine(models_for(session, version))
    workflow = engine.start(process_id, data, moment.script_engine())
    state = engine.dump(workflow)
    session.add(CaseState(case_id=case.id, state=state))
    for column, value in project(session, case, engine, workflow, moment.now).items():
        setattr(case, column, value)
    append_event(
        session,
        case.id,
        "case_filed",
        moment.now,
        filed_by,
        data={
            "process_id": process_id,
            "model_version": version,
            "initial": data,
            "compaction": compaction.version_of(workflow),
            "deadlines": moment.deadlines.issued,
            "digest": case.state_digest,
            "state_sha256": state_fingerprint(state),
        },
    )
    return case


def filing_parties(
    session: Session, actor: Actor, payload: Mapping[str, Any]
) -> tuple[str, Place, Organization]:
    if not isinstance(payload, Mapping):
        raise InvalidInput({"_schema": [_("请求体必须是 JSON 对象")]})
    errors: dict[str, list[str]] = {}
    matter_type = payload.get("matter_type")
    if matter_type not in catalogue.MATTERS:
        errors["matter_type"] = [_("请选择有效的事项类型")]
    estate = session.scalar(
        select(Place).where(Place.code == str(payload.get("estate") or ""), Place.kind == "estate")
    )
    if estate is None:
        errors["estate"] = [_("请选择有效的小区")]
    if errors:
        raise InvalidInput(errors)
    candidates = [
        g.organization_id
        for g in actor.grants
        if g.role == "applicant" and g.place_id == estate.id and g.organization_id
    ]
    wanted = payload.get("organization")
    if wanted is not None:
        candidates = [c for c in candidates if c == wanted]
    if len(candidates) != 1 or not may_file_for(actor, candidates[0]):
        raise Forbidden(_("您不是该小区可以提出请示的单位"))
    organization = session.get(Organization, candidates[0])
    if catalogue.matter(matter_type).applicant_kinds and (
        organization.kind not in catalogue.matter(matter_type).applicant_kinds
    ):
        raise Forbidden(_("您所代表的单位不能提出该类事项的请示"))
    return matter_type, estate, organization
