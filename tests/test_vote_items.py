"""The nine items of 民法典 278: one table of rules, the DMN table held to it, the API and page.

Items 一, 二, 六 and 七 had no rule before; the table gives every item its threshold and
source, the registry refuses a matter that pairs an item with the other rule, and each
row of ``bpmn/vote_rule.dmn`` must agree with it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from api_support import Client, assert_problem, make_app, open_task, token_for
from flask import Flask
from lxml import etree
from web_support import Client as PageClient

from service.cases.case_service import CaseService
from service.demo.cases import complete_step, drive
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


# Over the demo election's bases (24000.00 ㎡, 300 owners).
STATUTES_TALLY = {
    "covenant_participating_area": "18000.00",
    "covenant_participating_owners": 240,
    "covenant_approving_area": "15000.00",
    "covenant_approving_owners": 200,
    "rules_participating_area": "18000.00",
    "rules_participating_owners": 240,
    "rules_approving_area": "14000.00",
    "rules_approving_owners": 190,
}


def _statutes(service: CaseService, case_id: int, **changes: object) -> None:
    """The first meeting's covenant and rules votes, by default both passing."""
    complete_step(service, case_id, "statutes_adoption", {**STATUTES_TALLY, **changes})


def test_the_first_assembly_records_its_covenant_and_rules_votes(
    app: Flask, service: CaseService
) -> None:
    case_id = drive(service, "assembly_formation", stop_before="statutes_adoption")
    _statutes(service, case_id)
    secretary = Client(app.test_client(), token_for(service, "secretary"))
    detail = secretary.get(f"/cases/{case_id}").get_json()
    assert [t["bpmn_id"] for t in detail["open_tasks"]] == ["committee_formation"]
    votes = detail["vote_results"]
    assert [(v["item"], v["subject"], v["passed"]) for v in votes] == [
        ("", "", True),
        ("一", "制定和修改业主大会议事规则", True),
        ("二", "制定和修改管理规约", True),
    ]
    rules = votes[1]
    assert rules["rule"] == "double_majority" and rules["approving_owners"] == 190
    assert rules["base_area"] == votes[0]["base_area"] and rules["meeting_date"]
    page = PageClient(app, "secretary").get(f"/cases/{case_id}").text
    assert "制定和修改管理规约" in page
    assert "《中华人民共和国民法典》第二百七十八条第一款第（一）项及第二款" in page


def test_a_covenant_without_a_majority_ends_the_formation_as_a_failed_vote(
    app: Flask, service: CaseService
) -> None:
    case_id = drive(service, "assembly_formation", stop_before="statutes_adoption")
    _statutes(service, case_id, covenant_approving_owners=120)  # exactly half of 240
    secretary = Client(app.test_client(), token_for(service, "secretary"))
    detail = secretary.get(f"/cases/{case_id}").get_json()
    assert detail["outcome"] == "vote_failed" and detail["open_tasks"] == []
    covenant = detail["vote_results"][2]
    assert covenant["passed"] is False and covenant["reasons"]


def test_a_statutes_tally_beyond_the_election_s_base_is_refused_whole(
    app: Flask, service: CaseService
) -> None:
    case_id = drive(service, "assembly_formation", stop_before="statutes_adoption")
    task = open_task(service, case_id)
    group = Client(app.test_client(), token_for(service, "prep"))
    revision = group.get(f"/cases/{case_id}").get_json()["revision"]
    data = {**STATUTES_TALLY, "rules_participating_owners": 301}
    response = group.post(
        f"/tasks/{task.id}/complete", {"data": data}, headers={"If-Match": f'"{revision}"'}
    )
    body = assert_problem(response, 422)
    [message] = body["errors"]["rules_participating_owners"]
    assert "业主大会选举时的表决基数 300" in message
    assert open_task(service, case_id).bpmn_id == "statutes_adoption"
    assert group.get(f"/cases/{case_id}").get_json()["revision"] == revision
