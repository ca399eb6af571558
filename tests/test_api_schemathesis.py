"""schemathesis against the served OpenAPI document, through the WSGI app.

Every operation is called with generated data — valid per the document and deliberately
invalid — by a signed-in party secretary and by the administrator, once with generated
path ids and once with the ids of real cases, tasks and files (so the handlers behind a
404 are reached too). No answer may be a 5xx, and every answer must match the document:
status code, content type, headers and body schema.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from api_support import ACCEPT, PDF, STUDY, advance, firm_exit_filing, make_app, token_for
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from service.cases import attachments
from service.cases.case_service import CaseService
from service.core.models import HumanTask, User

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 6, schemathesis.GenerationMode.NEGATIVE: 4}


def bounded(examples: int) -> settings:
    return settings(
        max_examples=examples,
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


@pytest.mark.parametrize("username", ["secretary", "admin"])
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
        for mode, examples in EXAMPLES.items():
            if mode is schemathesis.GenerationMode.NEGATIVE and not takes_input(operation):
                continue
            variants = [None, fixed] if fixed else [None]
            for path_parameters in variants:
                strategy = operation.as_strategy(mode, path_parameters=path_parameters)

                @bounded(examples)
                @given(case=strategy)
                def run(case: schemathesis.Case) -> None:
                    response = case.call(headers=headers)
                    case.validate_response(response, checks=CHECKS, headers=headers)

                run()
