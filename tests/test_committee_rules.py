"""Committee and preparatory-group composition rules at their boundaries."""

from __future__ import annotations

import pytest

from workflows.committee_rules import (
    committee_size_valid,
    party_share_met,
    preparatory_group_valid,
)


@pytest.mark.parametrize(
    ("members", "party_members", "met"),
    [(6, 3, True), (6, 2, False), (7, 4, True), (7, 3, False), (5, 5, True), (1, 0, False)],
)
def test_party_share_of_exactly_half_passes(members: int, party_members: int, met: bool) -> None:
    assert party_share_met(members, party_members) is met


@pytest.mark.parametrize(("members", "party_members"), [(0, 0), (5, 6), (5, -1)])
def test_party_share_refuses_impossible_counts(members: int, party_members: int) -> None:
    with pytest.raises(ValueError):
        party_share_met(members, party_members)


@pytest.mark.parametrize(
    ("members", "valid"),
    [
        (3, False),
        (4, False),
        (5, True),
        (6, False),
        (7, True),
        (9, True),
        (10, False),
        (11, True),
        (12, False),
        (13, False),
        (0, False),
        (-5, False),
    ],
)
def test_committee_size_is_odd_between_five_and_eleven(members: int, valid: bool) -> None:
    assert committee_size_valid(members) is valid


@pytest.mark.parametrize(
    ("size", "owners", "valid"),
    [
        (7, 4, True),
        (7, 3, False),
        (5, 3, True),
        (5, 2, False),
        (6, 3, False),
        (6, 6, False),
        (1, 1, True),
    ],
)
def test_preparatory_group_is_odd_with_owners_at_least_half(
    size: int, owners: int, valid: bool
) -> None:
    assert preparatory_group_valid(size, owners) is valid


@pytest.mark.parametrize(("size", "owners"), [(0, 0), (5, 6), (5, -1)])
def test_preparatory_group_refuses_impossible_counts(size: int, owners: int) -> None:
    with pytest.raises(ValueError):
        preparatory_group_valid(size, owners)
