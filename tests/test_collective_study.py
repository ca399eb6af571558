"""支部工作条例 arts 11–12: quorum and approval at their exact boundaries."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.collective_study import MeetingType, StudyOutcome, evaluate_study


def test_quorum_of_exactly_half_fails() -> None:
    outcome = evaluate_study(6, 3, 3, 0, 0)
    assert not outcome.quorum_met
    assert not outcome.approved
    assert outcome.reasons[0] == (
        "应到会 6 人，实到会 3 人，未超过应到会人数的半数（至少需 4 人），会议不能进行表决"
    )


def test_quorum_of_half_plus_one_passes() -> None:
    outcome = evaluate_study(6, 4, 4, 0, 0)
    assert outcome == StudyOutcome(quorum_met=True, approved=True, reasons=())


@pytest.mark.parametrize(("present", "met"), [(3, False), (4, True)])
def test_quorum_with_odd_membership(present: int, met: bool) -> None:
    assert evaluate_study(7, present, 0, 0, 0).quorum_met is met


def test_approval_is_counted_against_members_who_should_attend() -> None:
    outcome = evaluate_study(9, 5, 4, 1, 0)
    assert outcome.quorum_met
    assert not outcome.approved
    assert outcome.reasons == ("赞成 4 票，未超过应到会人数 9 人的半数（至少需 5 票）",)


def test_approval_of_exactly_half_of_expected_fails_and_one_more_passes() -> None:
    assert not evaluate_study(8, 8, 4, 4, 0).approved
    assert evaluate_study(8, 8, 5, 3, 0).approved


def test_abstentions_do_not_lower_the_bar() -> None:
    assert not evaluate_study(7, 7, 3, 0, 4).approved
    assert evaluate_study(7, 4, 4, 0, 0).approved


@pytest.mark.parametrize(
    "counts",
    [
        (0, 0, 0, 0, 0),
        (5, 6, 0, 0, 0),
        (5, 3, 2, 1, 1),
        (5, 3, -1, 0, 0),
        (5, -1, 0, 0, 0),
    ],
)
def test_impossible_records_are_refused(counts: tuple[int, int, int, int, int]) -> None:
    with pytest.raises(ValueError):
        evaluate_study(*counts)


def test_meeting_type_labels() -> None:
    assert MeetingType("branch_committee").label == "党支部委员会会议"
    assert MeetingType.MEMBERS_ASSEMBLY.label == "党支部党员大会"


@st.composite
def meetings(draw: st.DrawFn) -> tuple[int, int, int, int, int]:
    expected = draw(st.integers(min_value=1, max_value=200))
    present = draw(st.integers(min_value=0, max_value=expected))
    votes_for = draw(st.integers(min_value=0, max_value=present))
    against = draw(st.integers(min_value=0, max_value=present - votes_for))
    abstain = draw(st.integers(min_value=0, max_value=present - votes_for - against))
    return expected, present, votes_for, against, abstain


@given(meetings())
def test_study_matches_the_rule_read_as_ratios(
    counts: tuple[int, int, int, int, int],
) -> None:
    expected, present, votes_for, _, _ = counts
    outcome = evaluate_study(*counts)
    half = Fraction(1, 2)
    assert outcome.quorum_met == (Fraction(present, expected) > half)
    assert outcome.approved == (outcome.quorum_met and Fraction(votes_for, expected) > half)
    assert (outcome.reasons == ()) == outcome.approved
