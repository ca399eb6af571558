"""schemathesis against the served OpenAPI document, through the WSGI app.

Every operation is called with generated data — valid per the document and deliberately
invalid — by each role (the owners' committee and the property firm as applicants, the
party secretary, the street, the auditor, the administrator), once with generated path
ids and once with the ids of real cases, tasks and files (so the handlers behind a 404
are reached too); then the stateful phase follows the document's links (file a case →
read it → its open task → claim, complete …). Every check is on: no 5xx, every answer as
the document says (status, content type, headers, body), invalid data refused, valid data
accepted, authentication not ignored, unsupported methods refused.

``FUZZ_EXAMPLES`` sets the examples per operation, mode and user (default 2, so the suite
stays short); ``FUZZ_EXAMPLES=50`` fuzzes for longer (README, "Fuzzing the API").
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from api_support import ACCEPT, PDF, STUDY, advance, firm_exit_filing, make_app, token_for
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import select

from service.cases import attachments
from service.cases.case_service import CaseService
from service.core.models import HumanTask, User

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
ROLES = ["committee", "firm", "secretary", "street", "auditor", "admin"]
STATEFUL_ROLES = ["committee", "secretary", "admin"]

# Valid data (per the document) the API may still refuse 422, because the rule is not
# JSON Schema's to state; the refusal must then name the field and say why
# (``valid_data_accepted``, in place of schemathesis' positive_data_acceptance).
# A cursor is opaque: only the ones the API issued are valid, on every paged list.
OPAQUE = {"cursor"}
BEYOND_THE_DOCUMENT = {
    "POST /api/v1/cases": "the estate is one the applicant stands for; a filing's rules "
    "between fields and on the dates (e.g. members present ≤ members in office)",
    "POST /api/v1/incidents": "the incident report's form is checked by the service",
    "POST /api/v1/tasks/{task_id}/complete": "data is one of the step forms, but only the "
    "task's own (its form_schema) fits, with its rules between fields; a body's revision "
    "agrees with If-Match",
    "POST /api/v1/tasks/{task_id}/assign": "the assignee is a user who works the task's lane",
    "POST /api/v1/cases/{case_id}/comments": "a comment's task is one of the case's",
    "GET /api/v1/cases/{case_id}/replay": "upto is at most the case's last entry",
    "POST /api/v1/tasks/{task_id}/supervision/deadline": "a new deadline after today, within "
    "a year; the reason not blank once trimmed",
    "POST /api/v1/tasks/{task_id}/supervision/summons": "a summons dated within the 督办, "
    "attendees and minutes not blank once trimmed",
    "POST /api/v1/tasks/{task_id}/supervision/hand-back": "instructions not blank once trimmed",
    "PUT /api/v1/notifications/preferences": "only the notice kinds there are, each with "
    "in_app or email",
    "GET /api/v1/admin/calendar": "the span from → to is at most 366 days, to not before from",
    "PUT /api/v1/admin/settings/{key}": "each setting takes one of the stated shapes, which "
    "one depends on the key",
    "PATCH /api/v1/admin/users/{user_id}": "administrators do not deactivate themselves",
    "POST /api/v1/admin/users/{user_id}/grants": "a role fits some levels of place only; an "
    "applicant's role needs its organization",
    "POST /api/v1/admin/places": "the parent exists and is of the level above",
    "POST /api/v1/admin/organizations": "the place exists and fits the kind; a credit code "
    "has its check characters (GB 32100-2015)",
    "PATCH /api/v1/admin/organizations/{organization_id}": "a credit code has its check "
    "characters (GB 32100-2015) and belongs to a property firm",
    "POST /api/v1/attachments": "the file is a PDF, JPG, PNG, DOCX or XLSX by its content",
    "POST /api/v1/admin/webhooks": "the receiver's URL, and its organization or place",
}


def bounded(examples: int, **more: Any) -> settings:
    return settings(
        max_examples=examples,
        **more,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


def real_ids(service: CaseService, files: Path) -> dict[str, Any]:
    """A case with a reply and an open task, an uploaded file, a user: ids that exist."""
    with service.sessions() as session:
        committee = service.actor(session, "committee")
        secretary_id = session.scalar(select(User.id).where(User.username == "secretary"))
    with service.transaction() as session:
        stored = attachments.store_upload(
            session, committee, files, "plan.pdf", io.BytesIO(PDF), service.clock.now()
        )
    attached = [{"name": stored.name, "sha256": stored.sha256}]
    case_id = service.file_case(committee, firm_exit_filing("E01", attached))
    advance(service, case_id, [("secretary", ACCEPT), ("secretary", STUDY)])
    with service.sessions() as session:
        task_id = session.scalar(
            select(HumanTask.id).where(HumanTask.case_id == case_id, HumanTask.status == "open")
        )
    return {
        "case_id": case_id,
        "task_id": task_id,
        "sha256": stored.sha256,
        "user_id": secretary_id,
        "code": "firm_exit",
        "key": "acceptance_working_days",
        "day": "2026-10-01",
    }


def takes_input(operation: Any) -> bool:
    """Whether a request to the operation can be wrong: parameters, a body or a token.

    A public operation without any (the list of problem types) has no invalid request.
    """
    raw = operation.definition.raw
    return bool(raw.get("parameters") or raw.get("requestBody") or raw.get("security", True))


def valid_data_accepted(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """positive_data_acceptance, but a rule beyond the document may refuse naming a field."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code != 422:
        return positive_data_acceptance(ctx, response, case)
    errors = response.json().get("errors") or {}
    assert errors and all(errors.values()), response.text
    beyond = case.operation.label in BEYOND_THE_DOCUMENT
    assert beyond or set(errors) <= OPAQUE, f"valid data refused: {response.text}"
    return None


def validate(case: schemathesis.Case, response: Any, headers: dict[str, str]) -> None:
    """Every check on, with positive_data_acceptance as ``valid_data_accepted`` says."""
    case.validate_response(
        response,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[valid_data_accepted],
        headers=headers,
    )


def test_every_exclusion_names_an_operation(service: CaseService, tmp_path: Path) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", make_app(service, tmp_path))
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert set(BEYOND_THE_DOCUMENT) <= labels


@pytest.mark.parametrize("username", ROLES)
def test_every_operation_answers_within_its_document(
    service: CaseService, tmp_path: Path, username: str
) -> None:
    files = tmp_path / "files"
    app = make_app(service, files)
    ids = real_ids(service, files)
    headers = {"Authorization": f"Bearer {token_for(service, username)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        fixed = {name: value for name, value in ids.items() if name in names}
        for mode in schemathesis.GenerationMode:
            if mode is schemathesis.GenerationMode.NEGATIVE and not takes_input(operation):
                continue
            variants = [None, fixed] if fixed else [None]
            for path_parameters in variants:
                strategy = operation.as_strategy(mode, path_parameters=path_parameters)

                @bounded(EXAMPLES)
                @given(case=strategy)
                def run(case: schemathesis.Case) -> None:
                    validate(case, case.call(headers=headers), headers)

                run()


@pytest.mark.parametrize("username", STATEFUL_ROLES)
def test_following_the_links_stays_within_the_document(
    service: CaseService, tmp_path: Path, username: str
) -> None:
    files = tmp_path / "files"
    app = make_app(service, files)
    real_ids(service, files)
    headers = {"Authorization": f"Bearer {token_for(service, username)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    class Links(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            validate(case, response, headers)

    steps = " ".join(dir(Links))
    assert all(link in steps for link in ("GetCase", "ClaimOpenTask", "CompleteOpenTask"))
    # A scenario of up to five steps per example: file, read, claim, complete, …
    Links.run(settings=bounded(EXAMPLES, stateful_step_count=5 * EXAMPLES))
