"""The nine items of 民法典 278: one table of rules, the DMN table held to it, the API and page.

Items 一, 二, 六 and 七 had no rule before; the table gives every item its threshold and
source, the registry refuses a matter that pairs an item with the other rule, and each
row of ``bpmn/vote_rule.dmn`` must agree with it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from api_support import Client, make_app, token_for
from flask import Flask
from lxml import etree
from web_support import Client as PageClient

from service.cases.case_service import CaseService
from workflows.catalogue import MATTERS
from workflows.owners_vote import VoteRule, VoteTally, evaluate_vote
from workflows.vote_items import COVENANT, RULES_OF_PROCEDURE, VOTE_ITEMS, rule_of

DMN = Path(__file__).resolve().parent.parent / "bpmn" / "vote_rule.dmn"
NS = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}
THREE_QUARTER_ITEMS = {"六", "七", "八"}


def test_every_item_has_the_rule_of_paragraph_two() -> None:
    assert list(VOTE_ITEMS) == ["一", "二", "三", "四", "五", "六", "七", "八", "九"]
    for number, item in VOTE_ITEMS.items():
        expected = (
            VoteRule.THREE_QUARTERS if number in THREE_QUARTER_ITEMS else VoteRule.DOUBLE_MAJORITY
        )
        assert item.rule is expected and rule_of(number) is expected
        assert (
            item.source == f"《中华人民共和国民法典》第二百七十八条第一款第（{number}）项及第二款"
        )
    assert RULES_OF_PROCEDURE.text == "制定和修改业主大会议事规则"
    assert COVENANT.text == "制定和修改管理规约"
    assert VOTE_ITEMS["七"].text == "改建、重建建筑物及其附属设施"
    assert rule_of("") is VoteRule.NONE


def test_a_rebuilding_vote_needs_three_quarters_of_the_participants() -> None:
    """Item 七 at its boundary: exactly three quarters passes, one short fails."""
    exact = VoteTally(30000, 300, 24000, 240, 18000, 180)
    assert evaluate_vote(rule_of("七"), exact).passed
    short = dataclasses.replace(exact, approving_owners=179)
    assert not evaluate_vote(rule_of("七"), short).passed
    assert evaluate_vote(rule_of("一"), short).passed


def _dmn_rows() -> list[tuple[str, str]]:
    rows = []
    for rule in etree.parse(str(DMN)).getroot().iterfind(".//dmn:rule", NS):
        item, verdict = (
            e.findtext("dmn:text", namespaces=NS) for e in rule.iterfind("dmn:outputEntry", NS)
        )
        rows.append((item.strip('"'), verdict.strip('"')))
    return rows


def test_every_row_of_the_dmn_table_takes_its_items_rule() -> None:
    rows = _dmn_rows()
    assert rows
    for item, verdict in rows:
        assert item == "" or item in VOTE_ITEMS, item
        assert verdict == rule_of(item).value, (item, verdict)


def test_a_matter_pairing_an_item_with_the_other_rule_is_refused() -> None:
    firm_entry = MATTERS["firm_entry"]
    with pytest.raises(ValueError, match="item '六' does not take the rule 'double_majority'"):
        dataclasses.replace(firm_entry, vote_rules={"": ("六", "double_majority")})
    with pytest.raises(ValueError, match="item '十' does not take"):
        dataclasses.replace(firm_entry, vote_rules={"": ("十", "double_majority")})


@pytest.fixture
def app(service: CaseService, tmp_path: Path) -> Flask:
    return make_app(service, tmp_path / "files")


def test_the_api_lists_every_item_with_its_rule_source_and_matters(
    app: Flask, service: CaseService
) -> None:
    committee = Client(app.test_client(), token_for(service, "committee"))
    response = committee.get("/vote-rules")
    assert response.status_code == 200, response.get_json()
    items = {row["item"]: row for row in response.get_json()}
    assert list(items) == list(VOTE_ITEMS)
    assert items["七"]["rule"] == "three_quarters" and items["七"]["matters"] == []
    assert items["一"]["rule"] == "double_majority"
    assert "四分之三以上" in items["六"]["approval"] and "过半数" in items["二"]["approval"]
    assert "三分之二以上" in items["一"]["participation"]
    assert items["五"]["source"].startswith("《中华人民共和国民法典》第二百七十八条")
    assert {
        "code": "fund_normal",
        "name": "专项维修资金使用（一般）",
        "sub_type": "",
        "sub_type_label": "",
    } in items["五"]["matters"]
    eight = {(m["code"], m["sub_type"]) for m in items["八"]["matters"]}
    assert ("common_income", "new_business_use") in eight
    assert Client(app.test_client(), None).get("/vote-rules").status_code == 401


def test_the_page_shows_every_item_and_is_linked_from_the_filing_page(app: Flask) -> None:
    user = PageClient(app, "committee")
    assert "/vote-rules" in user.get("/filing").text
    page = user.get("/vote-rules").text
    for item in VOTE_ITEMS.values():
        assert item.text in page and f"第（{item.number}）项" in page
    assert "双三分之二参与、双四分之三同意" in page and "本系统暂无对应事项" in page
    assert "专项维修资金使用（一般）" in page
