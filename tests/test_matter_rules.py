"""Matter rules of issue 18 held through the service on both databases: the party share
of the vetted slate, emergency reports filed late, and the upper bounds of counts and
amounts against what they are parts of."""

from __future__ import annotations

from typing import Any

import pytest
from duty_support import complete, events

from service.cases.case_service import CaseService
from service.core.errors import InvalidInput
from service.core.models import SettingOverride
from service.demo.cases import drive


def _candidate(name: str, party: bool) -> dict[str, Any]:
    return {"name": name, "is_owner": True, "has_fee_arrears": False, "is_party_member": party}


SLATE = {
    "candidates": [_candidate("张明", True), _candidate("李华", False), _candidate("王芳", False)],
    "vetting_opinion": "候选人均为本小区业主，无欠缴费用。",
}


def _policy(service: CaseService, key: str, value: str) -> None:
    with service.transaction() as session:
        session.add(SettingOverride(key=key, value=value))


def test_a_slate_below_the_party_share_is_blocked_under_block(service: CaseService) -> None:
    _policy(service, "party_share_policy", "block")
    case_id = drive(service, "committee_election", stop_before="candidate_vetting")
    with pytest.raises(InvalidInput) as refused:
        complete(service, "secretary", case_id, "candidate_vetting", SLATE)
    assert "候选人中党员 1 人" in refused.value.messages["candidates"][0]


def test_a_slate_below_the_party_share_is_warned_and_recorded_under_warn(
    service: CaseService,
) -> None:
    _policy(service, "party_share_policy", "warn")
    case_id = drive(service, "committee_election", stop_before="candidate_vetting")
    complete(service, "secretary", case_id, "candidate_vetting", SLATE)
    [vetting] = [e for e in events(service, case_id) if e.task_bpmn_id == "candidate_vetting"]
    assert [w["field"] for w in vetting.data["data"]["warnings"]] == ["candidates"]
