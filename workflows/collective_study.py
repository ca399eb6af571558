"""Validity of the community party organization's collective study (集体研究).

中国共产党支部工作条例（试行） art. 11: a vote of the members' assembly needs more than
half of the voting members present and is carried when those in favour exceed half of
the members who *should* attend; art. 12 applies the same attendance rule to a branch
committee meeting. Approval is therefore counted against the members expected, never
against those present, so absentees cannot lower the bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from workflows.i18n import _


class MeetingType(StrEnum):
    """The body that studies the matter; some matter types require the members' assembly."""

    BRANCH_COMMITTEE = "branch_committee"
    MEMBERS_ASSEMBLY = "members_assembly"

    @property
    def label(self) -> str:
        """Chinese name shown on meeting records and the written reply."""
        if self is MeetingType.BRANCH_COMMITTEE:
            return _("党支部委员会会议")
        return _("党支部党员大会")


@dataclass(frozen=True)
class StudyOutcome:
    """Whether the meeting could decide and whether it approved, with Chinese reasons."""

    quorum_met: bool
    approved: bool
    reasons: tuple[str, ...]


def evaluate_study(
    members_expected: int,
    members_present: int,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
) -> StudyOutcome:
    """Apply the attendance and approval rules of 支部工作条例 arts 11–12.

    Quorum needs strictly more than half of the expected members present (exactly half
    fails); approval needs the votes in favour to exceed half of the expected members.
    A meeting without a quorum cannot approve anything.
    """
    counts = (members_expected, members_present, votes_for, votes_against, votes_abstain)
    if any(isinstance(c, bool) or not isinstance(c, int) for c in counts):
        raise TypeError(_("会议人数和票数必须是整数"))
    if any(c < 0 for c in counts):
        raise ValueError(_("会议人数和票数不能为负数"))
    if members_expected < 1:
        raise ValueError(_("应到会人数至少为 1 人"))
    if members_present > members_expected:
        raise ValueError(_("实到会人数不能超过应到会人数"))
    if votes_for + votes_against + votes_abstain > members_present:
        raise ValueError(_("赞成、反对、弃权票数之和不能超过实到会人数"))

    reasons: list[str] = []
    quorum_met = members_present * 2 > members_expected
    if not quorum_met:
        reasons.append(
            _(
                "应到会 {expected} 人，实到会 {present} 人，未超过应到会人数的半数"
                "（至少需 {required} 人），会议不能进行表决"
            ).format(
                expected=members_expected,
                present=members_present,
                required=members_expected // 2 + 1,
            )
        )
    majority_for = votes_for * 2 > members_expected
    if not majority_for:
        reasons.append(
            _(
                "赞成 {votes_for} 票，未超过应到会人数 {expected} 人的半数（至少需 {required} 票）"
            ).format(
                votes_for=votes_for,
                expected=members_expected,
                required=members_expected // 2 + 1,
            )
        )
    return StudyOutcome(
        quorum_met=quorum_met,
        approved=quorum_met and majority_for,
        reasons=tuple(reasons),
    )
