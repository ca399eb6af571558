"""The firm register: each property firm carries its unified social credit code, checked
per GB 32100-2015 (and the organization code inside it per GB 11714-1997), one firm per
code, set by administrators over the API and on the organizations page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from api_support import Client, make_app, token_for
from flask import Flask
from sqlalchemy import func, select
from web_support import Client as PageClient

from service.cases.case_service import CaseService
from service.core.models import AdminEvent, Organization
from workflows.credit_code import check_character, credit_code_problem

FIRM = "安居物业服务有限公司（幸福家园项目）"
OTHER_FIRM = "宜居物业服务有限公司（阳光花园项目）"
COMMITTEE = "幸福家园小区业主委员会"
NEW_CODE = "91110108MA01RX70XH"

# Codes of real bodies as printed on their licences and in public registers.
REAL_CODES = (
    "914403001922038216",  # 华为技术有限公司
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91110108551385082Q",  # 北京百度网讯科技有限公司
    "51420000MJH2003604",  # 湖北省的一家社会团体（民政登记）
    "52420000MJH23339XT",  # 湖北省的一家民办非企业单位（组织机构代码校验位为 X）
)


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_pass(code: str) -> None:
    assert credit_code_problem(code) is None


def test_the_standard_s_worked_example() -> None:
    """GB 32100-2015's example: 91350100M000100Y4 sums to 1640, 1640 mod 31 = 28, check 3."""
    assert check_character("91350100M000100Y4") == "3"
    assert credit_code_problem("91350100M000100Y43") is None


@pytest.mark.parametrize(
    ("code", "part"),
    [
        ("91350100M000100Y4Z", "除 I、O、Z、S、V"),  # Z is not in the character set
        ("91350100M000100Y4", "应为 18 位"),
        ("914403001922038215", "校验码（第 18 位）"),
        ("914403001922038226", "组织机构代码校验位"),
        ("941100001000000000", "登记管理部门代码和机构类别代码"),  # 工商 registers 1, 2, 3
        ("B1110105MA01AJ805X", "登记管理部门代码和机构类别代码"),  # no department B
        ("91A10105MA01AJ805X", "行政区划码"),
        ("91110105ma01aj805x", "除 I、O、Z、S、V"),
    ],
)
def test_mistyped_codes_are_refused_naming_the_part(code: str, part: str) -> None:
    assert part in credit_code_problem(code)


def _id(service: CaseService, name: str) -> int:
    with service.sessions() as session:
        return session.scalar(select(Organization.id).where(Organization.name == name))


def _code(service: CaseService, name: str) -> str | None:
    with service.sessions() as session:
        return session.scalar(select(Organization.credit_code).where(Organization.name == name))


def _log_size(service: CaseService) -> int:
    with service.sessions() as session:
        return session.scalar(select(func.count()).select_from(AdminEvent))


@pytest.fixture
def admin(service: CaseService, tmp_path: Path) -> Client:
    app = make_app(service, tmp_path / "attachments")
    return Client(app.test_client(), token_for(service, "admin"))


def test_the_demo_firms_are_registered_by_code(service: CaseService) -> None:
    assert credit_code_problem(_code(service, FIRM)) is None
    assert credit_code_problem(_code(service, OTHER_FIRM)) is None


def test_admin_registers_a_firm_s_code_over_the_api(admin: Client, service: CaseService) -> None:
    firm = _id(service, FIRM)
    answer = admin.call("PATCH", f"/admin/organizations/{firm}", {"credit_code": NEW_CODE})
    assert answer.status_code == 200, answer.json
    assert answer.json["credit_code"] == NEW_CODE and answer.json["name"] == FIRM
    assert _code(service, FIRM) == NEW_CODE
    listed = admin.get("/admin/organizations?place=E01").json["items"]
    assert {o["name"]: o["credit_code"] for o in listed}[FIRM] == NEW_CODE
    with service.sessions() as session:
        entry = session.scalar(select(AdminEvent).order_by(AdminEvent.seq.desc()).limit(1))
    assert (entry.action, entry.target) == ("organization_credit_code_set", f"organization:{firm}")
    assert entry.data["after"] == {"credit_code": NEW_CODE}


def test_a_new_firm_is_created_with_its_code(admin: Client, service: CaseService) -> None:
    body = {"kind": "property_firm", "name": "红旗物业", "place": "E01", "credit_code": NEW_CODE}
    answer = admin.post("/admin/organizations", body)
    assert answer.status_code == 201, answer.json
    assert answer.json["credit_code"] == NEW_CODE


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        (FIRM, "914403001922038215", "校验码"),
        (FIRM, "12345", "应为 18 位"),
        (FIRM, "91110105MA01HQ204A", "已登记为“宜居物业服务有限公司（阳光花园项目）”"),
        (COMMITTEE, NEW_CODE, "只有物业服务企业"),
    ],
)
def test_a_refused_code_names_the_field_and_changes_nothing(
    admin: Client, service: CaseService, name: str, code: str, message: str
) -> None:
    before = (_code(service, name), _log_size(service))
    answer = admin.call(
        "PATCH", f"/admin/organizations/{_id(service, name)}", {"credit_code": code}
    )
    assert answer.status_code == 422
    assert message in " ".join(answer.json["errors"]["credit_code"])
    assert (_code(service, name), _log_size(service)) == before


def test_a_second_firm_cannot_be_created_with_a_taken_code(
    admin: Client, service: CaseService
) -> None:
    taken = _code(service, OTHER_FIRM)
    body = {"kind": "property_firm", "name": "仿冒物业", "place": "E01", "credit_code": taken}
    answer = admin.post("/admin/organizations", body)
    assert answer.status_code == 422 and "已登记" in answer.json["errors"]["credit_code"][0]
    assert _id(service, "仿冒物业") is None


def test_an_empty_change_is_refused(admin: Client, service: CaseService) -> None:
    answer = admin.call("PATCH", f"/admin/organizations/{_id(service, FIRM)}", {})
    assert answer.status_code == 422


def test_the_openapi_document_describes_the_code(admin: Client) -> None:
    schemas = admin.get("/openapi.json").json["components"]["schemas"]
    update = schemas["OrganizationUpdate"]["properties"]["credit_code"]
    assert update["pattern"] == "^[0-9A-HJ-NPQRTUWXY]{18}$"
    assert update["minLength"] == update["maxLength"] == 18
    assert "GB 32100-2015" in update["description"]


# -- the organizations page ---------------------------------------------------------------


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return make_app(service, tmp_path / "files")


def _row(html: str, organization_id: int) -> str:
    found = re.search(rf'<tr id="organization-{organization_id}">(.*?)</tr>', html, re.S)
    return found.group(1) if found else ""


def test_admin_registers_a_code_from_the_firm_s_row(app: Flask, service: CaseService) -> None:
    page_admin = PageClient(app, "admin")
    firm, committee = _id(service, FIRM), _id(service, COMMITTEE)
    listing = page_admin.get("/admin/organizations?place=E01").text
    assert _code(service, FIRM) in _row(listing, firm)
    assert "登记信用代码" in _row(listing, firm) and "登记信用代码" not in _row(listing, committee)
    saved = page_admin.post(
        f"/admin/organizations/{firm}/credit-code?place=E01", {"credit_code": f" {NEW_CODE} "}
    )
    assert saved.headers["Location"].endswith(f"/admin/organizations?place=E01#organization-{firm}")
    page = page_admin.get("/admin/organizations?place=E01").text
    assert f"已登记“{FIRM}”的统一社会信用代码 {NEW_CODE}" in page
    assert NEW_CODE in _row(page, firm)


def test_a_refused_code_is_named_on_its_row(app: Flask, service: CaseService) -> None:
    page_admin = PageClient(app, "admin")
    firm = _id(service, FIRM)
    before = _code(service, FIRM)
    page = page_admin.post(
        f"/admin/organizations/{firm}/credit-code?place=E01",
        {"credit_code": "914403001922038215"},
        status=422,
    ).text
    row = _row(page, firm)
    assert "校验码（第 18 位）不正确" in row and 'value="914403001922038215"' in row
    assert "<details open>" in row
    assert _code(service, FIRM) == before
