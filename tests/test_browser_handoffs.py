"""A handoff notification in a real browser: the committee is told its request came back
for additions, and the notification's link opens the supplement task (Chromium, SQLite)."""

from __future__ import annotations

import re

import pytest
from duty_support import complete, file_firm_entry, open_task
from playwright.sync_api import Browser, expect
from test_browser import Person

from service.cases.case_service import CaseService

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_the_committee_follows_the_notice_of_a_return_to_its_supplement_task(
    chromium: Browser, site: str, service: CaseService
) -> None:
    case_id = file_firm_entry(service)
    complete(
        service,
        "secretary",
        case_id,
        "acceptance_check",
        {"acceptance_decision": "return", "acceptance_reasons": "缺少表决结果公示"},
    )
    supplement = open_task(service, case_id, "supplement")
    committee = Person(chromium, site, "committee")
    page = committee.page
    notices = page.locator("section[aria-labelledby=notices-title]")
    expect(notices).to_contain_text("退回补正：补正材料（选聘新的物业服务企业）")
    expect(notices).to_contain_text("说明：缺少表决结果公示")
    expect(notices).not_to_contain_text("/tasks/")
    committee.shot("handoff-01-start-with-return")
    notices.get_by_role("button", name=re.compile("退回补正")).click()
    expect(page).to_have_url(re.compile(rf"/tasks/{supplement.id}$"))
    expect(page.locator("h1")).to_have_text("补正材料")
    committee.shot("handoff-02-supplement-task")
    listing = committee.go("/notifications")
    expect(listing.get_by_role("link", name=re.compile("退回补正"))).to_have_attribute(
        "href", f"/tasks/{supplement.id}"
    )
    committee.close()
