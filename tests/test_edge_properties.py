"""Every validator of every matter, fuzzed: whatever a filing or a step is sent, it either
passes with JSON-ready data or raises the form error naming fields, never another exception.

The forms and their valid data come from the registry (``workflows/matters``) and the
demo scenarios, so a new matter type, step or variant is fuzzed without a line here.
Each step is checked in the context a case gives it: the cleaned filing, the earlier
steps' results and the vote rule the matter's table names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from fuzz_support import (
    EDGE,
    JSON_VALUES,
    MUTATION_VALUES,
    MUTATIONS,
    KeyPath,
    mutated,
    names_a_field,
    paths,
)
from hypothesis import given
from hypothesis import strategies as st

from service.demo.cases import (
    applicant_for,
    filing_payload,
    has_owners_vote,
    step_payload,
    sub_type_of,
    variants,
)
from service.demo.district import ORGANIZATIONS, USERS
from workflows.catalogue import MATTERS
from workflows.forms import (
    FormError,
    FormSchema,
    StepContext,
    filing_schema,
    step_schema,
    validate_filing,
    validate_step,
)
from workflows.lifecycle import OVERSIGHT_STEPS, OWNERS_VOTE, PRIOR_APPROVAL_STEPS
from workflows.settings import Settings
from workflows.work_calendar import SHANGHAI, WorkCalendar

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
CALENDAR = WorkCalendar()


@dataclass(frozen=True)
class Form:
    """One validator with valid data for it and the case context it runs in."""

    matter_type: str
    variant: str | None
    task: str | None  # None for the filing
    payload: Mapping[str, Any]
    ctx: StepContext = field(repr=False)

    @property
    def schema(self) -> type[FormSchema]:
        return filing_schema(self.matter_type) if self.task is None else step_schema(self.task)

    def validate(self, payload: Any) -> dict[str, Any]:
        if self.task is None:
            return validate_filing(self.matter_type, payload, self.ctx)
        return validate_step(self.task, payload, self.ctx)

    def __str__(self) -> str:
        return "/".join(filter(None, (self.matter_type, self.variant, self.task or "filing")))


def _ctx(matter_type: str, sub_type: str, data: Mapping[str, Any]) -> StepContext:
    return StepContext(
        matter_type=matter_type,
        sub_type=sub_type,
        request=data.get("request", {}),
        data=dict(data),
        settings=Settings(),
        calendar=CALENDAR,
        now=NOW,
    )


def _path(matter_type: str, variant: str | None) -> Iterator[str]:
    """The user tasks of a case of the variant in its model's order, the street's
    supervision of its first own step last."""
    matter = MATTERS[matter_type]
    yield from matter.before_approval
    yield from PRIOR_APPROVAL_STEPS
    for task in matter.after_approval:
        if task != OWNERS_VOTE or has_owners_vote(matter_type, variant):
            yield task
    yield from OVERSIGHT_STEPS
    yield f"supervise_{matter.matter_steps[0].id}"


def _filing(matter_type: str, variant: str | None) -> dict[str, Any]:
    """The demo filing as the service validates it: the applicant's kind is its body's."""
    username, _estate = applicant_for(matter_type, variant)
    body = next(user.organization for user in USERS if user.username == username)
    kind = next(kind for kind, name, _place in ORGANIZATIONS if name == body)
    return {"applicant_kind": kind, **filing_payload(matter_type, NOW, variant)["request"]}


def _forms() -> Iterator[Form]:
    """Every matter's filing per variant, and every step's form once, in the context of
    the first case that reaches it (a form shared by all matters is the same code)."""
    forms_seen: set[type[FormSchema]] = set()
    for code, matter in MATTERS.items():
        for variant in variants(code):
            sub_type = sub_type_of(code, variant)
            request = _filing(code, variant)
            yield Form(code, variant, None, request, _ctx(code, "", {}))
            data: dict[str, Any] = {
                "request": validate_filing(code, request, _ctx(code, "", {})),
                "vote_rule": matter.vote_rules[sub_type][1],
            }
            for task in _path(code, variant):
                payload = step_payload(code, task, NOW, sub_type=variant)
                form = Form(code, variant, task, payload, _ctx(code, sub_type, data))
                if form.schema not in forms_seen:
                    yield form
                forms_seen.add(form.schema)
                data.update(form.validate(payload))


FORMS = list(_forms())


def _passes_or_names_fields(form: Form, payload: Any) -> None:
    """The property: JSON-ready data, or a FormError naming fields in Chinese."""
    try:
        cleaned = form.validate(payload)
    except FormError as refused:
        sent = set(payload) if isinstance(payload, Mapping) else set()
        names_a_field(refused.messages, set(form.schema().fields) | sent)
    else:
        json.dumps(cleaned, allow_nan=False)


@pytest.mark.parametrize("form", FORMS, ids=str)
def test_the_valid_data_passes(form: Form) -> None:
    """The mutations start from data the form accepts, so each refusal is the mutation's."""
    json.dumps(form.validate(form.payload), allow_nan=False)


def _mutations(form: Form) -> st.SearchStrategy[Any]:
    """The valid data with one to three fields (or list entries' fields) dropped or
    replaced: wrong types, lone surrogates, NUL, "1e999", full-width digits, 10^39,
    0001-01-01 and 9999-12-31, 0/1/"yes" for booleans, fields the form does not have."""
    keys = [*paths(form.payload), *((name,) for name in form.schema().fields)]

    @st.composite
    def mutate(draw: st.DrawFn) -> dict[str, Any]:
        payload = dict(form.payload)
        for _ in range(draw(st.integers(1, 3))):
            live = [p for p in keys if _reaches(payload, p)]
            path = draw(st.sampled_from(live) | st.tuples(st.text(max_size=8)))
            payload = mutated(payload, path, draw(MUTATION_VALUES))
        return payload

    return mutate()


# Arbitrary JSON in place of the whole form: objects with any keys, or no object at all.
_ANY_JSON = JSON_VALUES | st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4)


@pytest.mark.parametrize("form", FORMS, ids=str)
@EDGE
@given(data=st.data())
def test_any_input_passes_or_names_the_field(form: Form, data: st.DataObject) -> None:
    """Mutations of the valid data, and arbitrary JSON, a few of each per example."""
    for payload in data.draw(st.lists(_mutations(form) | _ANY_JSON, min_size=1, max_size=4)):
        _passes_or_names_fields(form, payload)


def _reaches(payload: Any, path: KeyPath) -> bool:
    """Whether every step of ``path`` but the last exists in ``payload``, so it can be set."""
    holder = payload
    for step in path[:-1]:
        if not _holds(holder, step):
            return False
        holder = holder[step]
    return isinstance(holder, Mapping) or _holds(holder, path[-1])


def _holds(holder: Any, step: str | int) -> bool:
    if isinstance(holder, Mapping):
        return step in holder
    return isinstance(holder, list) and isinstance(step, int) and step < len(holder)


@pytest.mark.parametrize("form", FORMS, ids=str)
def test_each_field_given_each_mutation_kind_passes_or_names_it(form: Form) -> None:
    """Every field (and list entry's field) with every kind, one at a time: what the
    random search may miss, such as a committee's term ending on 0001-01-01."""
    for path in [*paths(form.payload), *((name,) for name in form.schema().fields)]:
        for value in MUTATIONS.values():
            _passes_or_names_fields(form, mutated(form.payload, path, value))
