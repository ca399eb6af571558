"""The administrator's pages: users, roles and settings changed through forms, each change
on the page and in the administration log; refused input changes nothing; others get 403."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from web_support import TOKEN, Client

from service.app import create_app
from service.cases.case_service import CaseService
from service.core.models import AdminEvent, Organization, RoleGrant, SettingOverride, User


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "ATTACHMENT_DIR": str(tmp_path / "files")}, service=service)


def _user_id(service: CaseService, username: str) -> int:
    with service.sessions() as session:
        return session.scalar(select(User.id).where(User.username == username))


def _log_size(service: CaseService) -> int:
    with service.sessions() as session:
        return session.scalar(select(func.count()).select_from(AdminEvent))


def _sign_in(app: Flask, username: str, password: str) -> int:
    client = app.test_client()
    token = TOKEN.search(client.get("/signin").text).group(1)
    answer = client.post(
        "/signin", data={"username": username, "password": password, "csrf_token": token}
    )
    return answer.status_code


def test_admin_manages_a_user_from_creation_to_reset(app: Flask, service: CaseService) -> None:
    admin = Client(app, "admin")
    assert "/admin/users" in admin.get("/").text  # the 系统管理 link
    listing = admin.get("/admin/users").text
    assert "陈书记（幸福社区党委）" in listing and "社区党组织书记 · 幸福社区（C01）" in listing

    created = admin.post(
        "/admin/users",
        {"username": "wang", "display_name": "王委员", "password": "secret123", "active": "true"},
    )
    user_id = _user_id(service, "wang")
    assert created.headers["Location"].endswith(f"/admin/users/{user_id}")
    page = admin.get(f"/admin/users/{user_id}").text
    assert "已新建用户 wang" in page and "王委员" in page and "尚未授予任何角色" in page

    admin.post(f"/admin/users/{user_id}/grants", {"role": "party_committee", "place": "C02"})
    page = admin.get(f"/admin/users/{user_id}").text
    assert "已授予角色" in page and "社区党组织委员" in page and "安康社区（C02）" in page
    assert "社区党组织委员 · 安康社区（C02）" in admin.get("/admin/users").text

    admin.post(f"/admin/users/{user_id}/name", {"display_name": "王副书记"})
    admin.post(f"/admin/users/{user_id}/password", {"password": "another123"})
    assert "已设置新密码" in admin.get(f"/admin/users/{user_id}").text
    assert _sign_in(app, "wang", "another123") == 302

    admin.post(f"/admin/users/{user_id}/active", {"active": "false"})
    page = admin.get(f"/admin/users/{user_id}").text
    assert "账户已停用" in page and "王副书记" in page and "启用账户" in page
    assert _sign_in(app, "wang", "another123") != 302

    with service.sessions() as session:
        grant = session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == user_id))
    admin.post(f"/admin/users/{user_id}/grants/{grant}/remove", {})
    assert "尚未授予任何角色" in admin.get(f"/admin/users/{user_id}").text

    log = admin.get("/audit/admin-log").text
    for action in ("新建用户", "授予角色", "修改用户", "撤销角色"):
        assert action in log
    assert "用户 wang" in log and "已重设" in log and "<del>是</del> → <ins>否</ins>" in log


def test_an_applicant_grant_names_its_body(app: Flask, service: CaseService) -> None:
    admin = Client(app, "admin")
    user_id = _user_id(service, "member")
    page = admin.get(f"/admin/users/{user_id}").text
    assert "幸福家园小区业主委员会（E01）" in page and "幸福社区党委（C01）" not in page
    with service.sessions() as session:
        body = session.scalar(
            select(Organization.id).where(Organization.name == "幸福家园小区业主委员会")
        )
    refused = admin.post(
        f"/admin/users/{user_id}/grants", {"role": "applicant", "place": "E01"}, status=422
    )
    assert "申请单位用户须指定该小区的一个申请单位" in refused.text
    admin.post(
        f"/admin/users/{user_id}/grants",
        {"role": "applicant", "place": "E01", "organization_id": str(body)},
    )
    assert "幸福家园小区业主委员会" in admin.get(f"/admin/users/{user_id}").text


def test_refused_user_changes_change_nothing(app: Flask, service: CaseService) -> None:
    admin = Client(app, "admin")
    before = _log_size(service)
    duplicate = admin.post(
        "/admin/users",
        {"username": "member", "display_name": "重名", "password": "secret123"},
        status=409,
    )
    assert "用户名已被使用" in duplicate.text and 'value="重名"' in duplicate.text
    short = admin.post(
        "/admin/users",
        {"username": "zhao", "display_name": "赵", "password": "short"},
        status=422,
    )
    assert "长度应为 8 至 256 个字符" in short.text
    bad_name = admin.post(
        "/admin/users",
        {"username": "zh ao", "display_name": "赵", "password": "secret123"},
        status=422,
    )
    assert "只能包含字母、数字、下划线、点和减号" in bad_name.text
    member = _user_id(service, "member")
    wrong_place = admin.post(
        f"/admin/users/{member}/grants", {"role": "party_secretary", "place": "E01"}, status=422
    )
    assert "该角色不能设在这一级地点" in wrong_place.text
    unknown = admin.post(
        f"/admin/users/{member}/grants", {"role": "street", "place": "X99"}, status=422
    )
    assert "没有编码为“X99”的地点" in unknown.text
    twice = admin.post(
        f"/admin/users/{member}/grants", {"role": "party_committee", "place": "C01"}, status=409
    )
    assert "该用户在这个地点已有此角色" in twice.text
    assert "长度应为 8 至 256 个字符" in (
        admin.post(f"/admin/users/{member}/password", {"password": "abc"}, status=422).text
    )
    assert "长度应为 1 至 200 个字符" in (
        admin.post(f"/admin/users/{member}/name", {"display_name": " "}, status=422).text
    )
    me = _user_id(service, "admin")
    assert "不能停用自己的账户" in (
        admin.post(f"/admin/users/{me}/active", {"active": "false"}, status=422).text
    )
    with service.sessions() as session:
        own = session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == me))
    assert "不能撤销自己的系统管理员角色" in (
        admin.post(f"/admin/users/{me}/grants/{own}/remove", {}, status=409).text
    )
    admin.get("/admin/users/999999", status=404)
    assert _user_id(service, "zhao") is None
    assert _log_size(service) == before
    assert "刘委员（幸福社区党委）" in admin.get(f"/admin/users/{member}").text


def test_admin_changes_and_resets_a_setting(app: Flask, service: CaseService) -> None:
    admin = Client(app, "admin")
    page = admin.get("/admin/settings").text
    assert "书面批复期限（工作日）" in page and 'type="number"' in page
    assert "屋面防水损坏造成渗漏" in page and '<option value="block" selected>禁止' in page

    admin.post("/admin/settings/reply_working_days", {"value": "7"})
    page = admin.get("/admin/settings").text
    assert "配置项“书面批复期限（工作日）”已修改" in page and "已修改</span>" in page
    assert 'name="value" value="7"' in page

    admin.post("/admin/settings/party_share_policy", {"value": "block"})
    admin.post("/admin/settings/emergency_categories", {"value": ["roof_leak", "lift_failure"]})
    with service.sessions() as session:
        stored = {row.key: row.value for row in session.scalars(select(SettingOverride))}
    assert stored == {
        "reply_working_days": 7,
        "party_share_policy": "block",
        "emergency_categories": ["roof_leak", "lift_failure"],
    }

    admin.post("/admin/settings/reply_working_days/reset", {})
    assert "已恢复默认值" in admin.get("/admin/settings").text
    with service.sessions() as session:
        assert session.get(SettingOverride, "reply_working_days") is None

    log = admin.get("/audit/admin-log").text
    assert "修改配置项" in log and "配置项恢复默认" in log and "配置项 reply_working_days" in log


def test_refused_settings_change_nothing(app: Flask, service: CaseService) -> None:
    admin = Client(app, "admin")
    before = _log_size(service)
    for value in ("0", "4000", "seven"):
        page = admin.post("/admin/settings/reply_working_days", {"value": value}, status=422)
        assert "应为 1 至 3650 的整数" in page.text and f'value="{value}"' in page.text
    page = admin.post("/admin/settings/blacklist_policy", {"value": "ignore"}, status=422)
    assert "只能是 warn（提醒）或 block（禁止）" in page.text
    page = admin.post("/admin/settings/emergency_categories", {}, status=422)
    assert "应为应急类别代码的非空列表" in page.text
    admin.post("/admin/settings/no_such_setting", {"value": "1"}, status=404)
    admin.post("/admin/settings/no_such_setting/reset", {}, status=404)
    with service.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SettingOverride)) == 0
    assert _log_size(service) == before


def test_admin_sets_and_clears_a_calendar_day(app: Flask, service: CaseService) -> None:
    admin = Client(app, "admin")
    admin.post(
        "/admin/calendar?month=2026-05",
        {"day": "2026-05-09", "is_workday": "false", "note": "区里调休"},
    )
    page = admin.get("/admin/calendar?month=2026-05").text
    assert "2026年5月" in page and "区里调休" in page and "管理员设置" in page
    admin.post("/admin/calendar/2026-05-09/clear", {})
    assert "区里调休" not in admin.get("/admin/calendar?month=2026-05").text
    assert "应为日期" in admin.post("/admin/calendar", {"day": "soon"}, status=422).text
    log = admin.get("/audit/admin-log").text
    assert "设置工作日历" in log and "清除工作日历设置" in log


PAGES = ["/admin/users", "/admin/users/1", "/admin/settings", "/admin/calendar"]
POSTS = [
    ("/admin/users", {"username": "x1", "display_name": "x", "password": "secret123"}),
    ("/admin/users/1/name", {"display_name": "x"}),
    ("/admin/users/1/active", {"active": "false"}),
    ("/admin/users/1/password", {"password": "secret123"}),
    ("/admin/users/1/grants", {"role": "admin", "place": "D01"}),
    ("/admin/users/1/grants/1/remove", {}),
    ("/admin/settings/reply_working_days", {"value": "7"}),
    ("/admin/settings/reply_working_days/reset", {}),
    ("/admin/calendar", {"day": "2026-05-09", "is_workday": "false"}),
    ("/admin/calendar/2026-05-09/clear", {}),
]


@pytest.mark.parametrize("username", ["secretary", "member", "auditor"])
def test_others_get_403_everywhere(app: Flask, service: CaseService, username: str) -> None:
    client = Client(app, username)
    assert "/admin/users" not in client.get("/").text
    before = _log_size(service)
    for url in PAGES:
        assert "系统管理员" in client.get(url, status=403).text
    for url, data in POSTS:
        client.post(url, data, status=403)
    assert _log_size(service) == before
