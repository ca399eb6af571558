"""The nine matters owners decide jointly (民法典 art. 278 para. 1) and the rule of each.

One table for every item, whether or not a matter of the catalogue runs it (item 七,
改建、重建, has none yet), so the DMN table ``bpmn/vote_rule.dmn``, the matter modules,
the first assembly's votes on its 议事规则 and 管理规约, and the page and API that show
the rules to users all read the same thresholds from the same source text. Para. 2 gives
only two rules: items 六 to 八 need three quarters, every other item more than half.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.i18n import _
from workflows.owners_vote import VoteRule

SOURCE = _("《中华人民共和国民法典》第二百七十八条")

PARTICIPATION_TEXT = _(
    "业主共同决定事项，应当由专有部分面积占比三分之二以上的业主且人数占比三分之二以上的业主"
    "参与表决。"
)
APPROVAL_TEXT = {
    VoteRule.THREE_QUARTERS: _(
        "决定前款第六项至第八项规定的事项，应当经参与表决专有部分面积四分之三以上的业主且"
        "参与表决人数四分之三以上的业主同意。"
    ),
    VoteRule.DOUBLE_MAJORITY: _(
        "决定前款其他事项，应当经参与表决专有部分面积过半数的业主且参与表决人数过半数的业主同意。"
    ),
}


@dataclass(frozen=True)
class VoteItem:
    """One item of 278 para. 1: its number, the law's words and the rule para. 2 gives it."""

    number: str
    text: str
    rule: VoteRule

    @property
    def source(self) -> str:
        """Where the item and its threshold are written, for citing beside the rule."""
        return _("{law}第一款第（{number}）项及第二款").format(law=SOURCE, number=self.number)

    @property
    def approval_text(self) -> str:
        """The sentence of para. 2 that sets this item's approval threshold."""
        return APPROVAL_TEXT[self.rule]


def _item(number: str, text: str, rule: VoteRule = VoteRule.DOUBLE_MAJORITY) -> VoteItem:
    return VoteItem(number, text, rule)


VOTE_ITEMS: dict[str, VoteItem] = {
    item.number: item
    for item in (
        _item("一", _("制定和修改业主大会议事规则")),
        _item("二", _("制定和修改管理规约")),
        _item("三", _("选举业主委员会或者更换业主委员会成员")),
        _item("四", _("选聘和解聘物业服务企业或者其他管理人")),
        _item("五", _("使用建筑物及其附属设施的维修资金")),
        _item("六", _("筹集建筑物及其附属设施的维修资金"), VoteRule.THREE_QUARTERS),
        _item("七", _("改建、重建建筑物及其附属设施"), VoteRule.THREE_QUARTERS),
        _item(
            "八",
            _("改变共有部分的用途或者利用共有部分从事经营活动"),
            VoteRule.THREE_QUARTERS,
        ),
        _item("九", _("有关共有和共同管理权利的其他重大事项")),
    )
}

RULES_OF_PROCEDURE = VOTE_ITEMS["一"]
COVENANT = VOTE_ITEMS["二"]


def rule_of(number: str) -> VoteRule:
    """The rule of an item ("" for a matter without an owners' vote: ``VoteRule.NONE``)."""
    if not number:
        return VoteRule.NONE
    return VOTE_ITEMS[number].rule
