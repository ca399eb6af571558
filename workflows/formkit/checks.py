"""Checks the steps of more than one matter make: attestations, earlier records, committees."""

from __future__ import annotations

from datetime import date
from typing import Any

from workflows.committee_rules import committee_size_valid, party_share_met
from workflows.formkit.base import Findings, FormSchema, StepContext
from workflows.i18n import _
from workflows.lifecycle import OWNERS_VOTE, SHARED_STEP_NAMES


def must_be_true(
    form: FormSchema, data: dict[str, Any], names: tuple[str, ...], f: Findings
) -> None:
    """Attestations that must be "yes" before the step can be completed."""
    for name in names:
        if data[name] is not True:
            f.error(name, _("“{label}”完成后才能提交本步骤。").format(label=form.label(name)))


def owners_vote_day(ctx: StepContext, f: Findings) -> date | None:
    """The day the owners voted; missing means the vote has not been recorded yet."""
    value = ctx.data.get("vote_meeting_date")
    if not value:
        f.error(
            "_schema",
            _("尚未找到“{step}”的记录，请先完成该步骤。").format(
                step=SHARED_STEP_NAMES[OWNERS_VOTE]
            ),
        )
        return None
    return date.fromisoformat(value)


def check_committee(form: FormSchema, data: dict[str, Any], ctx: StepContext, f: Findings) -> None:
    """Committee size (5–11, odd) and the party share under the configured policy."""
    members, party = data["committee_members"], data["party_members"]
    if party > members:
        f.error("party_members", _("党员委员人数不能超过委员总数。"))
        return
    if not committee_size_valid(members):
        f.error(
            "committee_members",
            _("业主委员会应由 5 至 11 名委员组成且为单数，现为 {n} 人。").format(n=members),
        )
    if not party_share_met(members, party):
        f.policy(
            ctx.settings.party_share_policy,
            "party_members",
            _(
                "党员委员 {party} 人，低于委员总数 {members} 人的 50%（至少需 {required} 人）。"
            ).format(party=party, members=members, required=(members + 1) // 2),
        )
