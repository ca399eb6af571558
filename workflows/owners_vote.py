"""Owners' joint decisions under 民法典 art. 278 and the counting rules of 法释〔2009〕7号.

Areas are integers in hundredths of a square metre and every threshold is compared with
exact rational arithmetic, so a vote one hundredth of a m² short is never rounded into a
pass (or the reverse) the way a float comparison could.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction

from workflows.i18n import _

TWO_THIRDS = Fraction(2, 3)
ONE_HALF = Fraction(1, 2)
THREE_QUARTERS = Fraction(3, 4)


class VoteRule(StrEnum):
    """Which approval threshold of 民法典 art. 278 para. 2 applies to a matter."""

    DOUBLE_MAJORITY = "double_majority"
    THREE_QUARTERS = "three_quarters"
    NONE = "none"


@dataclass(frozen=True)
class VoteTally:
    """Bases and counts of one owners' vote; areas in hundredths of m² (m² × 100)."""

    base_area: int
    base_owners: int
    participating_area: int
    participating_owners: int
    approving_area: int
    approving_owners: int


@dataclass(frozen=True)
class VoteOutcome:
    """Result of a vote; ``reasons`` are Chinese sentences naming each threshold missed."""

    rule: VoteRule
    participation_met: bool
    approval_met: bool
    passed: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Unit:
    """One exclusive part (专有部分) as the property register records it."""

    unit_id: str
    owner_ids: tuple[str, ...]
    area: int
    developer_unsold: bool = False
    in_scope: bool = True


_HUNDRED = Decimal(100)


def parse_area(text: str | int | Decimal) -> int:
    """Read an area in m² (as typed or registered) into exact hundredths of m².

    An int is whole square metres. More precision than 0.01 m² is refused rather than
    rounded, because rounding could move a vote across a threshold.
    """
    if isinstance(text, bool) or not isinstance(text, str | int | Decimal):
        raise TypeError(_("面积必须以文本、整数或 Decimal 给出，不能使用浮点数"))
    try:
        value = Decimal(text.strip()) if isinstance(text, str) else Decimal(text)
    except InvalidOperation:
        raise ValueError(_("面积“{text}”不是有效的数字").format(text=text)) from None
    if not value.is_finite():
        raise ValueError(_("面积“{text}”不是有效的数字").format(text=text))
    if value < 0:
        raise ValueError(_("面积“{text}”不能为负数").format(text=text))
    hundredths = value * _HUNDRED
    if hundredths != hundredths.to_integral_value():
        raise ValueError(_("面积“{text}”最多保留两位小数").format(text=text))
    return int(hundredths)


def format_area(hundredths: int) -> str:
    """Show hundredths of m² as square metres with exactly two decimals (12345 → "123.45")."""
    sign = "-" if hundredths < 0 else ""
    whole, cents = divmod(abs(hundredths), 100)
    return f"{sign}{whole}.{cents:02d}"


def _at_least(part: int, whole: int, ratio: Fraction) -> bool:
    """``part / whole >= ratio`` without division: 以上 includes the boundary."""
    return part >= ratio * whole


def _more_than(part: int, whole: int, ratio: Fraction) -> bool:
    """``part / whole > ratio``: 过半数 is strictly greater."""
    return part > ratio * whole


def _minimum_at_least(whole: int, ratio: Fraction) -> int:
    """Smallest integer count meeting ``>= ratio * whole``."""
    return math.ceil(ratio * whole)


def _minimum_more_than(whole: int, ratio: Fraction) -> int:
    """Smallest integer count meeting ``> ratio * whole``."""
    return math.floor(ratio * whole) + 1


def _validate(tally: VoteTally) -> None:
    """Refuse tallies that cannot describe a real vote."""
    values = (
        tally.base_area,
        tally.base_owners,
        tally.participating_area,
        tally.participating_owners,
        tally.approving_area,
        tally.approving_owners,
    )
    if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise TypeError(_("表决统计必须使用整数（面积以 0.01㎡ 为单位）"))
    if any(v < 0 for v in values):
        raise ValueError(_("表决统计中的面积和人数不能为负数"))
    if tally.base_area == 0 or tally.base_owners == 0:
        raise ValueError(_("表决基数（专有部分总面积和业主总人数）必须大于零"))
    if not tally.approving_area <= tally.participating_area <= tally.base_area:
        raise ValueError(_("同意面积不能超过参与表决面积，参与表决面积不能超过总面积"))
    if not tally.approving_owners <= tally.participating_owners <= tally.base_owners:
        raise ValueError(_("同意人数不能超过参与表决人数，参与表决人数不能超过业主总人数"))


def _participation_reasons(tally: VoteTally) -> list[str]:
    """Missed parts of 民法典 278 para. 2 sentence 1 (双三分之二参与)."""
    reasons = []
    if not _at_least(tally.participating_area, tally.base_area, TWO_THIRDS):
        reasons.append(
            _(
                "参与表决专有部分面积 {actual}㎡，未达到总面积 {base}㎡ 的三分之二"
                "（至少需 {required}㎡）"
            ).format(
                actual=format_area(tally.participating_area),
                base=format_area(tally.base_area),
                required=format_area(_minimum_at_least(tally.base_area, TWO_THIRDS)),
            )
        )
    if not _at_least(tally.participating_owners, tally.base_owners, TWO_THIRDS):
        reasons.append(
            _(
                "参与表决人数 {actual} 人，未达到业主总人数 {base} 人的三分之二"
                "（至少需 {required} 人）"
            ).format(
                actual=tally.participating_owners,
                base=tally.base_owners,
                required=_minimum_at_least(tally.base_owners, TWO_THIRDS),
            )
        )
    return reasons


def _double_majority_reasons(tally: VoteTally) -> list[str]:
    """Missed parts of 民法典 278 para. 2 last sentence (双过半, strictly more than half)."""
    reasons = []
    if not _more_than(tally.approving_area, tally.participating_area, ONE_HALF):
        reasons.append(
            _(
                "同意的专有部分面积 {actual}㎡，未超过参与表决专有部分面积 {base}㎡ 的半数"
                "（至少需 {required}㎡）"
            ).format(
                actual=format_area(tally.approving_area),
                base=format_area(tally.participating_area),
                required=format_area(_minimum_more_than(tally.participating_area, ONE_HALF)),
            )
        )
    if not _more_than(tally.approving_owners, tally.participating_owners, ONE_HALF):
        reasons.append(
            _(
                "同意的业主 {actual} 人，未超过参与表决人数 {base} 人的半数（至少需 {required} 人）"
            ).format(
                actual=tally.approving_owners,
                base=tally.participating_owners,
                required=_minimum_more_than(tally.participating_owners, ONE_HALF),
            )
        )
    return reasons


def _three_quarters_reasons(tally: VoteTally) -> list[str]:
    """Missed parts of 民法典 278 para. 2 for items 六–八 (双四分之三, boundary included)."""
    reasons = []
    if tally.participating_area == 0 or not _at_least(
        tally.approving_area, tally.participating_area, THREE_QUARTERS
    ):
        reasons.append(
            _(
                "同意的专有部分面积 {actual}㎡，未达到参与表决专有部分面积 {base}㎡ 的四分之三"
                "（至少需 {required}㎡）"
            ).format(
                actual=format_area(tally.approving_area),
                base=format_area(tally.participating_area),
                required=format_area(
                    max(1, _minimum_at_least(tally.participating_area, THREE_QUARTERS))
                ),
            )
        )
    if tally.participating_owners == 0 or not _at_least(
        tally.approving_owners, tally.participating_owners, THREE_QUARTERS
    ):
        reasons.append(
            _(
                "同意的业主 {actual} 人，未达到参与表决人数 {base} 人的四分之三"
                "（至少需 {required} 人）"
            ).format(
                actual=tally.approving_owners,
                base=tally.participating_owners,
                required=max(1, _minimum_at_least(tally.participating_owners, THREE_QUARTERS)),
            )
        )
    return reasons


def evaluate_vote(rule: VoteRule, tally: VoteTally) -> VoteOutcome:
    """Decide an owners' vote per 民法典 art. 278 para. 2.

    Participation needs owners holding ≥ 2/3 of the exclusive area and ≥ 2/3 of the owners
    (both); approval is then > 1/2 (双过半) or ≥ 3/4 (items 六–八) of the *participating*
    area and owners (both). ``VoteRule.NONE`` (emergency fund use, 165号令 art. 24) needs
    no vote, so the tally is not examined.
    """
    rule = VoteRule(rule)
    if rule is VoteRule.NONE:
        return VoteOutcome(
            rule=rule,
            participation_met=True,
            approval_met=True,
            passed=True,
            reasons=(_("本事项依法无需业主共同决定，不适用民法典第二百七十八条的表决比例"),),
        )
    _validate(tally)
    participation = _participation_reasons(tally)
    if rule is VoteRule.DOUBLE_MAJORITY:
        approval = _double_majority_reasons(tally)
    else:
        approval = _three_quarters_reasons(tally)
    return VoteOutcome(
        rule=rule,
        participation_met=not participation,
        approval_met=not approval,
        passed=not participation and not approval,
        reasons=tuple(participation + approval),
    )


_DEVELOPER = object()


def count_owners(units: Iterable[Unit], *, scope_only: bool = False) -> tuple[int, int]:
    """Return (owner count, total exclusive area in hundredths of m²) as the vote base.

    法释〔2009〕7号 arts 8–9: each exclusive part counts as one owner, but one buyer
    holding several parts counts once and all the developer's unsold parts together count
    as one. A buyer is identified by the exact set of its registered owners, so a couple
    co-owning two flats counts once while each co-owned flat still counts as one owner.
    ``scope_only`` keeps only the parts in the cost-sharing scope (列支范围) that bears a
    maintenance-fund expense (165号令 art. 22).
    """
    seen_units: set[str] = set()
    buyers: set[object] = set()
    total_area = 0
    for unit in units:
        if unit.unit_id in seen_units:
            raise ValueError(_("专有部分 {unit} 重复登记").format(unit=unit.unit_id))
        seen_units.add(unit.unit_id)
        if isinstance(unit.area, bool) or not isinstance(unit.area, int) or unit.area < 0:
            raise ValueError(
                _("专有部分 {unit} 的面积必须是非负整数（以 0.01㎡ 为单位）").format(
                    unit=unit.unit_id
                )
            )
        if scope_only and not unit.in_scope:
            continue
        if unit.developer_unsold:
            buyers.add(_DEVELOPER)
        elif unit.owner_ids:
            buyers.add(frozenset(unit.owner_ids))
        else:
            raise ValueError(_("专有部分 {unit} 没有登记业主").format(unit=unit.unit_id))
        total_area += unit.area
    return len(buyers), total_area
