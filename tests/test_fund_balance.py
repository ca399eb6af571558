"""The fund's balance (issue 27): each estate's maintenance fund is kept on the estate from
its account statements; an open fund-use case reserves its budget, a refusal or a close
without spending releases it, the recorded transfer is taken from it; a filing over the
available balance is refused naming the budget and the figure; the estate's page, the API
and the export show balance, reserved and spent, and they reconcile."""

from __future__ import annotations

import contextlib
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from api_support import Client, assert_problem, make_app, token_for
from sqlalchemy import delete
from web_support import Client as PageClient

from service.app import create_app
from service.cases.case_service import CaseService
from service.core.errors import InvalidInput
from service.core.fund_tables import FundStatement
from service.demo.cases import complete_step, drive, filing_payload, step_payload
from service.estates import fund
from service.estates.ledger import ledger, record_statement

STATEMENT = {"balance": "120000.00", "statement_date": "2026-03-01", "reference": "对账单2026-03"}


def _api(service: CaseService, tmp_path: Path, username: str) -> Client:
    return Client(make_app(service, tmp_path).test_client(), token_for(service, username))


def _record(service: CaseService, username: str = "admin", **changes: str) -> None:
    with service.transaction() as session:
        actor = service.actor(session, username)
        record_statement(session, actor, "E01", {**STATEMENT, **changes}, service.clock.now())


def _fund(service: CaseService, username: str = "admin") -> Any:
    with service.sessions() as session:
        return ledger(session, service.actor(session, username), "E01")


def _use(service: CaseService, budget: str) -> dict[str, Any]:
    payload = filing_payload("fund_normal", service.clock.now())
    payload["request"].update(budget=budget, fund_balance="500000.00")
    return payload


def _file(service: CaseService, payload: dict[str, Any], username: str = "committee") -> int:
    with service.sessions() as session:
        actor = service.actor(session, username)
    return service.file_case(actor, payload)


def _reconciles(figures: Any) -> None:
    assert figures.statement.balance - figures.spent == figures.balance
    assert figures.balance - figures.reserved == figures.available


def test_two_uses_over_one_balance_the_second_is_refused_with_the_figure(
    service: CaseService, tmp_path: Path
) -> None:
    """The example of issue 27: 100,000 twice against 120,000."""
    _record(service)
    committee = _api(service, tmp_path, "committee")
    request = _use(service, "100000.00")
    request["request"].pop("attachments")
    assert committee.post("/cases", request).status_code == 201
    body = assert_problem(committee.post("/cases", request), 422)
    assert body["errors"] == {
        "budget": [
            "“预算金额（元）”100000.00 元超过本小区维修资金可用余额 20000.00 元"
            "（余额 120000.00 元，办理中的案件已占用 100000.00 元）。"
        ]
    }
    figures = _fund(service)
    assert (figures.balance, figures.reserved, figures.available) == (
        Decimal("120000.00"),
        Decimal("100000.00"),
        Decimal("20000.00"),
    )
    _reconciles(figures)
    exact = _use(service, "20000.00")
    _file(service, exact)
    assert _fund(service).available == Decimal("0.00")


def test_a_refusal_releases_and_a_transfer_is_taken(service: CaseService) -> None:
    _record(service)
    refused = drive(service, "fund_normal", path="reject")
    closed = drive(service, "fund_normal")
    figures = _fund(service)
    statuses = {u.case_id: (u.status, u.spent) for u in figures.uses}
    assert statuses == {refused: ("released", None), closed: ("spent", Decimal("80000.00"))}
    assert (figures.spent, figures.balance, figures.reserved) == (
        Decimal("80000.00"),
        Decimal("40000.00"),
        Decimal("0.00"),
    )
    _reconciles(figures)
    # A statement dated after the transfer includes it: the balance is the statement's.
    _record(service, balance="40000.00", statement_date="2026-03-02", reference="对账单2026-03-02")
    assert (_fund(service).spent, _fund(service).balance) == (Decimal("0.00"), Decimal("40000.00"))


def test_a_supplement_raising_the_budget_is_checked_again(service: CaseService) -> None:
    _record(service, balance="100000.00")
    case_id = drive(service, "fund_normal", path="return_once", stop_before="supplement")
    raised = {"supplement_note": "提高预算", "updated_fields": {"budget": "100000.01"}}
    with pytest.raises(InvalidInput) as refused:
        complete_step(service, case_id, "supplement", raised)
    assert refused.value.messages["updated_fields.budget"] == [
        "“预算金额（元）”100000.01 元超过本小区维修资金可用余额 100000.00 元"
        "（余额 100000.00 元，办理中的案件已占用 0.00 元）。"
    ]
    within = {"supplement_note": "提高预算", "updated_fields": {"budget": "100000.00"}}
    complete_step(service, case_id, "supplement", within)
    assert _fund(service).reserved == Decimal("100000.00")


def test_an_emergency_reserves_its_budget_and_spends_its_cost(service: CaseService) -> None:
    _record(service)
    waiting = drive(service, "fund_emergency", stop_before="cost_report")
    assert _fund(service).reserved == Decimal("40000.00")
    complete_step(
        service,
        waiting,
        "cost_report",
        step_payload("fund_emergency", "cost_report", service.clock.now()),
    )
    figures = _fund(service)
    assert (figures.reserved, figures.spent) == (Decimal("0.00"), Decimal("36800.00"))


def test_without_a_statement_no_fund_use_is_filed(service: CaseService) -> None:
    with service.transaction() as session:
        session.execute(delete(FundStatement))
    with pytest.raises(InvalidInput) as refused:
        _file(service, _use(service, "1.00"))
    assert refused.value.messages == {
        "budget": ["本小区尚未登记维修资金余额，请由管理员或街道按账户对账单登记后再提出。"]
    }


def test_who_records_a_statement_and_what_is_refused(service: CaseService, tmp_path: Path) -> None:
    street = _api(service, tmp_path, "street")
    answer = street.post("/estates/E01/fund/statements", STATEMENT)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["statement"]["recorded_by"] == "黄主任（和平街道党工委）"
    assert body["balance"] == "120000.00" and body["available"] == "120000.00"
    assert body["statements"][0]["reference"] == "对账单2026-03"
    secretary = _api(service, tmp_path, "secretary")
    refused = assert_problem(secretary.post("/estates/E01/fund/statements", STATEMENT), 403)
    assert refused["detail"] == "只有系统管理员和小区所在街道可以登记维修资金余额。"
    assert secretary.get("/estates/E01/fund").status_code == 200
    assert_problem(_api(service, tmp_path, "street2").get("/estates/E01/fund"), 404)
    bad = {**STATEMENT, "balance": "12.345"}
    errors = assert_problem(street.post("/estates/E01/fund/statements", bad), 422)["errors"]
    assert errors == {
        "balance": ["“对账单余额（元）”应填写以元为单位的非负金额，最多两位小数，如“1234.50”。"]
    }
    future = {**STATEMENT, "statement_date": "2026-03-03"}
    errors = assert_problem(street.post("/estates/E01/fund/statements", future), 422)["errors"]
    assert errors == {"statement_date": ["“对账单日期”不能晚于今天（2026-03-02）。"]}
    assert len(_fund(service).statements) == 2  # the demo's and the street's


def test_the_estate_page_and_the_export_reconcile(service: CaseService, tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "ATTACHMENT_DIR": str(tmp_path / "files")}, service=service)
    admin = PageClient(app, "admin")
    admin.post("/estates/E01/fund/statements", STATEMENT)
    reserved = drive(service, "fund_normal", stop_before="collective_study")
    page = admin.get("/estates/E01").text
    assert "<dt>当前余额</dt><dd>120000.00 元</dd>" in page
    assert "<dt>办理中案件占用</dt><dd>80000.00 元</dd>" in page
    assert "<dt>可用余额</dt><dd>40000.00 元</dd>" in page
    assert f'<a href="/cases/{reserved}">{reserved} 关于专项维修资金使用（一般）的请示</a>' in page
    refused = admin.post("/estates/E01/fund/statements", {**STATEMENT, "balance": "-1"}, status=422)
    assert "最多两位小数" in refused.text
    export = admin.get("/estates/E01/fund.csv").text.splitlines()
    assert export[3:6] == ["当前余额,120000.00", "办理中案件占用,80000.00", "可用余额,40000.00"]
    committee = PageClient(app, "committee")
    assert "登记对账单" not in committee.get("/estates/E01").text
    assert '<a href="/estates/E01">幸福家园小区</a>' in committee.get(f"/cases/{reserved}").text


def test_two_filings_over_one_balance_only_one_wins(
    service: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each filing reads the balance under the estate's lock: the second waits for the
    first to commit and then sees its reservation."""
    _record(service)
    both = threading.Barrier(2)
    read = fund.position

    def read_then_wait(*args: Any) -> Any:
        figures = read(*args)
        # Without the lock both would read 120,000 here; with it the other one waits.
        with contextlib.suppress(threading.BrokenBarrierError):
            both.wait(timeout=1)
        return figures

    monkeypatch.setattr(fund, "position", read_then_wait)
    outcomes: list[Any] = []

    def filing() -> None:
        try:
            outcomes.append(_file(service, _use(service, "100000.00")))
        except Exception as error:  # the test reads it below
            outcomes.append(error)

    threads = [threading.Thread(target=filing) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(type(o).__name__ for o in outcomes) == ["InvalidInput", "int"]
    monkeypatch.undo()
    assert _fund(service).reserved == Decimal("100000.00")
