"""Which owners' vote rule a matter will need, read from the DMN table the cases run.

Applicants must see the rule before they file, and the DMN table is what administrators
edit; evaluating that table here (rather than repeating it) keeps the filing page and
the cases in agreement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy.orm import Session

from service.cases.model_store import models_for
from service.core.models import Case
from workflows.catalogue import MATTERS, matter
from workflows.engine.bundle import ModelBundle
from workflows.engine.parsed_models import ParsedModels, parsed
from workflows.i18n import _
from workflows.owners_vote import VoteRule, VoteTally, evaluate_vote, format_area
from workflows.vote_items import PARTICIPATION_TEXT, VOTE_ITEMS

RULE_TEXT = {
    "double_majority": _(
        "参与表决的业主专有部分面积和人数均占三分之二以上；"
        "同意的业主占参与表决的专有部分面积和人数均过半数"
    ),
    "three_quarters": _(
        "参与表决的业主专有部分面积和人数均占三分之二以上；"
        "同意的业主占参与表决的专有部分面积和人数均四分之三以上"
    ),
    "none": _("本事项无需业主共同决定"),
}

RULE_SHORT = {
    "double_majority": _("双三分之二参与、双过半同意"),
    "three_quarters": _("双三分之二参与、双四分之三同意"),
    "none": _("无需业主表决"),
}


@dataclass(frozen=True)
class VoteRuleInfo:
    """The rule for one matter type (and sub-type), in words a user can check."""

    item: str
    rule: str

    @property
    def basis(self) -> str:
        item = VOTE_ITEMS.get(self.item)
        return item.source if item else ""

    @property
    def text(self) -> str:
        return RULE_TEXT.get(self.rule, self.rule)

    @property
    def short(self) -> str:
        return RULE_SHORT.get(self.rule, self.rule)


def vote_rule(models: ParsedModels, matter_type: str, sub_type: str = "") -> VoteRuleInfo:
    """Evaluate the matter's ``determine_vote_rule`` decision as the running case would."""
    result = models.decision(
        matter(matter_type).process_id,
        "determine_vote_rule",
        {"matter_type": matter_type, "sub_type": sub_type},
    )
    if result is None:
        return VoteRuleInfo("", "none")
    return VoteRuleInfo(str(result.get("vote_item", "")), str(result.get("vote_rule", "none")))


def vote_rules(models: ParsedModels, matter_type: str) -> list[tuple[str, VoteRuleInfo]]:
    """(sub-type label, rule) for every sub-type, or ("", rule) for a matter without any."""
    sub_types = matter(matter_type).sub_types
    if not sub_types:
        return [("", vote_rule(models, matter_type))]
    return [(label, vote_rule(models, matter_type, code)) for code, label in sub_types.items()]


def filing_vote_rules(matter_types: Iterable[str]) -> dict[str, list[tuple[str, VoteRuleInfo]]]:
    """``vote_rules`` of each matter type on the models a case filed now would run on (the
    files in bpmn/, which filing deploys), for the filing pages."""
    models = parsed(ModelBundle.from_directory())
    return {code: vote_rules(models, code) for code in matter_types}


def vote_item_table() -> list[dict[str, Any]]:
    """Every item of 民法典 278 with its rule, its source and the matters that vote on it.

    The matters come from the DMN table a case filed now runs, so an item no matter uses
    (改建、重建) still shows its rule, and the page cannot claim a matter the table does
    not send there.
    """
    models = parsed(ModelBundle.from_directory())
    using: dict[str, list[dict[str, str]]] = {number: [] for number in VOTE_ITEMS}
    for code, entry in MATTERS.items():
        for sub_type, label in (entry.sub_types or {"": ""}).items():
            info = vote_rule(models, code, sub_type)
            if info.item in using:
                using[info.item].append(
                    {
                        "code": code,
                        "name": entry.name,
                        "sub_type": sub_type,
                        "sub_type_label": label,
                    }
                )
    return [
        {
            "item": item.number,
            "text": item.text,
            "rule": item.rule.value,
            "rule_short": RULE_SHORT[item.rule],
            "participation": PARTICIPATION_TEXT,
            "approval": item.approval_text,
            "source": item.source,
            "matters": using[item.number],
        }
        for item in VOTE_ITEMS.values()
    ]


def case_vote_rule(session: Session, case: Case) -> VoteRuleInfo | None:
    """The rule a matter's case runs under, from its own model version; None for a duty."""
    if case.matter_type not in MATTERS:
        return None
    return vote_rule(models_for(session, case.model_version), case.matter_type, case.sub_type)


def _percent(part: int, whole: int) -> str:
    """Share in per cent to two places, for reading only: the verdict is computed exactly."""
    if whole <= 0:
        return "—"
    hundredths = round(Fraction(part * 10000, whole))
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def _verdict(met: bool) -> str:
    return _("达到") if met else _("未达到")


def vote_shares(
    rule: str,
    base_area: int,
    base_owners: int,
    participating_area: int,
    participating_owners: int,
    approving_area: int,
    approving_owners: int,
) -> list[str]:
    """The tally as shares of its base beside the rule's thresholds (areas in m² × 100).

    Whether each threshold is met comes from ``workflows.owners_vote`` (exact integer
    arithmetic), so a rounded percentage never decides anything.
    """
    outcome = evaluate_vote(
        VoteRule(rule),
        VoteTally(
            base_area,
            base_owners,
            participating_area,
            participating_owners,
            approving_area,
            approving_owners,
        ),
    )
    approval_rule = _("须均达到四分之三以上") if rule == "three_quarters" else _("须均超过半数")
    participation, approval = outcome.participation_met, outcome.approval_met
    return [
        _(
            "参与表决：面积 {pa}／{ba} 平方米（{pa_share}），人数 {po}／{bo} 人（{po_share}）；"
            "须均达到三分之二以上——{verdict}。"
        ).format(
            pa=format_area(participating_area),
            ba=format_area(base_area),
            pa_share=_percent(participating_area, base_area),
            po=participating_owners,
            bo=base_owners,
            po_share=_percent(participating_owners, base_owners),
            verdict=_verdict(participation),
        ),
        _(
            "同意：面积 {aa}／{pa} 平方米（{aa_share}），人数 {ao}／{po} 人（{ao_share}）；"
            "{approval}——{verdict}。"
        ).format(
            aa=format_area(approving_area),
            pa=format_area(participating_area),
            aa_share=_percent(approving_area, participating_area),
            ao=approving_owners,
            po=participating_owners,
            ao_share=_percent(approving_owners, participating_owners),
            approval=approval_rule,
            verdict=_verdict(approval),
        ),
    ]
