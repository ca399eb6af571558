"""The outputs officials file: Excel workbooks read back with openpyxl (Chinese headers, real
date and number cells) and the rectification ledger with the oversight's rectifications,
on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from api_support import Client as ApiClient
from api_support import token_for
from flask import Flask
from openpyxl import load_workbook
from web_support import Client

from service.app import create_app
from service.cases.case_service import CaseService
from service.core.workbook import XLSX_MIMETYPE
from service.demo.cases import drive
from service.duties.rectification_ledger import ledger_rows


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "ATTACHMENT_DIR": str(tmp_path / "files")}, service=service)


def _sheet(data: bytes) -> list[tuple]:
    book = load_workbook(io.BytesIO(data))
    return list(book.active.iter_rows(values_only=True))


def test_the_ledger_holds_the_rectifications_oversight_ordered(
    app: Flask, service: CaseService
) -> None:
    rectified = drive(service, "firm_entry", path="return_once")
    pending = drive(service, "firm_entry", path="return_once", stop_before="rectification")
    with service.sessions() as session:
        today = service.clock.now().date()
        rows = [r for r in ledger_rows(session, today) if r.source == "oversight_review"]
    assert [(r.case_id, r.item_no, r.item, r.status) for r in rows] == [
        (rectified, 1, "公示材料不完整。", "done"),
        (pending, 1, "公示材料不完整。", "open"),
    ]
    assert rows[0].reported_on and rows[0].done_on and not rows[0].overdue
    assert rows[1].matter == "物业服务企业进驻"

    answer = Client(app, "secretary").get("/ledger.xlsx")
    assert answer.mimetype == XLSX_MIMETYPE
    table = _sheet(answer.data)
    assert table[0][:2] == ("来源", "年度") and "整改期限" in table[0]
    assert {row[0] for row in table[1:]} >= {"监督检查（物业服务企业进驻）"}
    due = table[0].index("整改期限")
    body = [row for row in table[1:] if str(row[0]).startswith("监督检查")]
    assert [(row[6], row[7], row[9]) for row in body] == [
        (1, "公示材料不完整。", "已完成"),
        (1, "公示材料不完整。", "未完成"),
    ]
    assert isinstance(body[0][1], int) and isinstance(body[0][due], datetime)
    assert body[0][-1] == rectified, "the case number is a number cell"
    page = Client(app, "secretary").get("/ledger").text
    assert "监督检查" in page and "下载 Excel" in page


def test_the_reviewed_body_reads_its_own_items_only(app: Flask, service: CaseService) -> None:
    case_id = drive(service, "firm_entry", path="return_once", stop_before="rectification")
    own = Client(app, "committee")
    assert "公示材料不完整。" in own.get("/ledger").text
    assert "整改台账" in own.get("/").text, "the applicant finds the ledger in the menu"
    assert "公示材料不完整。" not in Client(app, "firm2").get("/ledger").text

    api = ApiClient(app.test_client(), token_for(service, "committee"))
    [row] = api.get("/rectification-ledger").get_json()
    assert (row["case_id"], row["source"], row["status"]) == (case_id, "oversight_review", "open")
    answer = api.get("/rectification-ledger.xlsx")
    assert answer.status_code == 200 and answer.mimetype == XLSX_MIMETYPE
    assert _sheet(answer.data)[1][7] == "公示材料不完整。"
    outsider = ApiClient(app.test_client(), token_for(service, "firm2"))
    assert outsider.get("/rectification-ledger").get_json() == []
