"""Matter rules of issue 18 held through the service on both databases: the party share
of the vetted slate, emergency reports filed late, and the upper bounds of counts and
amounts against what they are parts of."""

from __future__ import annotations

from typing import Any

import pytest
from duty_support import complete, events

from service.cases.case_service import CaseService
from service.cases.queries import case_detail
from service.core.errors import InvalidInput
from service.core.models import Case, SettingOverride
from service.demo.cases import drive
from service.duties.firm_credit import firm_record


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


def _emergency(reported_at: str) -> dict[str, Any]:
    return {
        "matter_type": "fund_emergency",
        "estate": "E01",
        "request": {
            "title": "关于电梯紧急维修动用维修资金的报告",
            "reasons": "电梯故障危及人身安全",
            "legal_basis": "《住宅专项维修资金管理办法》第二十四条",
            "plan": "更换曳引机主板",
            "affected_area": "8000.00",
            "affected_owners": 80,
            "emergency_category": "lift_failure",
            "occurred_at": "2026-02-27T08:00:00+08:00",
            "reported_at": reported_at,
            "urgent_measures": "已停用电梯并设置警示",
            "budget": "30000.00",
        },
    }


def test_an_emergency_reported_late_is_filed_with_its_lateness_recorded_and_counted(
    service: CaseService,
) -> None:
    """Refused outright before: the repair could never be recorded (issue 18, D2)."""
    with service.sessions() as session:
        firm = service.actor(session, "firm")
    on_time = service.file_case(firm, _emergency("2026-02-28T08:00:00+08:00"))
    late = service.file_case(firm, _emergency("2026-03-01T09:00:00+08:00"))
    [filed] = events(service, late, "case_filed")
    request = filed.data["initial"]["request"]
    assert request["reported_late"] is True
    assert [w["field"] for w in request["warnings"]] == ["reported_at"]
    assert (
        events(service, on_time, "case_filed")[0].data["initial"]["request"]["reported_late"]
        is False
    )
    with service.sessions() as session:
        detail = case_detail(session, firm, late, service.clock.now())
        assert [(w.step, w.field) for w in detail.warnings] == [("", "reported_at")]
        assert "迟报" in detail.warnings[0].message
        organization = session.get(Case, late).applicant_org_id
        record = firm_record(session, organization, service.clock.now().date())
    assert (record.late_emergency_reports, record.late_incident_reports) == (1, 0)
