"""The administration log page: what district auditors and administrators read, what
others may not open, and a tampered entry named on the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import update
from web_support import Client

from service.admin.places import create_organization, create_place
from service.admin.settings import set_setting
from service.admin.users import add_grant, update_user
from service.app import create_app
from service.cases.case_service import CaseService
from service.core.models import AdminEvent, User


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "ATTACHMENT_DIR": str(tmp_path / "files")}, service=service)


def _changes(service: CaseService) -> None:
    with service.sessions() as session:
        admin = service.actor(session, "admin")
        member = session.query(User).filter_by(username="member").one().id
    set_setting(service, admin, "reply_working_days", 7)
    add_grant(service, admin, member, {"role": "party_secretary", "place": "C02"})
    update_user(service, admin, member, {"active": False})


def test_the_district_auditor_reads_who_changed_what(app: Flask, service: CaseService) -> None:
    _changes(service)
    auditor = Client(app, "auditor")
    assert "/audit/admin-log" in auditor.get("/audit").text
    page = auditor.get("/audit/admin-log").text
    assert "记录完整：哈希链完整（共 3 条）" in page
    assert page.index("修改用户") < page.index("授予角色") < page.index("修改配置项")
    assert "配置项 reply_working_days" in page and "<ins>7</ins>" in page
    assert "<del>是</del> → <ins>否</ins>" in page  # the member switched off
    assert "社区党组织书记" in page and "用户 member" in page
    only = auditor.get("/audit/admin-log?action=setting_set").text
    assert "修改配置项" in only and "授予角色</td>" not in only
    assert "管理操作记录" in Client(app, "admin").get("/audit/admin-log").text


def test_places_and_organizations_are_named_in_words(app: Flask, service: CaseService) -> None:
    with service.sessions() as session:
        admin = service.actor(session, "admin")
    create_place(service, admin, {"kind": "estate", "code": "E77", "name": "新苑", "parent": "C01"})
    create_organization(
        service, admin, {"kind": "owners_committee", "name": "新苑业委会", "place": "E77"}
    )
    page = Client(app, "auditor").get("/audit/admin-log").text
    assert "<ins>小区</ins>" in page and "<ins>业主委员会</ins>" in page
    assert ">estate<" not in page and ">owners_committee<" not in page


def test_others_may_not_open_it(app: Flask, service: CaseService) -> None:
    street_auditor = Client(app, "auditor_s1")
    assert "/audit/admin-log" not in street_auditor.get("/audit").text
    assert "区级审计人员" in street_auditor.get("/audit/admin-log", status=403).text
    Client(app, "secretary").get("/audit/admin-log", status=403)


def test_a_tampered_entry_is_named(app: Flask, service: CaseService) -> None:
    _changes(service)
    with service.transaction() as session:
        session.execute(
            update(AdminEvent).where(AdminEvent.seq == 2).values(target="user:secretary")
        )
    page = Client(app, "auditor").get("/audit/admin-log").text
    assert "记录在第 2 条处断裂" in page and "第 2 条记录的内容被改动" in page


def test_older_entries_are_a_page_away_and_keep_the_filter(
    app: Flask, service: CaseService
) -> None:
    with service.sessions() as session:
        admin = service.actor(session, "admin")
    for days in range(1, 33):
        set_setting(service, admin, "reply_working_days", days)
    auditor = Client(app, "auditor")
    first = auditor.get("/audit/admin-log?action=setting_set").text
    assert ">最新的<" not in first
    older = re.search(r'href="([^"]+)" rel="next">更早的', first).group(1).replace("&amp;", "&")
    assert "action=setting_set" in older and "cursor=" in older
    second = auditor.get(older).text
    assert 'href="/audit/admin-log?action=setting_set">最新的' in second
    assert 'rel="next"' not in second and second.count("修改配置项") >= 2
