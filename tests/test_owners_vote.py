"""民法典 art. 278 thresholds at their exact boundaries, and the owner-counting rules."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.owners_vote import (
    Unit,
    VoteOutcome,
    VoteRule,
    VoteTally,
    count_owners,
    evaluate_vote,
    format_area,
    parse_area,
)

# 300.00 m² held by 30 owners: 2/3 is exactly 200.00 m² and 20 owners.
BASE_AREA = 30000
BASE_OWNERS = 30


def tally(
    participating_area: int = 24000,
    participating_owners: int = 24,
    approving_area: int = 24000,
    approving_owners: int = 24,
    base_area: int = BASE_AREA,
    base_owners: int = BASE_OWNERS,
) -> VoteTally:
    return VoteTally(
        base_area=base_area,
        base_owners=base_owners,
        participating_area=participating_area,
        participating_owners=participating_owners,
        approving_area=approving_area,
        approving_owners=approving_owners,
    )


@pytest.mark.parametrize("rule", [VoteRule.DOUBLE_MAJORITY, VoteRule.THREE_QUARTERS])
def test_participation_of_exactly_two_thirds_passes(rule: VoteRule) -> None:
    outcome = evaluate_vote(rule, tally(20000, 20, 20000, 20))
    assert outcome.participation_met
    assert outcome.passed
    assert outcome.reasons == ()


@pytest.mark.parametrize("rule", [VoteRule.DOUBLE_MAJORITY, VoteRule.THREE_QUARTERS])
def test_participation_one_hundredth_below_two_thirds_fails(rule: VoteRule) -> None:
    outcome = evaluate_vote(rule, tally(19999, 20, 19999, 20))
    assert not outcome.participation_met
    assert outcome.approval_met
    assert not outcome.passed
    assert outcome.reasons == (
        "参与表决专有部分面积 199.99㎡，未达到总面积 300.00㎡ 的三分之二（至少需 200.00㎡）",
    )


def test_participating_owners_one_below_two_thirds_fails_on_owners_alone() -> None:
    outcome = evaluate_vote(VoteRule.DOUBLE_MAJORITY, tally(20000, 19, 20000, 19))
    assert not outcome.participation_met
    assert not outcome.passed
    assert outcome.reasons == (
        "参与表决人数 19 人，未达到业主总人数 30 人的三分之二（至少需 20 人）",
    )


def test_participation_reason_with_a_base_not_divisible_by_three() -> None:
    outcome = evaluate_vote(
        VoteRule.DOUBLE_MAJORITY,
        tally(666666, 3, 666666, 3, base_area=1000000, base_owners=3),
    )
    assert not outcome.passed
    assert outcome.reasons == (
        "参与表决专有部分面积 6666.66㎡，未达到总面积 10000.00㎡ 的三分之二（至少需 6666.67㎡）",
    )
    assert evaluate_vote(
        VoteRule.DOUBLE_MAJORITY,
        tally(666667, 2, 666667, 2, base_area=1000000, base_owners=3),
    ).passed


def test_double_majority_of_exactly_half_area_fails() -> None:
    outcome = evaluate_vote(VoteRule.DOUBLE_MAJORITY, tally(20000, 20, 10000, 20))
    assert outcome.participation_met
    assert not outcome.approval_met
    assert not outcome.passed
    assert outcome.reasons == (
        "同意的专有部分面积 100.00㎡，未超过参与表决专有部分面积 200.00㎡ 的半数"
        "（至少需 100.01㎡）",
    )


def test_double_majority_of_half_plus_one_hundredth_area_passes() -> None:
    assert evaluate_vote(VoteRule.DOUBLE_MAJORITY, tally(20000, 20, 10001, 20)).passed


def test_double_majority_of_exactly_half_owners_fails() -> None:
    outcome = evaluate_vote(VoteRule.DOUBLE_MAJORITY, tally(20000, 20, 20000, 10))
    assert not outcome.approval_met
    assert outcome.reasons == ("同意的业主 10 人，未超过参与表决人数 20 人的半数（至少需 11 人）",)


def test_double_majority_of_half_plus_one_owner_passes() -> None:
    assert evaluate_vote(VoteRule.DOUBLE_MAJORITY, tally(20000, 20, 20000, 11)).passed


def test_double_majority_with_odd_participants() -> None:
    assert evaluate_vote(VoteRule.DOUBLE_MAJORITY, tally(20001, 21, 10001, 11)).passed
    assert not evaluate_vote(VoteRule.DOUBLE_MAJORITY, tally(20001, 21, 10000, 10)).passed


def test_three_quarters_of_exactly_three_quarters_passes() -> None:
    outcome = evaluate_vote(VoteRule.THREE_QUARTERS, tally(20000, 20, 15000, 15))
    assert outcome == VoteOutcome(VoteRule.THREE_QUARTERS, True, True, True, ())


def test_three_quarters_one_hundredth_below_fails() -> None:
    outcome = evaluate_vote(VoteRule.THREE_QUARTERS, tally(20000, 20, 14999, 15))
    assert not outcome.approval_met
    assert not outcome.passed
    assert outcome.reasons == (
        "同意的专有部分面积 149.99㎡，未达到参与表决专有部分面积 200.00㎡ 的四分之三"
        "（至少需 150.00㎡）",
    )


def test_three_quarters_one_owner_below_fails() -> None:
    outcome = evaluate_vote(VoteRule.THREE_QUARTERS, tally(20000, 20, 15000, 14))
    assert not outcome.passed
    assert outcome.reasons == (
        "同意的业主 14 人，未达到参与表决人数 20 人的四分之三（至少需 15 人）",
    )


def test_double_majority_is_not_enough_for_three_quarters_items() -> None:
    votes = tally(20000, 20, 14000, 14)
    assert evaluate_vote(VoteRule.DOUBLE_MAJORITY, votes).passed
    assert not evaluate_vote(VoteRule.THREE_QUARTERS, votes).passed


def test_every_missed_threshold_is_named() -> None:
    outcome = evaluate_vote(VoteRule.DOUBLE_MAJORITY, tally(10000, 10, 5000, 5))
    assert len(outcome.reasons) == 4
    assert not outcome.participation_met and not outcome.approval_met


def test_nobody_participating_fails_both_rules() -> None:
    for rule in (VoteRule.DOUBLE_MAJORITY, VoteRule.THREE_QUARTERS):
        outcome = evaluate_vote(rule, tally(0, 0, 0, 0))
        assert not outcome.participation_met
        assert not outcome.approval_met
        assert not outcome.passed


def test_rule_none_needs_no_vote() -> None:
    outcome = evaluate_vote(VoteRule.NONE, tally(0, 0, 0, 0, base_area=0, base_owners=0))
    assert outcome.passed
    assert outcome.reasons == ("本事项依法无需业主共同决定，不适用民法典第二百七十八条的表决比例",)


def test_rule_given_as_string_is_accepted() -> None:
    assert evaluate_vote("three_quarters", tally(20000, 20, 15000, 15)).rule is (
        VoteRule.THREE_QUARTERS
    )


@pytest.mark.parametrize(
    "bad",
    [
        tally(20000, 20, 20001, 20),
        tally(20000, 20, 20000, 21),
        tally(30001, 20, 20000, 20),
        tally(20000, 31, 20000, 20),
        tally(20000, 20, -1, 20),
        tally(20000, 20, 20000, 20, base_area=0),
        tally(0, 0, 0, 0, base_owners=0),
    ],
)
def test_impossible_tallies_are_refused(bad: VoteTally) -> None:
    with pytest.raises(ValueError):
        evaluate_vote(VoteRule.DOUBLE_MAJORITY, bad)


def test_float_areas_are_refused() -> None:
    with pytest.raises(TypeError):
        evaluate_vote(VoteRule.DOUBLE_MAJORITY, tally(20000.0, 20, 20000, 20))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123.45", 12345),
        (" 88.5 ", 8850),
        ("0.01", 1),
        ("123.450", 12345),
        ("0", 0),
        (123, 12300),
        (Decimal("99.99"), 9999),
    ],
)
def test_parse_area(text: str | int | Decimal, expected: int) -> None:
    assert parse_area(text) == expected


@pytest.mark.parametrize("text", ["123.451", "0.001", "-1", "-0.01", "abc", "", "NaN", "Infinity"])
def test_parse_area_refuses_bad_text(text: str) -> None:
    with pytest.raises(ValueError):
        parse_area(text)


@pytest.mark.parametrize("value", [1.5, True])
def test_parse_area_refuses_floats_and_bools(value: object) -> None:
    with pytest.raises(TypeError):
        parse_area(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("hundredths", "text"), [(12345, "123.45"), (5, "0.05"), (0, "0.00"), (100, "1.00")]
)
def test_format_area(hundredths: int, text: str) -> None:
    assert format_area(hundredths) == text


@given(st.integers(min_value=0, max_value=10**12))
def test_format_and_parse_round_trip(hundredths: int) -> None:
    assert parse_area(format_area(hundredths)) == hundredths


def test_each_unit_counts_as_one_owner() -> None:
    units = [Unit("1-101", ("alice",), 8950), Unit("1-102", ("bob",), 10012)]
    assert count_owners(units) == (2, 18962)


def test_owner_of_several_units_counts_once() -> None:
    units = [
        Unit("1-101", ("alice",), 8950),
        Unit("1-102", ("alice",), 10012),
        Unit("1-201", ("bob",), 9000),
    ]
    assert count_owners(units) == (2, 27962)


def test_co_owned_unit_counts_once_and_same_co_owners_count_once() -> None:
    units = [
        Unit("1-101", ("alice", "bob"), 9000),
        Unit("1-102", ("bob", "alice"), 9000),
        Unit("1-201", ("alice",), 9000),
    ]
    assert count_owners(units) == (2, 27000)


def test_unsold_developer_units_count_together_as_one_owner() -> None:
    units = [
        Unit("1-101", ("alice",), 9000),
        Unit("2-101", ("developer",), 12000, developer_unsold=True),
        Unit("2-102", (), 12000, developer_unsold=True),
        Unit("2-103", ("developer",), 12000, developer_unsold=True),
    ]
    assert count_owners(units) == (2, 45000)


def test_scope_only_counts_units_in_the_cost_sharing_scope() -> None:
    units = [
        Unit("1-101", ("alice",), 9000, in_scope=True),
        Unit("1-102", ("bob",), 9000, in_scope=True),
        Unit("2-101", ("carol",), 9000, in_scope=False),
        Unit("2-102", ("developer",), 9000, developer_unsold=True, in_scope=False),
    ]
    assert count_owners(units) == (4, 36000)
    assert count_owners(units, scope_only=True) == (2, 18000)


def test_multi_unit_owner_partly_in_scope_counts_once_with_in_scope_area() -> None:
    units = [
        Unit("1-101", ("alice",), 9000, in_scope=True),
        Unit("2-101", ("alice",), 7000, in_scope=False),
    ]
    assert count_owners(units, scope_only=True) == (1, 9000)


@pytest.mark.parametrize(
    "units",
    [
        [Unit("1-101", ("alice",), 9000), Unit("1-101", ("bob",), 9000)],
        [Unit("1-101", (), 9000)],
        [Unit("1-101", ("alice",), -1)],
    ],
)
def test_count_owners_refuses_bad_register(units: list[Unit]) -> None:
    with pytest.raises(ValueError):
        count_owners(units)


def test_count_and_vote_together() -> None:
    units = [Unit(f"u{i}", (f"owner{i}",), 10000) for i in range(9)]
    units.append(Unit("d1", (), 10000, developer_unsold=True))
    units.append(Unit("d2", (), 10000, developer_unsold=True))
    owners, area = count_owners(units)
    assert (owners, area) == (10, 110000)
    outcome = evaluate_vote(VoteRule.DOUBLE_MAJORITY, tally(80000, 7, 40001, 3, area, owners))
    assert outcome.participation_met
    assert not outcome.approval_met
    assert outcome.reasons == ("同意的业主 3 人，未超过参与表决人数 7 人的半数（至少需 4 人）",)


def reference(rule: VoteRule, t: VoteTally) -> tuple[bool, bool]:
    """Straight-from-the-statute reading with Fraction division."""
    participation = Fraction(t.participating_area, t.base_area) >= Fraction(2, 3) and Fraction(
        t.participating_owners, t.base_owners
    ) >= Fraction(2, 3)
    if t.participating_area == 0 or t.participating_owners == 0:
        return participation, False
    area_share = Fraction(t.approving_area, t.participating_area)
    owner_share = Fraction(t.approving_owners, t.participating_owners)
    if rule is VoteRule.DOUBLE_MAJORITY:
        approval = area_share > Fraction(1, 2) and owner_share > Fraction(1, 2)
    else:
        approval = area_share >= Fraction(3, 4) and owner_share >= Fraction(3, 4)
    return participation, approval


@st.composite
def near_boundary(draw: st.DrawFn, whole: int, ratio: Fraction) -> int:
    """A count anywhere in [0, whole], often right at ``ratio`` of it."""
    anchor = ratio * whole
    nearby = [v for v in (int(anchor) - 1, int(anchor), int(anchor) + 1) if 0 <= v <= whole] or [0]
    return draw(st.one_of(st.sampled_from(nearby), st.integers(min_value=0, max_value=whole)))


@st.composite
def tallies(draw: st.DrawFn) -> VoteTally:
    base_area = draw(st.integers(min_value=1, max_value=10**9))
    base_owners = draw(st.integers(min_value=1, max_value=5000))
    participating_area = draw(near_boundary(base_area, Fraction(2, 3)))
    participating_owners = draw(near_boundary(base_owners, Fraction(2, 3)))
    ratio = draw(st.sampled_from([Fraction(1, 2), Fraction(3, 4)]))
    return VoteTally(
        base_area=base_area,
        base_owners=base_owners,
        participating_area=participating_area,
        participating_owners=participating_owners,
        approving_area=draw(near_boundary(participating_area, ratio)),
        approving_owners=draw(near_boundary(participating_owners, ratio)),
    )


@given(tallies(), st.sampled_from([VoteRule.DOUBLE_MAJORITY, VoteRule.THREE_QUARTERS]))
def test_evaluate_vote_agrees_with_fraction_reference(t: VoteTally, rule: VoteRule) -> None:
    outcome = evaluate_vote(rule, t)
    participation, approval = reference(rule, t)
    assert (outcome.participation_met, outcome.approval_met) == (participation, approval)
    assert outcome.passed == (participation and approval)
    assert (outcome.reasons == ()) == outcome.passed
