"""The main pages and Swagger UI in Chromium, under the strict Content-Security-Policy.

The browser reports whatever the policy blocks as a ``securitypolicyviolation`` event and
as a console error. An init script, installed by Playwright outside the policy's reach,
records the events of every page; the console is watched too, and any violation or
console error fails the test. Each page is also checked to have done its work under the
policy: the diagrams drawn, the live study result shown, the reply preview and the
printable reply styled, the print button working, Swagger UI's operations listed. The
browser and the site are conftest.py's ``chromium`` and ``site``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from web_support import PASSWORD

from service.cases.case_service import CaseService
from service.demo.cases import drive

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__violations.push(`${e.effectiveDirective} ${e.blockedURI} ${where}`);
});
"""


class Watched:
    """One person (or nobody) in a browser context whose every page is watched."""

    def __init__(self, browser: Browser, site: str, username: str | None = None) -> None:
        self.context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        self.context.set_default_timeout(10_000)
        self.context.add_init_script(WATCH)
        self.page: Page = self.context.new_page()
        self.site = site
        self.console: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))
        if username:
            self.visit("/signin")
            self.page.get_by_label("用户名").fill(username)
            self.page.get_by_label("密码").fill(PASSWORD)
            self.page.get_by_role("button", name="登录").click()
            expect(self.page.locator("h1")).to_contain_text("您好")
            self.check("signing in")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.console.append(f"{message.type}: {message.text}")

    def visit(self, path: str) -> Page:
        response = self.page.goto(self.site + path)
        assert response is not None and response.ok, (path, response and response.status)
        assert "default-src 'none'" in response.headers["content-security-policy"]
        return self.page

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__violations")

    def check(self, where: str) -> None:
        """Nothing blocked and nothing wrong on the page shown now."""
        assert self.violations() == [], where
        assert self.console == [], where

    def pages(self, *paths: str) -> None:
        for path in paths:
            self.visit(path)
            self.check(path)

    def close(self) -> None:
        self.context.close()


def test_the_watch_sees_what_the_policy_blocks(chromium: Browser, site: str) -> None:
    """The check itself: a script injected into a page is blocked, and reported."""
    visitor = Watched(chromium, site)
    page = visitor.visit("/signin")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.injected = true"; document.body.append(s); }"""
    )
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.injected") is None
    assert visitor.violations()[0].startswith("script-src-elem inline")
    assert any("Content Security Policy" in line for line in visitor.console)
    visitor.close()


def test_every_main_page_works_under_the_policy(
    chromium: Browser, site: str, service: CaseService
) -> None:
    closed = drive(service, "firm_entry")
    drive(service, "parking_allocation", stop_before="collective_study")
    drive(service, "fee_adjustment", stop_before="written_reply")

    visitor = Watched(chromium, site)
    visitor.pages("/signin")
    visitor.close()

    committee = Watched(chromium, site, "committee")
    committee.pages("/", "/filing", "/filing/firm_entry", "/cases", "/notifications")
    committee.pages("/incidents/new")
    page = committee.visit(f"/cases/{closed}")
    expect(page.locator("figure.diagram svg").first).to_be_visible()
    expect(page.locator("figure.diagram svg .is-done").first).to_be_attached()
    committee.check("the case page and its diagrams")
    page = committee.visit(f"/cases/{closed}/reply")
    expect(page.locator(".issuer")).to_have_css("color", "rgb(204, 0, 0)")
    committee.check("the printable reply, its style under the nonce")
    committee.close()

    member = Watched(chromium, site, "member")
    page = member.visit("/inbox")
    page.get_by_role("link", name="集体研究", exact=True).first.click()
    for box in page.locator('input[name="present_member"]').all():
        box.check()
    page.get_by_label("赞成票数").fill("2")
    page.get_by_label("反对票数").fill("0")
    page.get_by_label("弃权票数").fill("0")
    expect(page.locator("#study-live")).to_contain_text("研究通过")
    member.check("collective study with its live result")
    member.close()

    secretary = Watched(chromium, site, "secretary")
    secretary.pages("/inbox", "/ledger", "/cases")
    page = secretary.visit("/inbox")
    page.get_by_role("link", name="书面批复", exact=True).first.click()
    page.get_by_label("同意", exact=True).check()
    page.get_by_label("批复理由").fill("经集体研究，符合规定。")
    page.get_by_role("button", name="预览批复", exact=True).click()
    preview = page.frame_locator("iframe.reply-preview")
    expect(preview.locator(".issuer")).to_have_css("color", "rgb(204, 0, 0)")
    secretary.check("the written reply's preview")
    secretary.close()

    auditor = Watched(chromium, site, "auditor")
    auditor.pages("/audit", "/credit", "/audit/admin-log")
    page = auditor.visit(f"/audit/cases/{closed}")
    expect(page.locator("#verification")).to_contain_text("记录完整")
    auditor.check("the auditor's case page")
    page = auditor.visit(f"/audit/cases/{closed}/replay?seq=3")
    expect(page.locator("figure.diagram svg").first).to_be_visible()
    auditor.check("replay with its diagram")
    page = auditor.visit(f"/audit/cases/{closed}/history/print")
    expect(page.get_by_role("button", name="打印")).to_be_visible()
    auditor.check("the printable history and its print button")
    auditor.close()

    admin = Watched(chromium, site, "admin")
    admin.pages("/admin/users", "/admin/places", "/admin/organizations", "/admin/settings")
    admin.pages("/admin/calendar", "/admin/sign-in-throttles", "/audit/admin-log")
    admin.close()


def test_swagger_ui_works_under_the_policy(chromium: Browser, site: str) -> None:
    reader = Watched(chromium, site)
    page = reader.visit("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("重要事项事前决策")
    operation = page.locator(".opblock-summary-path", has_text=re.compile(r"^/api/v1/auth/token$"))
    operation.first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    page.get_by_role("button", name="Try it out").first.click()
    reader.check("/api/v1/docs")
    reader.close()
