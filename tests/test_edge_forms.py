"""Dates and numbers in matter forms, bounded and parsed strictly: a refusal naming the
field, never a 500, over the API on every database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_support import Client, assert_problem, make_app, token_for
from flask import Flask
from sqlalchemy import func, select

from service.cases.case_service import CaseService
from service.core.models import Case
from service.demo.cases import applicant_for, filing_payload


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return make_app(service, tmp_path / "attachments")


def _file(
    app: Flask, service: CaseService, matter_type: str, sub_type: str | None = None, **request: Any
):
    """POST /cases with the demo filing of ``matter_type``, ``request`` changed."""
    username, _estate = applicant_for(matter_type, sub_type)
    filing = filing_payload(matter_type, service.clock.now(), sub_type)
    client = Client(app.test_client(), token_for(service, username))
    plan = client.upload().get_json()
    filing["request"]["attachments"] = [{"name": plan["name"], "sha256": plan["sha256"]}]
    filing["request"].update(request)
    return client.post("/cases", filing)


def _cases(service: CaseService) -> int:
    with service.sessions() as session:
        return session.scalar(select(func.count()).select_from(Case))


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"])
def test_a_term_end_outside_the_calendar_is_refused(app, service, day: str) -> None:
    answer = _file(app, service, "committee_election", "change_of_term", term_end_date=day)
    body = assert_problem(answer, 422)
    assert "1900 年至 2999 年之间" in body["errors"]["term_end_date"][0]
    assert _cases(service) == 0


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59"]
)
def test_an_emergency_outside_the_calendar_is_refused(app, service, moment: str) -> None:
    answer = _file(app, service, "fund_emergency", occurred_at=moment)
    body = assert_problem(answer, 422)
    assert "1900 年至 2999 年之间" in body["errors"]["occurred_at"][0]


@pytest.mark.parametrize(
    "text", ["1e999", "1E2", "NaN", "Infinity", "１２３", "١٢٣", "12.5", "0x10"]
)
def test_counts_are_ascii_whole_numbers(app, service, text: str) -> None:
    answer = _file(app, service, "fund_normal", affected_owners=text)
    body = assert_problem(answer, 422)
    assert "应为整数" in body["errors"]["affected_owners"][0]


def test_a_count_beyond_any_estate_is_refused(app, service) -> None:
    answer = _file(app, service, "fund_normal", affected_owners=10**39)
    body = assert_problem(answer, 422)
    assert "不能大于 2147483647" in body["errors"]["affected_owners"][0]
    assert _file(app, service, "fund_normal", affected_owners="120").status_code == 201


@pytest.mark.parametrize("text", ["1e999", "1E2", "NaN", "Infinity", "１２３", "12.345", "-1"])
def test_areas_and_amounts_are_plain_decimals(app, service, text: str) -> None:
    body = assert_problem(_file(app, service, "fund_normal", affected_area=text), 422)
    assert "最多两位小数" in body["errors"]["affected_area"][0]
    body = assert_problem(_file(app, service, "fund_normal", budget=text), 422)
    assert "最多两位小数" in body["errors"]["budget"][0]
    assert _cases(service) == 0
