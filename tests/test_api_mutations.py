"""Mutations through the real API: each matter's valid filing and each step's valid data
on a fresh demo database, changed field by field as an attacker would, never answer 500;
a refusal names the field, and a refused request changes nothing.

Every field (and every field of a list entry) gets a few of the mutation kinds of
``fuzz_support``, rotated so that each kind meets the forms; a mutation that leaves the
data valid for its field (another text for a text, an optional field dropped) is no
attack and is not sent. The steps are those of a case of each matter driven along its
demo path (returned once for additions, sent back once for rectification), each
mutated at its own point in the case's time. A mutated step the task's own check
accepts is not sent: it would complete the task and take the case elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import Client, bind, make_app, token_for
from flask import Flask
from fuzz_support import CJK, DROP, MUTATIONS, KeyPath, dotted, mutated, paths, unstorable
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from service.cases.case_service import CaseService
from service.cases.operation import moment_at, recorded_dates, step_context
from service.cases.step_check import task_context
from service.core.clock import Clock
from service.core.db import make_engine, make_sessionmaker
from service.core.models import Case, CaseEvent, HumanTask, Notification
from service.demo.cases import (
    applicant_for,
    drive,
    filing_payload,
    has_owners_vote,
    variants,
    worker_for,
)
from workflows.catalogue import MATTERS
from workflows.duty_forms import validate_case_step
from workflows.forms import FormError, FormSchema, Text, filing_schema, step_schema
from workflows.lifecycle import OVERSIGHT_STEPS, OWNERS_VOTE, PRIOR_APPROVAL_STEPS

# Kinds per field: every kind meets the forms, and a database's run stays short.
PER_FIELD = 2
KINDS = list(MUTATIONS.values())


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for the module (building it dominates a test); each test binds it."""
    engine = make_engine(database_url)
    placeholder = CaseService(make_sessionmaker(engine), Clock())
    yield make_app(placeholder, tmp_path_factory.mktemp("unused"))
    engine.dispose()


@pytest.mark.parametrize("matter_type", MATTERS)
def test_mutations_never_fail_and_a_refused_one_changes_nothing(
    app: Flask, service: CaseService, tmp_path: Path, matter_type: str
) -> None:
    bind(app, service, tmp_path)
    variant = variants(matter_type)[0]
    username, _estate = applicant_for(matter_type, variant)
    client = Client(app.test_client(), token_for(service, username))
    filing = _with_uploads(client, filing_payload(matter_type, service.clock.now(), variant))
    _send_mutations(service, client, "/cases", filing, "request", filing_schema(matter_type))

    visited: set[str] = set()

    def mutate(scenario: CaseService, task: HumanTask, valid: dict[str, Any]) -> None:
        """At each step's first turn, at the case's own time, send its mutations."""
        if task.bpmn_id in visited:
            return
        visited.add(task.bpmn_id)
        bind(app, scenario, tmp_path)
        with scenario.sessions() as session:
            worker = worker_for(session, task)
        client = Client(app.test_client(), token_for(scenario, worker))
        _send_mutations(
            scenario,
            client,
            f"/tasks/{task.id}/complete",
            {"data": _with_uploads(client, valid)},
            "data",
            step_schema(task.bpmn_id),
            _step_check(scenario, worker, task),
        )

    drive(service, matter_type, path="return_once", sub_type=variant, before_step=mutate)
    expected = {*PRIOR_APPROVAL_STEPS, *OVERSIGHT_STEPS, *MATTERS[matter_type].steps}
    if not has_owners_vote(matter_type, variant):
        expected.discard(OWNERS_VOTE)
    assert visited == expected


def _send_mutations(
    service: CaseService,
    client: Client,
    url: str,
    envelope: dict[str, Any],
    key: str,
    schema: type[FormSchema],
    accepted: Callable[[dict[str, Any]], bool] | None = None,
) -> None:
    """POST each mutation of ``envelope[key]`` to ``url``: never a 500, and a refusal names
    the field and changes nothing. What ``accepted`` says would pass is not sent."""
    valid = envelope[key]
    for path, value in _mutations(schema, valid):
        body = mutated(envelope, (key, *path), value)
        if accepted is not None and accepted(body[key]):
            continue
        before = _trail(service)
        # Every non-ASCII character escaped, so a lone surrogate travels as JSON does.
        answer = client.post(url, data=json.dumps(body), content_type="application/json")
        where = (url, dotted(path), value)
        assert answer.status_code != 500, (*where, answer.get_data(True))
        if answer.status_code < 400 and accepted is None:
            continue
        assert answer.status_code == 422, (*where, answer.get_data(True))
        _assert_names_the_field(answer, path, value, _at(valid, path), {*valid, *schema().fields})
        assert _trail(service) == before, where


def _mutations(schema: type[FormSchema], payload: dict[str, Any]) -> list[tuple[KeyPath, Any]]:
    """(path, value) for each field of ``payload``, ``PER_FIELD`` kinds each, rotating."""
    chosen = []
    for index, path in enumerate(paths(payload)):
        for turn in range(PER_FIELD):
            value = KINDS[(index * PER_FIELD + turn) % len(KINDS)]
            if not _harmless(schema().fields.get(str(path[0])), path, value):
                chosen.append((path, value))
    return chosen


def _harmless(field: Any, path: KeyPath, value: Any) -> bool:
    """A mutation still valid for a top-level field: text for a text, an optional one gone."""
    if len(path) > 1 or field is None:
        return False
    if value is DROP:
        return not field.required
    return isinstance(field, Text) and isinstance(value, str) and not unstorable(value)


def _assert_names_the_field(
    answer: TestResponse, path: KeyPath, value: Any, original: Any, known: set[str]
) -> None:
    """The refusal names fields in Chinese: the mutated one itself whenever its value is
    of another type than the valid one or no field may hold it (a lone surrogate, a NUL);
    otherwise a rule across fields may name another field of the form."""
    errors = answer.get_json(force=True).get("errors") or {}
    assert errors, answer.get_data(True)
    assert all(CJK.search(text) for texts in errors.values() for text in texts), errors
    names = {name.removeprefix("request.").removeprefix("data.") for name in errors}
    field = dotted(path)
    strict = value is not DROP and (type(value) is not type(original) or unstorable(value))
    if strict:
        assert any(n == field or n.startswith(f"{field}.") for n in names), (field, errors)
    else:
        assert all(n == "_schema" or n.split(".")[0] in known for n in names), (field, errors)


def _step_check(scenario: CaseService, username: str, task: HumanTask) -> Callable[..., bool]:
    """Whether data would pass the edge and the task's form in the task's context, as the
    task page's check (核算) runs it; the context is read once."""
    with scenario.sessions() as session:
        actor = scenario.actor(session, username)
    seen = task_context(scenario, actor, task.id)
    with scenario.sessions() as session:
        case = session.get(Case, task.case_id)
        moment = moment_at(session, scenario.clock.now())
        dates = recorded_dates(session, case, seen)
        ctx = step_context(moment, case.matter_type, case.sub_type, seen, dates)

    def accepted(data: dict[str, Any]) -> bool:
        if unstorable(data):
            return False
        try:
            validate_case_step(case.matter_type, task.bpmn_id, data, ctx)
        except FormError:
            return False
        return True

    return accepted


def _trail(service: CaseService) -> tuple[int, ...]:
    """What a request could leave behind: cases, history entries, open tasks, notices."""
    counts = (
        select(func.count()).select_from(Case).scalar_subquery(),
        select(func.count()).select_from(CaseEvent).scalar_subquery(),
        select(func.count()).where(HumanTask.status == "open").scalar_subquery(),
        select(func.count()).select_from(Notification).scalar_subquery(),
    )
    with service.sessions() as session:
        return tuple(session.execute(select(*counts)).one())


def _with_uploads(client: Client, payload: Any) -> Any:
    """``payload`` with every file it names uploaded by ``client``'s user, as a user
    attaches files before submitting."""
    if isinstance(payload, dict):
        if "sha256" in payload and "name" in payload:
            uploaded = client.upload(name=payload["name"]).get_json()
            return {**payload, "sha256": uploaded["sha256"]}
        return {key: _with_uploads(client, value) for key, value in payload.items()}
    if isinstance(payload, list):
        return [_with_uploads(client, value) for value in payload]
    return payload


def _at(payload: Any, path: KeyPath) -> Any:
    for step in path:
        payload = payload[step]
    return payload
