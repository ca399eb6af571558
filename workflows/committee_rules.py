"""Composition rules for owners' committees and preparatory groups.

Sources: 业主大会和业主委员会指导规则（建房〔2009〕274号） arts 10 and 31 (preparatory
group of odd size, owners at least half; committee of 5–11 members, odd) and the local
红色物业 policy that at least half of the committee members be party members. Whether
the party share warns or blocks is a setting (``Settings.party_share_policy``), not here.
"""

from __future__ import annotations

from workflows.i18n import _

COMMITTEE_MIN_MEMBERS = 5
COMMITTEE_MAX_MEMBERS = 11


def _check_counts(total: int, part: int) -> None:
    """Refuse counts that cannot describe a real body."""
    if any(isinstance(v, bool) or not isinstance(v, int) for v in (total, part)):
        raise TypeError(_("人数必须是整数"))
    if total < 1:
        raise ValueError(_("成员人数至少为 1 人"))
    if not 0 <= part <= total:
        raise ValueError(_("其中人数必须在 0 和成员人数之间"))


def party_share_met(members: int, party_members: int) -> bool:
    """Whether party members are at least 50% of the committee (不低于50%: boundary passes)."""
    _check_counts(members, party_members)
    return party_members * 2 >= members


def committee_size_valid(members: int) -> bool:
    """Whether a committee of ``members`` is 5 to 11 people and odd (指导规则 art. 31)."""
    return COMMITTEE_MIN_MEMBERS <= members <= COMMITTEE_MAX_MEMBERS and members % 2 == 1


def preparatory_group_valid(size: int, owner_members: int) -> bool:
    """Whether a preparatory group is odd-sized with owners at least half (指导规则 art. 10)."""
    _check_counts(size, owner_members)
    return size % 2 == 1 and owner_members * 2 >= size
