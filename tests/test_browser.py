"""The pages in a real browser: Debian's Chromium driven by Playwright.

The app is served by werkzeug on a free local port against the SQLite test database,
with the fixed test clock (Monday 2026-03-02 09:00 Beijing time): the ``site`` and
``chromium`` fixtures of conftest.py. Each person signs in in their own browser context.
Every page visited is saved as a screenshot under test-artifacts/ for a human to look
at. Chromium missing is a failure, not a skip: ./setup.sh installs it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from service.core.clock import FixedClock

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PASSWORD = "demo12345"


def _pdf_bytes(name: str) -> bytes:
    """A small PDF whose content (and so its SHA-256) differs per file name."""
    return f"%PDF-1.4\n% {name}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".encode()


pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class Person:
    """One signed-in user in their own browser context."""

    def __init__(self, browser: Browser, site: str, username: str, *, phone: bool = False):
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        self.context = browser.new_context(
            viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        self.context.set_default_timeout(10_000)
        self.page: Page = self.context.new_page()
        self.site = site
        self.username = username
        self.page.goto(f"{site}/")
        expect(self.page).to_have_url(re.compile(r"/signin"))
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        expect(self.page.locator("h1")).to_contain_text("您好")

    def go(self, path: str) -> Page:
        self.page.goto(self.site + path)
        return self.page

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def open_task(self, step: str) -> Page:
        """Open a step from the inbox, as a user would."""
        page = self.go("/inbox")
        page.get_by_role("link", name=step, exact=True).first.click()
        expect(page.locator("h1")).to_have_text(step)
        return page

    def close(self) -> None:
        self.context.close()


def _pdf(name: str) -> dict[str, object]:
    return {"name": name, "mimeType": "application/pdf", "buffer": _pdf_bytes(name)}


def _submit(page: Page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()


def test_a_case_from_filing_to_closure_then_the_auditors_replay(
    chromium: Browser, site: str, clock: FixedClock
) -> None:
    committee = Person(chromium, site, "committee")
    committee.shot("01-start-committee")
    page = committee.go("/filing")
    committee.shot("02-filing-choose")
    page.get_by_role("link", name="共用设施设备经营收益使用").click()
    expect(page.locator("h1")).to_contain_text("共用设施设备经营收益使用")
    page.get_by_label("收益支出").check()
    page.get_by_label("请示事由").fill("小区健身器材老化，拟使用经营收益更换。")
    page.get_by_label("实施方案", exact=False).first.fill("更换健身器材十二件，公开比价采购。")
    page.get_by_label("涉及专有部分面积（平方米）").fill("24000.00")
    page.get_by_label("涉及业主人数").fill("300")
    page.get_by_label("拟支出金额（元）").fill("20000.00")
    page.get_by_label("经营收益结余（元）").fill("56000.00")
    page.get_by_label("业主委员会委员总数").fill("7")
    page.get_by_label("出席业主委员会会议的委员人数").fill("6")
    page.get_by_label("同意提交请示的委员人数").fill("5")
    page.locator("#f-attachments-upload").set_input_files([_pdf("更换方案.pdf")])
    committee.shot("03-filing-form")
    _submit(page, "提交请示")
    expect(page.locator(".notice-success")).to_contain_text("请示已提交")
    case_url = page.url
    case_id = case_url.rsplit("/", 1)[1]
    expect(page.get_by_role("link", name="更换方案.pdf")).to_be_visible()
    committee.shot("04-case-filed")

    secretary = Person(chromium, site, "secretary")
    secretary.shot("05-start-secretary")
    secretary.go("/inbox")
    secretary.shot("06-inbox-secretary")
    page = secretary.open_task("受理审查")
    page.get_by_label("受理", exact=True).check()
    secretary.shot("07-task-acceptance")
    _submit(page, "提交审查结论")
    expect(page.locator(".notice-success")).to_contain_text("已办理")

    member = Person(chromium, site, "member")
    page = member.open_task("集体研究")
    page.get_by_label("支部委员会").check()
    page.get_by_label("会议日期").fill("2026-03-02")
    for box in page.locator('input[name="present_member"]').all():
        box.check()
    expect(page.get_by_label("实到会人数")).to_have_value("2")
    page.get_by_label("赞成票数").fill("2")
    page.get_by_label("反对票数").fill("0")
    page.get_by_label("弃权票数").fill("0")
    expect(page.locator("#study-live")).to_contain_text("研究通过")
    page.get_by_label("研究意见").fill("方案合理，同意提交书面批复。")
    member.shot("08-task-collective-study")
    _submit(page, "提交会议记录")
    expect(page.locator(".notice-success")).to_contain_text("已办理")

    page = secretary.open_task("书面批复")
    page.get_by_label("附条件同意").check()
    page.get_by_label("批复理由").fill("经集体研究，方案符合民法典和小区实际。")
    page.get_by_label("附加条件").fill("采购结果须在小区公告栏公示七日。")
    _submit(page, "预览批复")
    preview = page.frame_locator("iframe.reply-preview")
    expect(preview.locator("h1")).to_have_text("关于《关于共用设施设备经营收益使用的请示》的批复")
    expect(preview.locator(".number")).to_have_text("（文号于签发时生成）")
    secretary.shot("09-task-written-reply-preview")
    _submit(page, "签发批复")
    expect(page.locator(".notice-success")).to_contain_text("已办理")
    page.get_by_role("link", name="查看并打印批复").click()
    expect(page.locator(".number")).to_have_text("幸福社区党委批〔2026〕1号")
    secretary.shot("10-reply-print")
    page.emulate_media(media="print")
    secretary.shot("10b-reply-print-media")
    page.emulate_media(media="screen")

    # The owners are noticed on the day of the reply and meet 16 days later.
    clock.advance(days=17)
    page = committee.open_task("业主表决")
    page.get_by_label("会议通知（公告）日期").fill("2026-03-02")
    page.get_by_label("表决（会议）日期").fill("2026-03-18")
    page.get_by_label("专有部分总面积（平方米）").fill("24000.00")
    page.get_by_label("业主总人数").fill("300")
    page.get_by_label("参与表决的专有部分面积（平方米）").fill("18000.00")
    page.get_by_label("参与表决的业主人数").fill("240")
    page.get_by_label("同意的专有部分面积（平方米）").fill("15000.00")
    page.get_by_label("同意的业主人数").fill("200")
    expect(page.locator("#vote-live")).to_contain_text("达到通过标准")
    _submit(page, "核算是否通过")
    expect(page.locator("#check-result")).to_contain_text("表决通过")
    committee.shot("11-task-owners-vote")
    phone = Person(chromium, site, "committee", phone=True)
    phone.page.goto(page.url)
    phone.shot("11b-task-owners-vote-phone")
    _submit(page, "提交表决结果")
    expect(page.locator(".notice-success")).to_contain_text("已办理")

    page = committee.open_task("收益及使用情况公示")
    page.get_by_label("公示的收益年度").fill("2025")
    page.get_by_label("年度经营收益（元）").fill("56000.00")
    page.get_by_label("年度支出（元）").fill("20000.00")
    page.get_by_label("公示开始日期").fill("2026-03-18")
    page.get_by_label("公示结束日期").fill("2026-04-20")
    page.get_by_label("公示地点或方式").fill("小区公告栏")
    _submit(page, "提交")
    expect(page.locator(".notice-success")).to_contain_text("已办理")

    page = committee.open_task("实施情况报告")
    page.get_by_label("实施情况").fill("已按批复完成采购和安装，采购结果已公示七日。")
    page.get_by_label("完成日期").fill("2026-03-19")
    page.locator("#f-evidence-upload").set_input_files([_pdf("验收单.pdf")])
    committee.shot("12-task-implementation-report")
    _submit(page, "提交")
    expect(page.locator(".notice-success")).to_contain_text("已办理")

    page = secretary.open_task("监督检查")
    secretary.shot("13-task-oversight")
    page.get_by_label("符合批复意见").check()
    _submit(page, "提交")
    expect(page.locator(".lead .badge")).to_have_text("已办结")
    expect(page.get_by_role("link", name="验收单.pdf")).to_be_visible()
    secretary.shot("14-case-closed")

    phone.go(f"/cases/{case_id}")
    phone.shot("15-case-closed-phone")
    phone.page.screenshot(path=str(ARTIFACTS / "15b-case-closed-phone-first-screen.png"))
    for person in (committee, secretary, member, phone):
        person.close()

    auditor = Person(chromium, site, "auditor")
    page = auditor.go("/audit")
    auditor.shot("16-audit-search")
    page.get_by_role("link", name="关于共用设施设备经营收益使用的请示").click()
    expect(page.locator("#verification")).to_contain_text("记录完整")
    auditor.shot("17-audit-case")
    page.get_by_role("link", name="从第一条开始重放").click()
    expect(page.locator("h2#event-title")).to_contain_text("提出请示")
    auditor.shot("18-replay-first")
    for _ in range(2):
        page.get_by_role("link", name="下一条 →").click()
    expect(page.locator("h2#event-title")).to_contain_text("集体研究")
    auditor.shot("19-replay-study")
    page.goto(f"{site}/audit/cases/{case_id}/replay?seq=99")
    expect(page.locator("#state-title + p")).to_contain_text("已办结")
    auditor.shot("20-replay-last")
    page.goto(f"{site}/audit/cases/{case_id}/history/print")
    auditor.shot("21-history-print")
    auditor.close()


def test_a_return_for_additions_and_the_answer(chromium: Browser, site: str) -> None:
    firm = Person(chromium, site, "firm")
    page = firm.go("/filing/fee_adjustment")
    page.get_by_label("请示事由").fill("人工和能耗成本上涨，拟调整物业服务收费标准。")
    page.get_by_label("实施方案").fill("收费标准由每月每平方米1.80元调整为2.20元。")
    page.get_by_label("涉及专有部分面积（平方米）").fill("24000.00")
    page.get_by_label("涉及业主人数").fill("300")
    page.get_by_label("政府指导价", exact=True).check()
    page.get_by_label("现行收费标准（元/平方米·月）").fill("1.80")
    page.get_by_label("拟调整收费标准（元/平方米·月）").fill("2.20")
    page.get_by_label("政府指导价基准价（元/平方米·月）").fill("2.00")
    page.get_by_label("政府指导价浮动幅度（元/平方米·月）").fill("0.50")
    _submit(page, "提交请示")
    expect(page.locator(".notice-success")).to_contain_text("请示已提交")

    secretary = Person(chromium, site, "secretary")
    page = secretary.open_task("受理审查")
    page.get_by_label("退回补正").check()
    page.get_by_label("退回理由及需补正的内容").fill(
        "请补充成本测算表，并在方案中写明调整后的服务内容。"
    )
    _submit(page, "提交审查结论")
    expect(page.locator(".notice-success")).to_contain_text("已办理")

    page = firm.open_task("补正材料")
    expect(page.locator("#return-title + p")).to_contain_text("请补充成本测算表")
    page.get_by_label("补正说明").fill("已补充成本测算表，方案中写明服务内容。")
    page.get_by_label("实施方案").fill("收费标准调整为2.20元，增加夜间巡逻和电梯维保频次。")
    page.locator("#f-attachments-upload").set_input_files([_pdf("成本测算表.pdf")])
    firm.shot("22-task-supplement")
    _submit(page, "重新提交请示")
    expect(page.locator(".notice-success")).to_contain_text("已办理")
    page.locator("ol.timeline li").nth(2).locator("summary").click()
    firm.shot("23-case-after-supplement")

    page = secretary.open_task("受理审查")
    page.get_by_text("增加夜间巡逻").wait_for()
    expect(page.get_by_text("成本测算表.pdf")).to_be_visible()
    secretary.shot("24-task-acceptance-after-supplement")
    page.get_by_label("受理", exact=True).check()
    _submit(page, "提交审查结论")
    expect(page.locator(".notice-success")).to_contain_text("已办理")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("办理完成：补正材料")
    expect(timeline.locator("li")).to_have_count(4)
    firm.close()
    secretary.close()


def test_a_bad_form_shows_its_messages_next_to_the_fields(chromium: Browser, site: str) -> None:
    committee = Person(chromium, site, "committee")
    page = committee.go("/filing/firm_entry")
    page.get_by_label("请示标题").fill("")
    page.get_by_label("涉及专有部分面积（平方米）").fill("12,5")
    page.get_by_label("涉及业主人数").fill("三百")
    page.get_by_label("业主委员会委员总数").fill("7")
    page.get_by_label("出席业主委员会会议的委员人数").fill("3")
    page.get_by_label("同意提交请示的委员人数").fill("3")
    _submit(page, "提交请示")
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(page.locator("#f-title-error")).to_contain_text("请填写“请示标题”")
    expect(page.locator("#f-affected_area-error")).to_contain_text("最多两位小数")
    expect(page.locator("#f-affected_owners-error")).to_contain_text("应为整数")
    expect(page.locator("#f-selection_method-error")).to_be_visible()
    expect(page.get_by_label("涉及专有部分面积（平方米）")).to_have_value("12,5")
    expect(page.get_by_label("涉及专有部分面积（平方米）")).to_have_attribute(
        "aria-invalid", "true"
    )
    committee.shot("25-filing-bad-form")
    summary.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"#f-"))

    page.get_by_label("请示标题").fill("关于选聘物业服务企业的请示")
    _submit(page, "保存草稿")
    expect(page.locator(".notice-success")).to_contain_text("草稿已保存")
    page = committee.go("/")
    page.get_by_role("link", name="物业服务企业进驻").click()
    expect(page.get_by_label("请示标题")).to_have_value("关于选聘物业服务企业的请示")
    expect(page.get_by_label("涉及专有部分面积（平方米）")).to_have_value("12,5")
    committee.shot("26-filing-draft-restored")
    committee.close()
