"""Filing and step forms: each legal check at its exact boundary, in Chinese, field named."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from marshmallow import Schema

from service.demo.cases import filing_payload
from workflows.catalogue import MATTERS, STEP_NAMES, matter
from workflows.forms import (
    FILING_FORMS,
    STEP_FORMS,
    FormError,
    Items,
    Record,
    StepContext,
    SupervisionForm,
    describe_form,
    filing_schema,
    step_schema,
    validate_filing,
    validate_step,
)
from workflows.settings import Settings
from workflows.work_calendar import SHANGHAI, WorkCalendar

NOW = datetime(2025, 6, 16, 10, 0, tzinfo=SHANGHAI)  # a Monday
MODELS = Path(__file__).resolve().parent.parent / "bpmn"
CALENDAR = WorkCalendar()
CJK = re.compile(r"[\u4e00-\u9fff]")
SHA = "a" * 64
DROP = object()

BASE_FILING: dict[str, Any] = {
    "applicant_kind": "management_committee",
    "title": "关于本小区重要事项的请示",
    "reasons": "设施老化，需要维修",
    "legal_basis": "民法典第二百七十八条",
    "plan": "见附件方案",
    "affected_area": "12345.67",
    "affected_owners": 120,
    "attachments": [{"name": "方案.pdf", "sha256": SHA}],
}

FILING_EXTRAS: dict[str, dict[str, Any]] = {
    "assembly_formation": {},
    "committee_election": {
        "sub_type": "change_of_term",
        "term_end_date": "2026-06-30",
        "election_meeting_date": "2026-03-30",
    },
    "firm_entry": {"selection_method": "tender"},
    "firm_exit": {
        "initiator": "owners",
        "firm_name": "某物业服务有限公司",
        "notice_date": "2025-07-01",
        "service_end_date": "2025-08-30",
    },
    "fund_normal": {
        "budget": "50000.00",
        "fund_balance": "50000.00",
        "work_items": "更换3号楼电梯",
        "cost_sharing_scope": "3号楼全体业主",
    },
    "fund_replenishment": {
        "first_deposit_total": "2000000.00",
        "fund_balance": "500000.00",
        "standard_per_sqm": "30.00",
    },
    "fund_emergency": {
        "emergency_category": "roof_leak",
        "occurred_at": "2025-06-10T08:00:00+08:00",
        "reported_at": "2025-06-11T08:00:00+08:00",
        "urgent_measures": "已组织临时封堵",
        "budget": "20000.00",
    },
    "common_income": {"sub_type": "spending", "budget": "1000.00", "income_balance": "1000.00"},
    "fee_adjustment": {
        "price_regime": "government_guided",
        "current_fee": "1.80",
        "proposed_fee": "2.50",
        "base_price": "2.00",
        "float_range": "0.50",
    },
    "parking_allocation": {
        "sub_type": "allocation",
        "spaces_planned": 100,
        "spaces_common_land": 10,
        "spaces_civil_defence": 20,
        "owners_waiting": 0,
        "non_owner_leases": 5,
    },
}


def make_ctx(
    matter_type: str = "fund_normal",
    *,
    sub_type: str = "",
    request: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    settings: Settings | None = None,
    now: datetime = NOW,
) -> StepContext:
    return StepContext(
        matter_type=matter_type,
        sub_type=sub_type,
        request=request or {},
        data=data or {},
        settings=settings or Settings(),
        calendar=CALENDAR,
        now=now,
    )


def filing(matter_type: str, **changes: Any) -> dict[str, Any]:
    """A valid filing payload of ``matter_type`` with ``changes`` (DROP removes a key)."""
    payload = {**BASE_FILING, **FILING_EXTRAS[matter_type], **changes}
    return {k: v for k, v in payload.items() if v is not DROP}


def file(matter_type: str, ctx: StepContext | None = None, **changes: Any) -> dict[str, Any]:
    cleaned = validate_filing(matter_type, filing(matter_type, **changes), ctx or make_ctx())
    json.dumps(cleaned)
    return cleaned


def step(task_id: str, payload: Mapping[str, Any], ctx: StepContext) -> dict[str, Any]:
    cleaned = validate_step(task_id, payload, ctx)
    json.dumps(cleaned)
    return cleaned


def errors(call: Callable[[], Any]) -> dict[str, list[str]]:
    with pytest.raises(FormError) as raised:
        call()
    for messages in raised.value.messages.values():
        assert all(CJK.search(m) for m in messages), messages
    return raised.value.messages


def filing_errors(matter_type: str, ctx: StepContext | None = None, **changes: Any):
    return errors(lambda: file(matter_type, ctx, **changes))


def step_errors(task_id: str, payload: Mapping[str, Any], ctx: StepContext):
    return errors(lambda: validate_step(task_id, payload, ctx))


def day(text: str, offset: int = 0) -> str:
    return (date.fromisoformat(text) + timedelta(days=offset)).isoformat()


# ---------------------------------------------------------------- catalogue and API


def test_catalogue_matches_the_contract() -> None:
    assert set(MATTERS) == {p.stem.removeprefix("matter_") for p in MODELS.glob("matter_*.bpmn")}
    for code, entry in MATTERS.items():
        assert entry.process_id == f"matter_{code}"
        assert entry.model_file == f"bpmn/matter_{code}.bpmn"
        assert CJK.search(entry.name) and CJK.search(entry.legal_basis)
        assert set(entry.steps) <= set(STEP_NAMES)
    assert matter("committee_election").sub_types.keys() == {
        "change_of_term",
        "re_election",
        "by_election",
    }
    assert not matter("fund_emergency").has_owners_vote
    assert matter("firm_exit").has_owners_vote
    assert {c for c, m in MATTERS.items() if m.requires_members_assembly} == {
        "assembly_formation",
        "committee_election",
    }
    with pytest.raises(KeyError):
        matter("unknown")


def test_every_user_task_and_matter_has_a_form() -> None:
    assert set(FILING_FORMS) == set(MATTERS)
    for task_id in STEP_NAMES:
        assert issubclass(step_schema(task_id), Schema)
    assert {t for t in STEP_NAMES if step_schema(t) is SupervisionForm} == {
        t for t in STEP_NAMES if t.startswith("supervise_")
    }
    assert set(STEP_FORMS) | {t for t in STEP_NAMES if t.startswith("supervise_")} == set(
        STEP_NAMES
    )
    with pytest.raises(KeyError):
        step_schema("no_such_task")
    with pytest.raises(KeyError):
        filing_schema("no_such_matter")


def _all_forms() -> list[type[Schema]]:
    return [*FILING_FORMS.values(), *STEP_FORMS.values(), SupervisionForm]


@pytest.mark.parametrize("form", _all_forms(), ids=lambda f: f.__name__)
def test_describe_form_labels_every_field_in_chinese(form: type[Schema]) -> None:
    described = describe_form(form)
    assert [d["name"] for d in described] == list(form().fields)
    nested = [d for d in described if "fields" in d]
    for entry in described + [f for d in nested for f in d["fields"]]:
        assert CJK.search(entry["label"]), entry
        assert isinstance(entry["required"], bool)
        assert entry["help"] == "" or CJK.search(entry["help"])
        if entry["type"] == "choice":
            assert entry["choices"] and all(CJK.search(c["label"]) for c in entry["choices"])


@pytest.mark.parametrize("form", _all_forms(), ids=lambda f: f.__name__)
def test_every_error_message_is_chinese(form: type[Schema]) -> None:
    schemas = [form()]
    while schemas:
        schema = schemas.pop()
        assert all(CJK.search(m) for m in schema.error_messages.values())
        for fld in schema.fields.values():
            inner = [fld, fld.inner] if isinstance(fld, Items) else [fld]
            for f in inner:
                assert all(CJK.search(m) for m in f.error_messages.values()), f
                if isinstance(f, Record):
                    schemas.append(f.schema)


# ---------------------------------------------------------------- filing: all types


@pytest.mark.parametrize("matter_type", sorted(MATTERS))
def test_valid_filing_passes_and_is_json(matter_type: str) -> None:
    """Every matter's own fields as its module's demo data files them, on the base request."""
    own_fields = filing_payload(matter_type, NOW)["request"]
    payload = {**own_fields, **BASE_FILING}
    cleaned = validate_filing(matter_type, payload, make_ctx())
    json.dumps(cleaned)
    assert cleaned["affected_area"] == 1234567
    assert cleaned["affected_area_text"] == "12345.67"
    assert cleaned["warnings"] == []


def test_required_and_type_errors_are_chinese_and_name_the_field() -> None:
    messages = filing_errors(
        "firm_entry",
        title=DROP,
        affected_owners="一百",
        affected_area=12.5,
        notice=1,
        attachments=[{"name": "x.pdf", "sha256": "xyz"}],
    )
    assert "请示标题" in messages["title"][0]
    assert "涉及业主人数" in messages["affected_owners"][0]
    assert "123.45" in messages["affected_area"][0]
    assert messages["notice"] == ["表单中没有这一项，请删除后再提交。"]
    assert "attachments.0.sha256" in messages
    assert "请示事由" in filing_errors("firm_entry", reasons="   ")["reasons"][0]
    assert "YYYY-MM-DD" in filing_errors("firm_exit", notice_date="2025/07/01")["notice_date"][0]
    assert "选聘方式" in filing_errors("firm_entry", selection_method="x")["selection_method"][0]
    assert errors(lambda: validate_filing("firm_entry", [], make_ctx())).keys() == {"_schema"}


def test_applicant_kind_is_limited_to_the_matter() -> None:
    messages = filing_errors("assembly_formation", applicant_kind="property_firm")
    assert "业主大会筹备组" in messages["applicant_kind"][0]


@pytest.mark.parametrize(
    ("total", "present", "agreeing", "bad"),
    [
        (7, 4, 4, set()),
        (7, 3, 3, {"committee_members_present", "committee_members_agreeing"}),
        (7, 7, 3, {"committee_members_agreeing"}),  # a majority of those present is not enough
        (8, 4, 4, {"committee_members_present", "committee_members_agreeing"}),  # exactly half
        (8, 5, 5, set()),
        (8, 5, 4, {"committee_members_agreeing"}),
    ],
)
def test_owners_committee_resolution(total: int, present: int, agreeing: int, bad: set[str]):
    changes = {
        "applicant_kind": "owners_committee",
        "committee_members_total": total,
        "committee_members_present": present,
        "committee_members_agreeing": agreeing,
    }
    if bad:
        assert filing_errors("firm_entry", **changes).keys() == bad
    else:
        file("firm_entry", **changes)


def test_owners_committee_must_give_its_resolution() -> None:
    messages = filing_errors("firm_entry", applicant_kind="owners_committee")
    assert set(messages) == {
        "committee_members_total",
        "committee_members_present",
        "committee_members_agreeing",
    }


# ---------------------------------------------------------------- A. assembly formation

GROUP = {
    "application_received_on": "2025-03-03",
    "formed_on": "2025-05-06",
    "street_leader": "王主任",
    "group_size": 7,
    "owner_members": 4,
    "published_documents": ["owner_list", "draft_covenant", "draft_rules", "candidates"],
    "documents_published_on": "2025-06-01",
    "first_meeting_date": "2025-06-17",
}


def test_preparatory_group_valid() -> None:
    assert step("preparatory_group", GROUP, make_ctx("assembly_formation"))["warnings"] == []


@pytest.mark.parametrize(
    ("changes", "bad"),
    [
        ({"group_size": 6, "owner_members": 3}, "group_size"),
        ({"group_size": 7, "owner_members": 3}, "owner_members"),
        ({"group_size": 5, "owner_members": 3}, None),
        ({"first_meeting_date": "2025-06-16"}, "first_meeting_date"),  # 14 clear days
        # 2025-03-03 + 60 days = 2025-05-02, a May Day holiday: the period runs to 05-06.
        ({"formed_on": "2025-05-07"}, "formed_on"),
        ({"published_documents": ["owner_list"]}, "published_documents"),
        ({"documents_published_on": "2025-06-17"}, "documents_published_on"),  # future
    ],
)
def test_preparatory_group_boundaries(changes: dict[str, Any], bad: str | None) -> None:
    payload = {**GROUP, **changes}
    ctx = make_ctx("assembly_formation")
    if bad is None:
        step("preparatory_group", payload, ctx)
    else:
        assert bad in step_errors("preparatory_group", payload, ctx)


VOTED = {"vote_meeting_date": "2025-04-07"}
FORMATION = {
    "committee_members": 5,
    "party_members": 3,
    "term_years": 5,
    "committee_first_meeting_date": "2025-04-14",
    "filing_date": "2025-05-07",
}


@pytest.mark.parametrize(
    ("changes", "bad"),
    [
        ({}, None),
        ({"committee_members": 11, "party_members": 6}, None),
        ({"committee_members": 4, "party_members": 2}, "committee_members"),
        ({"committee_members": 13, "party_members": 7}, "committee_members"),
        ({"term_years": 6}, "term_years"),
        ({"committee_first_meeting_date": "2025-04-15"}, "committee_first_meeting_date"),
        ({"committee_first_meeting_date": "2025-04-06"}, "committee_first_meeting_date"),
        ({"filing_date": "2025-05-08"}, "filing_date"),
    ],
)
def test_committee_formation_boundaries(changes: dict[str, Any], bad: str | None) -> None:
    ctx = make_ctx("assembly_formation", data=VOTED)
    payload = {**FORMATION, **changes}
    if bad is None:
        step("committee_formation", payload, ctx)
    else:
        assert bad in step_errors("committee_formation", payload, ctx)


def test_party_share_exactly_half_passes() -> None:
    messages = step_errors(
        "committee_formation",
        {**FORMATION, "committee_members": 6, "party_members": 3},
        make_ctx("assembly_formation", data=VOTED),
    )
    assert set(messages) == {"committee_members"}  # size is wrong, 50% party share is fine


def test_party_share_policy_warns_or_blocks() -> None:
    payload = {**FORMATION, "party_members": 2}
    warned = step(
        "committee_formation",
        payload,
        make_ctx("assembly_formation", data=VOTED, settings=Settings(party_share_policy="warn")),
    )
    assert [w["field"] for w in warned["warnings"]] == ["party_members"]
    blocked = make_ctx(
        "assembly_formation", data=VOTED, settings=Settings(party_share_policy="block")
    )
    assert "party_members" in step_errors("committee_formation", payload, blocked)


def test_committee_formation_needs_the_vote_first() -> None:
    messages = step_errors("committee_formation", FORMATION, make_ctx("assembly_formation"))
    assert "业主表决" in messages["_schema"][0]


def test_period_outside_every_calendar_warns_instead_of_failing() -> None:
    now = datetime(2031, 1, 15, 9, 0, tzinfo=SHANGHAI)
    ctx = make_ctx("assembly_formation", data={"vote_meeting_date": "2030-12-02"}, now=now)
    payload = {
        **FORMATION,
        "committee_first_meeting_date": "2030-12-05",
        "filing_date": "2030-12-20",
    }
    cleaned = step("committee_formation", payload, ctx)
    assert cleaned["warnings"] and all(CJK.search(w["message"]) for w in cleaned["warnings"])


# ---------------------------------------------------------------- B. committee election


@pytest.mark.parametrize(
    ("changes", "settings", "bad"),
    [
        ({}, Settings(), None),
        ({"election_meeting_date": "2026-03-31"}, Settings(), "election_meeting_date"),
        ({}, Settings(election_lead_months=4), "election_meeting_date"),
        ({"term_end_date": DROP}, Settings(), "term_end_date"),
        ({"sub_type": "by_election", "term_end_date": DROP}, Settings(), None),
        ({"sub_type": "merger"}, Settings(), "sub_type"),
    ],
)
def test_election_lead_time(changes: dict[str, Any], settings: Settings, bad: str | None):
    ctx = make_ctx("committee_election", settings=settings)
    if bad is None:
        file("committee_election", ctx, **changes)
    else:
        assert bad in filing_errors("committee_election", ctx, **changes)


def _candidate(name: str, **flags: bool) -> dict[str, Any]:
    return {
        "name": name,
        "is_owner": True,
        "has_fee_arrears": False,
        "is_party_member": True,
        **flags,
    }


def test_candidate_vetting() -> None:
    ctx = make_ctx("committee_election", sub_type="change_of_term")
    ok = {"candidates": [_candidate("张三"), _candidate("李四")], "vetting_opinion": "符合条件"}
    assert step("candidate_vetting", ok, ctx)["candidates"][1]["name"] == "李四"
    bad = {
        "candidates": [
            _candidate("张三"),
            _candidate("李四", is_owner=False, has_fee_arrears=True),
        ],
        "vetting_opinion": "见下",
    }
    messages = step_errors("candidate_vetting", bad, ctx)
    assert set(messages) == {"candidates.1.is_owner", "candidates.1.has_fee_arrears"}
    assert "李四" in messages["candidates.1.is_owner"][0]
    empty = step_errors("candidate_vetting", {"candidates": [], "vetting_opinion": "无"}, ctx)
    assert "候选人" in empty["candidates"][0]


def test_the_slate_s_party_share_is_at_least_half_under_the_policy() -> None:
    block = make_ctx("committee_election", settings=Settings(party_share_policy="block"))
    half = [_candidate("张三"), _candidate("李四", is_party_member=False)]
    assert step("candidate_vetting", {"candidates": half, "vetting_opinion": "符合"}, block)
    below = [*half, _candidate("王五", is_party_member=False)]
    slate = {"candidates": below, "vetting_opinion": "符合"}
    assert "50%" in step_errors("candidate_vetting", slate, block)["candidates"][0]
    warn = make_ctx("committee_election", settings=Settings(party_share_policy="warn"))
    assert [w["field"] for w in step("candidate_vetting", slate, warn)["warnings"]] == [
        "candidates"
    ]


HANDOVER = {
    "committee_members": 7,
    "party_members": 4,
    "archives_handed_over": True,
    "seals_handed_over": True,
    "handover_date": "2025-04-17",  # 2025-04-07 + 10 days (a Thursday)
    "filing_date": "2025-05-07",
}


@pytest.mark.parametrize(
    ("changes", "bad"),
    [
        ({}, None),
        ({"handover_date": "2025-04-18"}, "handover_date"),
        ({"seals_handed_over": False}, "seals_handed_over"),
        ({"filing_date": "2025-05-08"}, "filing_date"),
        ({"party_members": 3}, "party_members"),
    ],
)
def test_handover_and_filing(changes: dict[str, Any], bad: str | None) -> None:
    ctx = make_ctx("committee_election", data=VOTED, settings=Settings(party_share_policy="block"))
    payload = {**HANDOVER, **changes}
    if bad is None:
        step("handover_and_filing", payload, ctx)
    else:
        assert bad in step_errors("handover_and_filing", payload, ctx)


# ---------------------------------------------------------------- C1. firm entry

SELECTION = {
    "firm_name": "红旗物业服务有限公司",
    "firm_credit_code": "91110105MA01ABCD1X",
    "firm_standing": "red",
    "selected_on": "2025-06-01",
    "selection_record": "公开招标，三家投标",
}


def test_blacklisted_firm_blocked_or_warned() -> None:
    black = {**SELECTION, "firm_standing": "black"}
    block = make_ctx("firm_entry", settings=Settings(blacklist_policy="block"))
    assert "黑榜" in step_errors("firm_selection", black, block)["firm_standing"][0]
    warn = make_ctx("firm_entry", settings=Settings(blacklist_policy="warn"))
    assert [w["field"] for w in step("firm_selection", black, warn)["warnings"]] == [
        "firm_standing"
    ]
    assert step("firm_selection", SELECTION, block)["warnings"] == []


def test_credit_code_must_be_valid() -> None:
    messages = step_errors(
        "firm_selection", {**SELECTION, "firm_credit_code": "12345"}, make_ctx("firm_entry")
    )
    assert "统一社会信用代码" in messages["firm_credit_code"][0]


CONTRACT = {
    "contract_signed_on": "2025-04-08",
    "signed_by_committee": True,
    "service_start_date": "2025-07-01",
    "handover_inspection_done": True,
    "handover_inspection_date": "2025-06-10",
}


@pytest.mark.parametrize(
    ("changes", "bad"),
    [
        ({}, None),
        ({"handover_inspection_done": False}, "handover_inspection_done"),
        ({"contract_signed_on": "2025-04-06"}, "contract_signed_on"),
    ],
)
def test_contract_and_handover(changes: dict[str, Any], bad: str | None) -> None:
    ctx = make_ctx("firm_entry", data=VOTED)
    payload = {**CONTRACT, **changes}
    if bad is None:
        step("contract_and_handover", payload, ctx)
    else:
        assert bad in step_errors("contract_and_handover", payload, ctx)


# ---------------------------------------------------------------- C2. firm exit


@pytest.mark.parametrize(
    ("initiator", "applicant", "days", "ok"),
    [
        ("owners", "owners_committee", 60, True),
        ("owners", "owners_committee", 59, False),
        ("firm", "property_firm", 90, True),
        ("firm", "property_firm", 89, False),
    ],
)
def test_firm_exit_notice(initiator: str, applicant: str, days: int, ok: bool) -> None:
    changes = {
        "initiator": initiator,
        "applicant_kind": applicant,
        "notice_date": "2025-07-01",
        "service_end_date": day("2025-07-01", days),
        "committee_members_total": 7,
        "committee_members_present": 7,
        "committee_members_agreeing": 7,
    }
    if ok:
        assert file("firm_exit", **changes)["initiator"] == initiator
    else:
        messages = filing_errors("firm_exit", **changes)
        required = "60" if initiator == "owners" else "90"
        assert set(messages) == {"notice_date"} and required in messages["notice_date"][0]


def test_firm_cannot_file_the_owners_dismissal() -> None:
    messages = filing_errors(
        "firm_exit", applicant_kind="property_firm", service_end_date="2025-12-31"
    )
    assert set(messages) == {"initiator"}


EXIT_REQUEST = {"service_end_date": "2025-05-30"}
CHECKLIST = {
    "rooms_handed_over": True,
    "facilities_handed_over": True,
    "records_handed_over": True,
    "handover_date": "2025-06-16",  # 2025-05-30 + 15 days = 06-14 (Sat) → 06-16 (Mon)
    "successor_name": "新物业服务有限公司",
    "successor_took_over_on": "2025-06-01",
    "old_firm_left_on": "2025-06-01",
}


@pytest.mark.parametrize(
    ("changes", "settings", "bad"),
    [
        ({}, Settings(), None),
        ({"handover_date": "2025-06-17"}, Settings(), "handover_date"),
        ({"records_handed_over": False}, Settings(), "records_handed_over"),
        ({"successor_took_over_on": "2025-06-02"}, Settings(), "successor_took_over_on"),
        ({"handover_date": "2025-06-13"}, Settings(firm_exit_handover_days=10), "handover_date"),
    ],
)
def test_handover_checklist(changes: dict[str, Any], settings: Settings, bad: str | None) -> None:
    ctx = make_ctx(
        "firm_exit", request=EXIT_REQUEST, settings=settings, now=NOW + timedelta(days=1)
    )
    payload = {**CHECKLIST, **changes}
    if bad is None:
        step("handover_checklist", payload, ctx)
    else:
        assert bad in step_errors("handover_checklist", payload, ctx)


# ---------------------------------------------------------------- D1. maintenance fund


def test_budget_within_fund_balance() -> None:
    file("fund_normal", budget="50000.00", fund_balance="50000.00")
    messages = filing_errors("fund_normal", budget="50000.01")
    assert set(messages) == {"budget"}
    assert "预算金额" in filing_errors("fund_normal", budget=DROP)["budget"][0]
    assert "1234.50" in filing_errors("fund_normal", budget="1.005")["budget"][0]


VOTE = {
    "vote_notice_date": "2025-05-01",
    "vote_meeting_date": "2025-05-17",  # 15 clear days after the notice day
    "base_area": "12345.67",
    "base_owners": 120,
    "participating_area": "8230.45",  # ≥ 2/3 of 12345.67 (8230.446…)
    "participating_owners": 80,
    "approving_area": "4115.23",  # > 1/2 of 8230.45
    "approving_owners": 41,
}


def _fund_vote_ctx(**data: Any) -> StepContext:
    request = file("fund_normal")
    return make_ctx("fund_normal", request=request, data={"vote_rule": "double_majority", **data})


def test_owners_vote_passes_and_reports_the_outcome() -> None:
    cleaned = step("owners_vote", VOTE, _fund_vote_ctx())
    assert cleaned["vote_passed"] is True
    assert cleaned["vote_outcome"]["rule"] == "double_majority"
    assert cleaned["base_area"] == 1234567 and cleaned["base_area_text"] == "12345.67"


@pytest.mark.parametrize(
    ("changes", "passed"),
    [
        ({"participating_area": "8230.44"}, False),  # one hundredth under 2/3
        ({"approving_area": "4115.22"}, False),  # exactly half of 8230.45 rounds down
        ({"participating_owners": 79}, False),  # 80 is 2/3 of 120
        ({"approving_owners": 40}, False),  # exactly half is not 过半数
    ],
)
def test_owners_vote_thresholds(changes: dict[str, Any], passed: bool) -> None:
    cleaned = step("owners_vote", {**VOTE, **changes}, _fund_vote_ctx())
    assert cleaned["vote_passed"] is passed
    assert cleaned["vote_outcome"]["reasons"]


def test_owners_vote_notice_fifteen_days() -> None:
    short = {**VOTE, "vote_meeting_date": "2025-05-16"}  # 14 clear days
    messages = step_errors("owners_vote", short, _fund_vote_ctx())
    assert set(messages) == {"vote_meeting_date"} and "15" in messages["vote_meeting_date"][0]


def test_fund_vote_base_is_the_cost_sharing_scope() -> None:
    wrong = {**VOTE, "base_area": "20000.00", "base_owners": 200}
    assert set(step_errors("owners_vote", wrong, _fund_vote_ctx())) == {
        "base_area",
        "base_owners",
    }


def test_owners_vote_counts_must_nest() -> None:
    wrong = {**VOTE, "approving_owners": 81}
    assert set(step_errors("owners_vote", wrong, _fund_vote_ctx())) == {"approving_owners"}


@pytest.mark.parametrize("rule", [None, "none"])
def test_owners_vote_needs_a_vote_rule(rule: str | None) -> None:
    ctx = make_ctx("firm_entry", data={} if rule is None else {"vote_rule": rule})
    assert "_schema" in step_errors("owners_vote", VOTE, ctx)


def test_three_quarters_rule_from_the_dmn() -> None:
    ctx = make_ctx(
        "parking_allocation",
        sub_type="new_spaces_common_land",
        data={"vote_rule": "three_quarters"},
    )
    tally = {**VOTE, "participating_owners": 80, "approving_owners": 60}
    tally["participating_area"], tally["approving_area"] = "8300.00", "6225.00"
    assert step("owners_vote", tally, ctx)["vote_passed"] is True
    assert step("owners_vote", {**tally, "approving_owners": 59}, ctx)["vote_passed"] is False


def test_fund_payment_within_budget() -> None:
    ctx = make_ctx("fund_normal", request=file("fund_normal"))
    payment = {
        "payment_amount": "50000.00",
        "applied_on": "2025-06-01",
        "reviewed_on": "2025-06-03",
        "transferred_on": "2025-06-05",
        "evidence": [{"name": "凭证.pdf", "sha256": SHA}],
    }
    assert step("fund_payment", payment, ctx)["payment_amount"] == "50000.00"
    over = {**payment, "payment_amount": "50000.01", "transferred_on": "2025-06-02"}
    assert set(step_errors("fund_payment", over, ctx)) == {"payment_amount", "transferred_on"}


def test_works_acceptance_must_pass_and_have_evidence() -> None:
    payload = {
        "accepted_on": "2025-06-01",
        "works_passed": False,
        "acceptance_participants": "业委会、物业、施工单位",
        "evidence": [],
    }
    assert set(step_errors("works_acceptance", payload, make_ctx())) == {"evidence"}
    payload["evidence"] = [{"name": "验收单.pdf", "sha256": SHA}]
    assert set(step_errors("works_acceptance", payload, make_ctx())) == {"works_passed"}


# ---------------------------------------------------------------- D2. emergency


def test_emergency_category_comes_from_settings() -> None:
    file("fund_emergency", emergency_category="facade_risk")
    narrow = make_ctx("fund_emergency", settings=Settings(emergency_categories=("lift_failure",)))
    messages = filing_errors("fund_emergency", narrow)
    assert set(messages) == {"emergency_category"}


@pytest.mark.parametrize(
    ("reported", "settings", "late"),
    [
        ("2025-06-11T08:00:00+08:00", Settings(), False),  # exactly 24 h
        ("2025-06-11T08:01:00+08:00", Settings(), True),
        ("2025-06-11T08:01", Settings(), True),  # naive times are Beijing time
        ("2025-06-11T00:00:00Z", Settings(), False),  # 08:00 Beijing
        ("2025-06-12T08:00:00+08:00", Settings(emergency_report_hours=48), False),
    ],
)
def test_emergency_reported_late_is_accepted_with_a_warning(
    reported: str, settings: Settings, late: bool
) -> None:
    """The repair is done and must be on record: lateness is warned about and marked."""
    ctx = make_ctx("fund_emergency", settings=settings)
    request = file("fund_emergency", ctx, reported_at=reported)
    assert request["reported_late"] is late
    assert [w["field"] for w in request["warnings"]] == (["reported_at"] if late else [])


def test_an_emergency_is_not_reported_before_it_happened() -> None:
    messages = filing_errors("fund_emergency", reported_at="2025-06-10T07:59:00+08:00")
    assert set(messages) == {"reported_at"}


def test_emergency_times_cannot_be_in_the_future() -> None:
    messages = filing_errors(
        "fund_emergency",
        occurred_at="2025-06-16T10:00:00+08:00",
        reported_at="2025-06-16T10:01:00+08:00",
    )
    assert set(messages) == {"reported_at"}


def test_cost_report_is_complete() -> None:
    messages = step_errors("cost_report", {"actual_cost": "800.00"}, make_ctx("fund_emergency"))
    assert set(messages) == {"cost_breakdown", "completed_on", "evidence"}


# ---------------------------------------------------------------- E. common income


def test_common_income_sub_types() -> None:
    assert set(filing_errors("common_income", budget="1000.01")) == {"budget"}
    assert set(filing_errors("common_income", income_balance=DROP)) == {"income_balance"}
    messages = filing_errors("common_income", sub_type="new_business_use")
    assert set(messages) == {"common_parts", "business_use"}
    file(
        "common_income",
        sub_type="new_business_use",
        budget=DROP,
        income_balance=DROP,
        common_parts="1号楼屋顶",
        business_use="设置广告牌",
    )


PUBLICATION = {
    "income_year": 2024,
    "income_amount": "30000.00",
    "spent_amount": "12000.00",
    "published_on": "2025-03-31",
    "publication_end": "2025-04-30",
    "published_where": "小区公告栏",
}


@pytest.mark.parametrize(
    ("changes", "bad"),
    [
        ({}, None),
        ({"published_on": "2025-04-01", "publication_end": "2025-05-01"}, "published_on"),
        ({"publication_end": "2025-04-29"}, "publication_end"),
    ],
)
def test_income_publication(changes: dict[str, Any], bad: str | None) -> None:
    ctx = make_ctx("common_income", sub_type="spending")
    payload = {**PUBLICATION, **changes}
    if bad is None:
        step("income_publication", payload, ctx)
    else:
        assert set(step_errors("income_publication", payload, ctx)) == {bad}


# ---------------------------------------------------------------- F. fee adjustment


@pytest.mark.parametrize(
    ("proposed", "ok"),
    [("2.50", True), ("2.51", False), ("1.50", True), ("1.49", False), ("2.5", True)],
)
def test_guided_fee_within_range(proposed: str, ok: bool) -> None:
    if ok:
        file("fee_adjustment", proposed_fee=proposed)
    else:
        messages = filing_errors("fee_adjustment", proposed_fee=proposed)
        assert set(messages) == {"proposed_fee"} and "1.50 至 2.50" in messages["proposed_fee"][0]


def test_market_fee_has_no_range_and_guided_needs_one() -> None:
    file("fee_adjustment", price_regime="market", proposed_fee="9.99", base_price=DROP)
    assert set(filing_errors("fee_adjustment", float_range=DROP)) == {"float_range"}


def test_contract_fee_is_the_approved_fee() -> None:
    ctx = make_ctx("fee_adjustment", request=file("fee_adjustment"))
    terms = {"new_fee": "2.50", "effective_date": "2025-07-01", "amended_on": "2025-06-10"}
    step("contract_terms", terms, ctx)
    assert set(step_errors("contract_terms", {**terms, "new_fee": "2.60"}, ctx)) == {"new_fee"}


# ---------------------------------------------------------------- G. parking


def test_no_lease_to_non_owners_while_owners_wait() -> None:
    assert set(filing_errors("parking_allocation", owners_waiting=3)) == {"non_owner_leases"}
    file("parking_allocation", owners_waiting=3, non_owner_leases=0)
    result = {
        "allocated_to_owners": 90,
        "leased_to_non_owners": 1,
        "owners_still_waiting": 2,
        "result_published_on": "2025-06-10",
    }
    ctx = make_ctx("parking_allocation", sub_type="allocation")
    assert set(step_errors("allocation_result", result, ctx)) == {"leased_to_non_owners"}
    step("allocation_result", {**result, "owners_still_waiting": 0}, ctx)


def test_new_spaces_need_a_count() -> None:
    messages = filing_errors("parking_allocation", sub_type="new_spaces_common_land")
    assert set(messages) == {"new_spaces"}
    file("parking_allocation", sub_type="new_spaces_common_land", new_spaces=12)


# ---------------------------------------------------------------- prior approval steps


def test_acceptance_check() -> None:
    ctx = make_ctx()
    assert (
        step("acceptance_check", {"acceptance_decision": "accept"}, ctx)["acceptance_decision"]
        == "accept"
    )
    messages = step_errors("acceptance_check", {"acceptance_decision": "return"}, ctx)
    assert set(messages) == {"acceptance_reasons"}
    step("acceptance_check", {"acceptance_decision": "return", "acceptance_reasons": "缺方案"}, ctx)


def test_supplement_revalidates_the_request() -> None:
    ctx = make_ctx("fund_normal", request=file("fund_normal"))
    cleaned = step(
        "supplement",
        {"supplement_note": "补充预算", "updated_fields": {"budget": "40000.00"}},
        ctx,
    )
    assert cleaned["request"]["budget"] == "40000.00"
    assert cleaned["request"]["affected_area"] == 1234567
    assert cleaned["updated_fields"] == {"budget": "40000.00"}
    too_much = {"supplement_note": "补充", "updated_fields": {"budget": "60000.00"}}
    assert set(step_errors("supplement", too_much, ctx)) == {"updated_fields.budget"}
    unknown = {"supplement_note": "补充", "updated_fields": {"colour": "红"}}
    assert set(step_errors("supplement", unknown, ctx)) == {"updated_fields.colour"}


def test_supplement_cannot_change_the_sub_type() -> None:
    ctx = make_ctx("common_income", request=file("common_income"), sub_type="spending")
    change = {"supplement_note": "改类别", "updated_fields": {"sub_type": "new_business_use"}}
    assert set(step_errors("supplement", change, ctx)) == {"updated_fields.sub_type"}


STUDY = {
    "meeting_type": "branch_committee",
    "study_meeting_date": "2025-06-10",
    "members_expected": 7,
    "members_present": 5,
    "votes_for": 4,
    "votes_against": 1,
    "votes_abstain": 0,
    "opinions": "同意",
}


def test_collective_study_outcome() -> None:
    cleaned = step("collective_study", STUDY, make_ctx("firm_entry"))
    assert cleaned["study_passed"] is True and cleaned["consulted_residents_committee"] is False
    failed = step("collective_study", {**STUDY, "votes_for": 3, "votes_against": 2}, make_ctx())
    assert failed["study_passed"] is False and failed["study_outcome"]["reasons"]


@pytest.mark.parametrize(
    ("matter_type", "changes", "bad"),
    [
        ("committee_election", {}, "meeting_type"),
        ("committee_election", {"meeting_type": "members_assembly"}, None),
        (
            "firm_entry",
            {"members_expected": 6, "members_present": 3, "votes_for": 3, "votes_against": 0},
            "members_present",
        ),
        ("firm_entry", {"members_present": 8}, "members_present"),
        ("firm_entry", {"votes_abstain": 1}, "votes_for"),
    ],
)
def test_collective_study_rules(matter_type: str, changes: dict[str, Any], bad: str | None):
    payload = {**STUDY, **changes}
    ctx = make_ctx(matter_type)
    if bad is None:
        step("collective_study", payload, ctx)
    else:
        assert set(step_errors("collective_study", payload, ctx)) == {bad}


@pytest.mark.parametrize(
    ("decision", "conditions", "study_passed", "bad"),
    [
        ("agree", None, True, None),
        ("agree_with_conditions", "先公示", True, None),
        ("agree_with_conditions", None, True, "reply_conditions"),
        ("agree", "先公示", True, "reply_conditions"),
        ("agree", None, False, "reply_decision"),
        ("disagree", None, False, None),
    ],
)
def test_written_reply(decision: str, conditions: str | None, study_passed: bool, bad: str | None):
    payload = {"reply_decision": decision, "reply_reasons": "经集体研究"}
    if conditions:
        payload["reply_conditions"] = conditions
    ctx = make_ctx(data={"study_passed": study_passed})
    if bad is None:
        assert step("written_reply", payload, ctx)["reply_decision"] == decision
    else:
        assert set(step_errors("written_reply", payload, ctx)) == {bad}


# ---------------------------------------------------------------- oversight


def test_oversight_review() -> None:
    ctx = make_ctx()
    assert (
        step("oversight_review", {"oversight_result": "compliant"}, ctx)["oversight_result"]
        == "compliant"
    )
    rectify = {"oversight_result": "rectify"}
    assert set(step_errors("oversight_review", rectify, ctx)) == {
        "oversight_findings",
        "rectification_deadline",
    }
    rectify |= {"oversight_findings": "公示不全", "rectification_deadline": "2025-06-16"}
    assert set(step_errors("oversight_review", rectify, ctx)) == {"rectification_deadline"}
    step("oversight_review", {**rectify, "rectification_deadline": "2025-06-17"}, ctx)


@pytest.mark.parametrize("task_id", ["implementation_report", "rectification"])
def test_reports_need_evidence_and_a_past_date(task_id: str) -> None:
    report = {"summary": "已完成", "evidence": [], "done_on": "2025-06-16"}
    assert set(step_errors(task_id, report, make_ctx())) == {"evidence"}
    report["evidence"] = [{"name": "照片.jpg", "sha256": SHA}]
    future = {**report, "done_on": "2025-06-17"}
    assert set(step_errors(task_id, future, make_ctx())) == {"done_on"}
    assert step(task_id, report, make_ctx())["evidence"][0]["sha256"] == SHA


def test_street_supervision() -> None:
    ctx = make_ctx()
    note = {"supervision_note": "已电话督促", "follow_up_date": "2025-06-16"}
    assert set(step_errors("supervise_collective_study", note, ctx)) == {"follow_up_date"}
    step("supervise_rectification", {**note, "follow_up_date": "2025-06-18"}, ctx)


# ------------------------------------------------------- D3. maintenance fund replenishment


def test_a_replenishment_states_a_standard_above_zero() -> None:
    assert file("fund_replenishment")["standard_per_sqm"] == "30.00"
    zero = filing_errors("fund_replenishment", standard_per_sqm="0.00")
    assert set(zero) == {"standard_per_sqm"} and "大于零" in zero["standard_per_sqm"][0]
    assert (
        "1234.50"
        in filing_errors("fund_replenishment", standard_per_sqm="0.005")["standard_per_sqm"][0]
    )


def test_an_early_replenishment_is_warned_with_article_17() -> None:
    """165号令 art 17: below 30% of the first deposit the fund must be replenished."""
    below = file("fund_replenishment", fund_balance="599999.99")
    assert below["warnings"] == []
    early = file("fund_replenishment", fund_balance="600000.00")
    [warning] = early["warnings"]
    assert warning["field"] == "fund_balance" and "第十七条" in warning["message"]
    assert file("fund_replenishment", first_deposit_total="0.00")["warnings"] == []


def test_the_replenishment_vote_needs_three_quarters() -> None:
    request = file("fund_replenishment")
    ctx = make_ctx("fund_replenishment", request=request, data={"vote_rule": "three_quarters"})
    tally = {**VOTE, "participating_owners": 80, "approving_owners": 60}
    tally["participating_area"], tally["approving_area"] = "8300.00", "6225.00"
    assert step("owners_vote", tally, ctx)["vote_passed"] is True
    assert step("owners_vote", {**tally, "approving_area": "6224.99"}, ctx)["vote_passed"] is False


def test_the_collection_stays_within_the_decided_total() -> None:
    ctx = make_ctx("fund_replenishment", request=file("fund_replenishment"))
    collected = {
        "collected_amount": "370370.10",
        "owners_paid": 120,
        "collected_on": "2025-06-05",
        "account": "本小区住宅专项维修资金专户",
        "evidence": [{"name": "入账凭证.pdf", "sha256": SHA}],
    }
    assert step("fund_collection", collected, ctx)["collected_amount"] == "370370.10"
    over = {**collected, "collected_amount": "370370.11", "owners_paid": 121}
    messages = step_errors("fund_collection", over, ctx)
    assert set(messages) == {"collected_amount", "owners_paid"}
    assert "= 370370.10 元" in messages["collected_amount"][0]
    # half a fen rounds up: 0.05 元/㎡ over 0.10 ㎡ owes 0.005 元, collected as 0.01 元
    tiny = file("fund_replenishment", affected_area="0.10", standard_per_sqm="0.05")
    tiny_ctx = make_ctx("fund_replenishment", request=tiny)
    cent = {**collected, "collected_amount": "0.01", "owners_paid": 1}
    assert step("fund_collection", cent, tiny_ctx)["collected_amount"] == "0.01"
    assert "collected_amount" in step_errors(
        "fund_collection", {**cent, "collected_amount": "0.02"}, tiny_ctx
    )
    assert "evidence" in step_errors("fund_collection", {**collected, "evidence": []}, ctx)


# ---------------------------------------------------------------- A. the first meeting's statutes

STATUTES = {
    "covenant_participating_area": "8230.45",
    "covenant_participating_owners": 80,
    "covenant_approving_area": "4115.23",
    "covenant_approving_owners": 41,
    "rules_participating_area": "8230.45",
    "rules_participating_owners": 80,
    "rules_approving_area": "4115.23",
    "rules_approving_owners": 41,
}


def _statutes_ctx() -> StepContext:
    """After the election vote of ``VOTE`` (12345.67 ㎡, 120 owners)."""
    election = step(
        "owners_vote", VOTE, make_ctx("assembly_formation", data={"vote_rule": "double_majority"})
    )
    return make_ctx("assembly_formation", data={"vote_rule": "double_majority", **election})


def test_the_covenant_and_the_rules_each_pass_with_their_own_tally() -> None:
    cleaned = step("statutes_adoption", STATUTES, _statutes_ctx())
    assert cleaned["vote_passed"] is True
    outcome = cleaned["statutes_outcome"]
    assert (outcome["covenant"]["item"], outcome["rules"]["item"]) == ("二", "一")
    assert outcome["covenant"]["rule"] == outcome["rules"]["rule"] == "double_majority"


@pytest.mark.parametrize(
    ("changes", "failed"),
    [
        ({"covenant_approving_owners": 40}, "covenant"),  # exactly half is not 过半数
        ({"rules_approving_area": "4115.22"}, "rules"),
        ({"rules_participating_owners": 79}, "rules"),  # under 2/3 of 120
    ],
)
def test_either_statute_failing_fails_the_meeting(changes: dict[str, Any], failed: str) -> None:
    cleaned = step("statutes_adoption", {**STATUTES, **changes}, _statutes_ctx())
    assert cleaned["vote_passed"] is False
    outcome = cleaned["statutes_outcome"]
    assert not outcome[failed]["passed"] and outcome[failed]["reasons"]
    assert all(o["passed"] for k, o in outcome.items() if k != failed)


def test_the_statutes_are_counted_over_the_election_s_bases() -> None:
    wrong = {**STATUTES, "covenant_participating_area": "12345.68", "rules_approving_owners": 81}
    messages = step_errors("statutes_adoption", wrong, _statutes_ctx())
    assert set(messages) == {"covenant_participating_area", "rules_approving_owners"}
    assert "12345.67" in messages["covenant_participating_area"][0]
    no_election = make_ctx("assembly_formation", data={"vote_rule": "double_majority"})
    assert "_schema" in step_errors("statutes_adoption", STATUTES, no_election)
