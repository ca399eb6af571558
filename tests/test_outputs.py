"""The outputs officials file: Excel workbooks read back with openpyxl (Chinese headers, real
date and number cells), the rectification ledger with the oversight's rectifications, and
the 批复 and 请示 as PDF with their text extracted by pypdf, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from api_support import Client as ApiClient
from api_support import token_for
from flask import Flask
from openpyxl import load_workbook
from pypdf import PdfReader
from web_support import Client

from service.app import create_app
from service.cases.case_service import CaseService
from service.cases.request_document import chinese_numeral
from service.cases.written_reply import book_title
from service.core import workbook
from service.core.workbook import XLSX_MIMETYPE
from service.demo.cases import drive
from service.duties.rectification_ledger import ledger_rows
from workflows.work_calendar import SHANGHAI


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


def _pdf_text(data: bytes) -> str:
    """The PDF's text with the line breaks and spaces layout put in taken out."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return "".join(text.split())


def test_the_reply_and_the_request_download_as_pdf(app: Flask, service: CaseService) -> None:
    case_id = drive(service, "firm_entry", stop_before="firm_selection")
    committee = Client(app, "committee")
    case_page = committee.get(f"/cases/{case_id}").text
    assert (
        f"/cases/{case_id}/reply.pdf" in case_page and f"/cases/{case_id}/request.pdf" in case_page
    )
    page = committee.get(f"/cases/{case_id}/reply").text
    assert "data-print" in page and f'href="/cases/{case_id}"' in page, "print and back"

    answer = committee.get(f"/cases/{case_id}/reply.pdf")
    assert answer.mimetype == "application/pdf" and answer.data.startswith(b"%PDF-")
    text = _pdf_text(answer.data)
    assert "幸福社区党委批〔" in text and "号" in text
    assert "关于《关于物业服务企业进驻的请示》的批复" in text
    assert "返回案件" not in text, "the toolbar stays off the document"

    api = ApiClient(app.test_client(), token_for(service, "committee"))
    from_api = api.get(f"/cases/{case_id}/reply.pdf")
    assert from_api.status_code == 200 and from_api.mimetype == "application/pdf"
    assert "关于《关于物业服务企业进驻的请示》的批复" in _pdf_text(from_api.data)

    page = committee.get(f"/cases/{case_id}/request").text
    assert "妥否，请批示。" in page and "下载 PDF" in page
    text = _pdf_text(committee.get(f"/cases/{case_id}/request.pdf").data)
    assert "关于物业服务企业进驻的请示" in text and "幸福社区党委：" in text
    assert "一、申请单位类型" in text and "妥否，请批示。" in text


def test_a_document_not_yet_written_is_404_in_chinese(app: Flask, service: CaseService) -> None:
    case_id = drive(service, "firm_entry", stop_before="acceptance_check")
    committee = Client(app, "committee")
    assert "没有找到您要的内容" in committee.get(f"/cases/{case_id}/reply.pdf", status=404).text
    api = ApiClient(app.test_client(), token_for(service, "committee"))
    assert api.get(f"/cases/{case_id}/reply.pdf").status_code == 404
    assert "妥否，请批示。" in committee.get(f"/cases/{case_id}/request").text


def test_a_title_with_its_own_book_marks_is_quoted_without_nesting() -> None:
    assert book_title("关于修订《管理规约》的请示") == "关于修订〈管理规约〉的请示"
    assert [chinese_numeral(n) for n in (1, 9, 10, 12, 20, 21)] == [
        "一",
        "九",
        "十",
        "十二",
        "二十",
        "二十一",
    ]


def test_the_case_list_the_search_and_the_inbox_download_as_excel(
    app: Flask, service: CaseService
) -> None:
    waiting = drive(service, "firm_entry", stop_before="acceptance_check")
    closed = drive(service, "fee_adjustment")
    secretary = Client(app, "secretary")
    assert "/cases.xlsx" in secretary.get("/cases").text
    table = _sheet(secretary.get("/cases.xlsx").data)
    assert table[0][:3] == ("案件编号", "标题", "事项") and "提出时间" in table[0]
    rows = {row[0]: row for row in table[1:]}
    assert {waiting, closed} <= set(rows), "every case, ids as number cells"
    filed, ended = table[0].index("提出时间"), table[0].index("结束时间")
    assert isinstance(rows[closed][filed], datetime) and isinstance(rows[closed][ended], datetime)
    assert rows[closed][table[0].index("状态")] == "已办结"
    assert rows[waiting][ended] is None and rows[waiting][table[0].index("状态")] == "办理中"
    only = _sheet(secretary.get("/cases.xlsx?matter=fee_adjustment").data)
    assert [row[0] for row in only[1:]] == [closed]

    auditor = Client(app, "auditor")
    assert "/audit.xlsx" in auditor.get("/audit").text
    found = _sheet(auditor.get("/audit.xlsx?matter=firm_entry").data)
    assert [row[0] for row in found[1:]] == [waiting]

    assert "/inbox.xlsx" in secretary.get("/inbox").text
    book = load_workbook(io.BytesIO(secretary.get("/inbox.xlsx").data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["任务编号", "案件编号", "案件"]
    [task] = [r for r in sheet.iter_rows(min_row=2) if r[1].value == waiting]
    due = task[header.index("办理期限")]
    assert task[header.index("步骤")].value == "受理审查"
    assert isinstance(due.value, datetime), "a real date cell"
    assert due.number_format in ('yyyy-mm-dd "24:00"', "yyyy-mm-dd hh:mm")

    api = ApiClient(app.test_client(), token_for(service, "secretary"))
    answer = api.get("/cases.xlsx", query_string={"matter": "fee_adjustment"})
    assert answer.status_code == 200 and answer.mimetype == XLSX_MIMETYPE
    assert [row[0] for row in _sheet(answer.data)[1:]] == [closed]
    answer = api.get("/tasks.xlsx")
    assert answer.status_code == 200 and waiting in [row[1] for row in _sheet(answer.data)[1:]]
    bad = api.get("/cases.xlsx", query_string={"matter": "nothing"})
    assert bad.status_code == 422


def test_a_deadline_ending_at_midnight_is_the_day_before_at_24_00() -> None:
    end = workbook.deadline(datetime(2026, 12, 22, tzinfo=SHANGHAI))
    assert end == workbook.Formatted(date(2026, 12, 21), 'yyyy-mm-dd "24:00"')
    noon = workbook.deadline(datetime(2026, 12, 21, 12, 30, tzinfo=SHANGHAI))
    assert noon == workbook.Formatted(datetime(2026, 12, 21, 12, 30), "yyyy-mm-dd hh:mm")


def test_a_case_history_downloads_as_excel_one_row_per_entry(
    app: Flask, service: CaseService
) -> None:
    case_id = drive(service, "firm_entry", path="return_once")
    committee = Client(app, "committee")
    assert f"/cases/{case_id}/history.xlsx" in committee.get(f"/cases/{case_id}").text
    table = _sheet(committee.get(f"/cases/{case_id}/history.xlsx").data)
    assert table[0] == ("序号", "时间", "记录", "办理人", "结果", "内容")
    entries = table[1:]
    assert [row[0] for row in entries] == list(range(1, len(entries) + 1))
    assert all(isinstance(row[1], datetime) for row in entries)
    assert entries[0][2] == "提出请示" and "涉及专有部分面积（平方米）：" in entries[0][5]
    outcomes = [row[4] for row in entries if row[4]]
    assert outcomes[:2] == ["退回补正", "受理"]
    assert "需要整改" in outcomes and outcomes[-1] == "符合批复意见"
    assert "导出 Excel" in Client(app, "auditor").get(f"/audit/cases/{case_id}").text
