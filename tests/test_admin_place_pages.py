"""The administrator's place and organization pages: listed a page at a time and filtered,
created and renamed through forms, each change in the administration log; refused input
is named beside its field and changes nothing; others get 403, visitors the sign-in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from web_support import TOKEN, Client

from service.admin.places import ORGANIZATION_PLACE, PLACE_PARENT
from service.app import create_app
from service.cases.case_service import CaseService
from service.core.models import AdminEvent, Organization, Place
from service.web.administration import places as place_pages


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "ATTACHMENT_DIR": str(tmp_path / "files")}, service=service)


def _counts(service: CaseService) -> tuple[int, int, int]:
    """Places, organizations and administration-log entries: what a refusal must not change."""
    with service.sessions() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table))
            for table in (Place, Organization, AdminEvent)
        )


def _newest_entry(service: CaseService) -> AdminEvent:
    with service.sessions() as session:
        return session.scalar(select(AdminEvent).order_by(AdminEvent.seq.desc()).limit(1))


def _rows(html: str) -> str:
    """The listing's table body, without the filter and form choices around it."""
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""


def _field_error(html: str, field_id: str) -> str:
    """The message shown beside one field ("" when there is none)."""
    found = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


def _organization_id(service: CaseService, name: str) -> int:
    with service.sessions() as session:
        return session.scalar(select(Organization.id).where(Organization.name == name))


def test_every_kind_has_a_chinese_name() -> None:
    assert set(place_pages.PLACE_KINDS) == set(PLACE_PARENT)
    assert set(place_pages.ORGANIZATION_KINDS) == set(ORGANIZATION_PLACE)


def test_the_admin_pages_link_to_each_other(app: Flask) -> None:
    admin = Client(app, "admin")
    users = admin.get("/admin/users").text
    assert 'href="/admin/places"' in users and 'href="/admin/organizations"' in users
    places = admin.get("/admin/places").text
    assert 'href="/admin/users"' in places and 'href="/admin/organizations"' in places
    organizations = admin.get("/admin/organizations").text
    assert 'href="/admin/users"' in organizations and 'href="/admin/places"' in organizations


# -- places ------------------------------------------------------------------------------


def test_admin_lists_and_filters_places(app: Flask) -> None:
    admin = Client(app, "admin")
    rows = _rows(admin.get("/admin/places").text)
    assert rows.count("<tr") == 10
    assert "幸福家园小区" in rows and ">小区<" in rows and "幸福社区（C01）" in rows
    assert "示范区" in rows and "—" in rows  # the district has no parent
    assert 'href="/admin/organizations?place=E01"' in rows

    streets = admin.get("/admin/places?kind=street").text
    assert '<option value="street" selected>' in streets
    assert re.findall(r'<tr id="place-(\w+)"', _rows(streets)) == ["S01", "S02"]
    unknown = admin.get("/admin/places?kind=planet").text
    assert _rows(unknown).count("<tr") == 10


def test_places_come_a_page_at_a_time_keeping_the_filter(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(place_pages, "PAGE_SIZE", 3)
    admin = Client(app, "admin")
    first = admin.get("/admin/places?kind=estate").text
    assert re.findall(r'<tr id="place-(\w+)"', _rows(first)) == ["E01", "E02", "E03"]
    following = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "kind=estate" in following
    second = admin.get(following).text
    assert re.findall(r'<tr id="place-(\w+)"', _rows(second)) == ["E04"]
    assert 'href="/admin/places?kind=estate">第一页' in second and 'rel="next"' not in second


def test_admin_creates_a_place(app: Flask, service: CaseService) -> None:
    admin = Client(app, "admin")
    _places, organizations, entries = _counts(service)
    created = admin.post(
        "/admin/places",
        {"kind": "estate", "code": " E09 ", "name": " 新家园小区 ", "parent": "C02"},
    )
    assert created.headers["Location"].endswith("/admin/places?kind=estate")
    page = admin.get("/admin/places?kind=estate").text
    assert "已新建小区“新家园小区”（E09）" in page
    assert '<tr id="place-E09">' in page and "安康社区（C02）" in _rows(page)
    with service.sessions() as session:
        place = session.scalar(select(Place).where(Place.code == "E09"))
        assert (place.kind, place.name, place.parent.code) == ("estate", "新家园小区", "C02")
    assert _counts(service)[1:] == (organizations, entries + 1)
    entry = _newest_entry(service)
    assert (entry.action, entry.target) == ("place_created", "place:E09")
    assert entry.data["after"] == {
        "kind": "estate",
        "code": "E09",
        "name": "新家园小区",
        "parent": "C02",
    }

    admin.post("/admin/places", {"kind": "district", "code": "D02", "name": "新区"})
    assert "已新建区“新区”（D02）" in admin.get("/admin/places?kind=district").text
    assert "新建地点" in admin.get("/audit/admin-log").text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "kind", "此项为必填项"),
        ({}, "code", "此项为必填项"),
        ({}, "name", "此项为必填项"),
        ({"kind": "planet", "code": "P1", "name": "星球"}, "kind", "只能是以下之一"),
        ({"kind": "estate", "code": "E 9", "name": "新小区", "parent": "C01"}, "code", "只能包含"),
        (
            {"kind": "estate", "code": "E09", "name": "长" * 201, "parent": "C01"},
            "name",
            "长度应为",
        ),
        ({"kind": "estate", "code": "E09", "name": "新小区"}, "parent", "须有上级地点"),
        (
            {"kind": "estate", "code": "E09", "name": "新小区", "parent": "S01"},
            "parent",
            "层级不对",
        ),
        ({"kind": "estate", "code": "E09", "name": "新小区", "parent": "X99"}, "parent", "“X99”"),
        ({"kind": "district", "code": "D02", "name": "新区", "parent": "D01"}, "parent", "区不设"),
    ],
)
def test_a_refused_place_is_named_beside_its_field(
    app: Flask, service: CaseService, data: dict[str, str], field: str, message: str
) -> None:
    admin = Client(app, "admin")
    before = _counts(service)
    page = admin.post("/admin/places", data, status=422).text
    assert message in _field_error(page, f"f-{field}")
    assert "未能新建地点，请按提示修改" in page
    for name in ("code", "name"):
        if name in data:
            assert f'value="{data[name]}"' in page
    assert _counts(service) == before


def test_a_duplicate_place_code_is_a_conflict(app: Flask, service: CaseService) -> None:
    admin = Client(app, "admin")
    before = _counts(service)
    page = admin.post(
        "/admin/places", {"kind": "estate", "code": "E01", "name": "重复小区", "parent": "C01"}, 409
    ).text
    assert "地点编码已被使用" in page and 'value="重复小区"' in page
    assert '<option value="C01" selected>' in page
    assert _counts(service) == before


# -- organizations -----------------------------------------------------------------------


def test_admin_lists_and_filters_organizations(app: Flask) -> None:
    admin = Client(app, "admin")
    rows = _rows(admin.get("/admin/organizations").text)
    assert rows.count("<tr") == 11
    assert "幸福家园小区业主委员会" in rows and ">业主委员会<" in rows
    assert "幸福家园小区（E01）" in rows and ">街道党工委<" in rows and ">社区党组织<" in rows

    community = admin.get("/admin/organizations?place=C01").text
    assert '<option value="C01" selected>' in community  # the filter, and the create form's
    assert "幸福社区党委" in _rows(community) and _rows(community).count("<tr") == 1
    assert "没有符合条件的单位" in admin.get("/admin/organizations?place=X99").text


def test_organizations_come_a_page_at_a_time_keeping_the_filter(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(place_pages, "PAGE_SIZE", 1)
    admin = Client(app, "admin")
    first = admin.get("/admin/organizations?place=E01").text
    assert "幸福家园小区业主委员会" in _rows(first)
    following = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "place=E01" in following
    second = admin.get(following).text
    assert "安居物业服务有限公司（幸福家园项目）" in _rows(second)
    assert 'href="/admin/organizations?place=E01">第一页' in second


def test_admin_creates_an_organization(app: Flask, service: CaseService) -> None:
    admin = Client(app, "admin")
    places, organizations, entries = _counts(service)
    created = admin.post(
        "/admin/organizations",
        {"kind": "owners_committee", "name": " 阳光花园小区业主委员会 ", "place": "E02"},
    )
    assert created.headers["Location"].endswith("/admin/organizations?place=E02")
    page = admin.get("/admin/organizations?place=E02").text
    assert "已新建单位“阳光花园小区业主委员会”" in page
    assert "阳光花园小区业主委员会</td>" in _rows(page) and "阳光花园小区（E02）" in _rows(page)
    organization = _organization_id(service, "阳光花园小区业主委员会")
    assert _counts(service) == (places, organizations + 1, entries + 1)
    entry = _newest_entry(service)
    assert (entry.action, entry.target) == ("organization_created", f"organization:{organization}")
    assert entry.data["after"] == {
        "kind": "owners_committee",
        "name": "阳光花园小区业主委员会",
        "place": "E02",
    }
    assert "新建单位" in admin.get("/audit/admin-log").text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "kind", "此项为必填项"),
        ({}, "name", "此项为必填项"),
        ({}, "place", "此项为必填项"),
        ({"kind": "club", "name": "俱乐部", "place": "E01"}, "kind", "只能是以下之一"),
        ({"kind": "property_firm", "name": "长" * 201, "place": "E01"}, "name", "长度应为"),
        ({"kind": "party_organization", "name": "党委", "place": "E01"}, "place", "不能设在这一级"),
        ({"kind": "property_firm", "name": "新物业", "place": "X99"}, "place", "“X99”"),
    ],
)
def test_a_refused_organization_is_named_beside_its_field(
    app: Flask, service: CaseService, data: dict[str, str], field: str, message: str
) -> None:
    admin = Client(app, "admin")
    before = _counts(service)
    page = admin.post("/admin/organizations", data, status=422).text
    assert message in _field_error(page, f"f-{field}")
    assert "未能新建单位，请按提示修改" in page
    if "name" in data:
        assert f'value="{data["name"]}"' in page
    assert _counts(service) == before


def test_admin_renames_an_organization_from_its_row(app: Flask, service: CaseService) -> None:
    admin = Client(app, "admin")
    firm = _organization_id(service, "安居物业服务有限公司（幸福家园项目）")
    renamed = admin.post(
        f"/admin/organizations/{firm}/name?place=E01", {"name": " 安居物业（幸福家园） "}
    )
    assert renamed.headers["Location"].endswith(
        f"/admin/organizations?place=E01#organization-{firm}"
    )
    page = admin.get("/admin/organizations?place=E01").text
    assert "单位已更名为“安居物业（幸福家园）”" in page and "安居物业（幸福家园）</td>" in page
    entry = _newest_entry(service)
    assert (entry.action, entry.target) == ("organization_renamed", f"organization:{firm}")
    assert (entry.data["before"], entry.data["after"]) == (
        {"name": "安居物业服务有限公司（幸福家园项目）"},
        {"name": "安居物业（幸福家园）"},
    )
    assert "单位更名" in admin.get("/audit/admin-log").text


def test_a_refused_renaming_is_named_on_its_row_and_changes_nothing(
    app: Flask, service: CaseService
) -> None:
    admin = Client(app, "admin")
    firm = _organization_id(service, "安居物业服务有限公司（幸福家园项目）")
    committee = _organization_id(service, "幸福家园小区业主委员会")
    before = _counts(service)
    for name, message in ((" ", "此项为必填项"), ("长" * 201, "长度应为 1 至 200 个字符")):
        page = admin.post(
            f"/admin/organizations/{firm}/name?place=E01", {"name": name}, status=422
        ).text
        assert message in _field_error(page, f"name-{firm}")
        assert _field_error(page, f"name-{committee}") == ""
        assert f'value="{name}"' in page and "<details open>" in page
        assert _rows(page).count("<tr") == 2  # still the list filtered on E01
    admin.post("/admin/organizations/999999/name", {"name": "不存在"}, status=404)
    assert _organization_id(service, "安居物业服务有限公司（幸福家园项目）") == firm
    assert _counts(service) == before


# -- who may -----------------------------------------------------------------------------

PAGES = ["/admin/places", "/admin/places?kind=estate", "/admin/organizations?place=E01"]
POSTS = [
    ("/admin/places", {"kind": "estate", "code": "E09", "name": "新小区", "parent": "C01"}),
    ("/admin/organizations", {"kind": "property_firm", "name": "新物业", "place": "E01"}),
    ("/admin/organizations/1/name", {"name": "新名称"}),
]


@pytest.mark.parametrize("username", ["secretary", "member", "auditor", "committee"])
def test_others_get_403_everywhere(app: Flask, service: CaseService, username: str) -> None:
    client = Client(app, username)
    assert "/admin/places" not in client.get("/").text
    before = _counts(service)
    for url in PAGES:
        assert "系统管理员" in client.get(url, status=403).text
    for url, data in POSTS:
        assert "系统管理员" in client.post(url, data, status=403).text
    assert _counts(service) == before


def test_visitors_are_sent_to_sign_in_and_forms_need_their_token(
    app: Flask, service: CaseService
) -> None:
    before = _counts(service)
    visitor = app.test_client()
    token = TOKEN.search(visitor.get("/signin").text).group(1)
    for url in PAGES:
        answer = visitor.get(url)
        assert answer.status_code == 302 and answer.location.startswith("/signin?next=/admin/")
    for url, data in POSTS:
        answer = visitor.post(url, data={**data, "csrf_token": token})
        assert answer.status_code == 302 and answer.location.startswith("/signin?next=/admin/")
    admin = Client(app, "admin")
    for url, data in POSTS:
        refused = admin.client.post(url, data=data)
        assert refused.status_code == 400 and "表单已过期" in refused.text
    assert _counts(service) == before
