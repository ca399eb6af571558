"""One open case per exclusive matter (issue 27): forming the owners' assembly, electing or
renewing the committee and a firm's entry once per estate, a firm's exit once per estate
and firm; a second filing is refused 409 naming and linking the open one, on the API and
the filing page, and the database keeps two concurrent filings from both landing."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from api_support import Client, assert_problem, make_app, token_for
from sqlalchemy import func, select
from web_support import Client as PageClient

from service.app import create_app
from service.cases import exclusive
from service.cases.case_service import CaseService
from service.core.errors import InvalidInput, OpenCaseExists
from service.core.models import Case, CaseEvent
from service.demo.cases import complete_step, drive, filing_payload


def _api(service: CaseService, tmp_path: Path, username: str) -> Client:
    return Client(make_app(service, tmp_path).test_client(), token_for(service, username))


def _rows(service: CaseService) -> tuple[int, int]:
    """How many cases and history entries there are: a refused filing adds neither."""
    with service.sessions() as session:
        cases = session.scalar(select(func.count()).select_from(Case))
        events = session.scalar(select(func.count()).select_from(CaseEvent))
    return cases, events


def _file(service: CaseService, username: str, payload: dict[str, Any]) -> int:
    with service.sessions() as session:
        actor = service.actor(session, username)
    return service.file_case(actor, payload)


def _filing(matter_type: str, service: CaseService, sub_type: str | None = None) -> dict:
    return filing_payload(matter_type, service.clock.now(), sub_type)


def test_a_second_firm_entry_is_refused_naming_and_linking_the_open_one(
    service: CaseService, tmp_path: Path
) -> None:
    """The example of issue 27, over HTTP: the firm files while the committee's entry is open."""
    open_id = drive(service, "firm_entry", stop_before="acceptance_check")
    before = _rows(service)
    firm = _api(service, tmp_path, "firm")
    payload = _filing("firm_entry", service)
    for name in ("committee_members_total", "committee_members_present", "attachments"):
        payload["request"].pop(name)
    payload["request"].pop("committee_members_agreeing")
    body = assert_problem(firm.post("/cases", payload), 409)
    assert body["open_case"] == {
        "id": open_id,
        "title": "关于物业服务企业进驻的请示",
        "url": f"/cases/{open_id}",
        "api_url": f"/api/v1/cases/{open_id}",
    }
    assert body["detail"] == (
        f"本小区已有一件“物业服务企业进驻”案件正在办理：案件编号 {open_id}"
        "《关于物业服务企业进驻的请示》（幸福家园小区业主委员会提出）。"
        "同一时间只能办理一件，请在该案件办结或终止后再提出请示。"
        f"查看该案件：/cases/{open_id}"
    )
    assert _rows(service) == before


@pytest.mark.parametrize(
    ("matter_type", "first", "second"),
    [
        ("committee_election", "change_of_term", "by_election"),
        ("assembly_formation", None, None),
    ],
)
def test_an_estate_has_one_election_and_one_assembly_formation_open(
    service: CaseService, matter_type: str, first: str | None, second: str | None
) -> None:
    """A change of term open, a by-election is refused too: one election at a time."""
    open_id = drive(service, matter_type, sub_type=first, stop_before="acceptance_check")
    username = "prep" if matter_type == "assembly_formation" else "committee"
    with pytest.raises(OpenCaseExists) as refused:
        _file(service, username, _filing(matter_type, service, second))
    assert refused.value.case_id == open_id
    assert f"案件编号 {open_id}" in refused.value.message


@pytest.mark.parametrize("path", ["reject", "close"])
def test_an_ended_case_frees_its_matter(service: CaseService, path: str) -> None:
    """Refused or closed, the case no longer holds the estate's firm entry."""
    ended = drive(service, "firm_entry", path=path)
    with service.sessions() as session:
        assert session.get(Case, ended).exclusive_key is None
    again = _file(service, "committee", _filing("firm_entry", service))
    with service.sessions() as session:
        assert session.get(Case, again).exclusive_key.startswith("firm_entry:")


def test_a_firm_exit_is_exclusive_per_firm(service: CaseService) -> None:
    """Another firm's exit may run beside it; the same firm, however spaced, may not."""
    open_id = drive(service, "firm_exit", stop_before="acceptance_check")
    other = _filing("firm_exit", service)
    other["request"]["firm_name"] = "宜居物业服务有限公司"
    _file(service, "committee", other)
    same = _filing("firm_exit", service)
    same["request"]["firm_name"] = " 安居物业 服务有限公司"
    with pytest.raises(OpenCaseExists) as refused:
        _file(service, "committee", same)
    assert refused.value.case_id == open_id
    assert "本小区（退出的物业服务企业名称：安居物业 服务有限公司）" in refused.value.message


def test_a_firm_exit_keeps_the_firm_it_names(service: CaseService) -> None:
    """A return for additions cannot move the exit to another firm, so the key holds."""
    case_id = drive(service, "firm_exit", path="return_once", stop_before="supplement")
    change = {"supplement_note": "更正", "updated_fields": {"firm_name": "宜居物业服务有限公司"}}
    with pytest.raises(InvalidInput) as refused:
        complete_step(service, case_id, "supplement", change)
    assert refused.value.messages["updated_fields.firm_name"] == [
        "受理后不能变更“退出的物业服务企业名称”，如需变更请撤回后重新申请。"
    ]


def test_other_matters_may_be_open_several_times(service: CaseService) -> None:
    for _ in range(2):
        case_id = _file(service, "committee", _filing("parking_allocation", service))
        with service.sessions() as session:
            assert session.get(Case, case_id).exclusive_key is None


def test_the_filing_page_shows_the_open_case_with_a_link(
    service: CaseService, tmp_path: Path
) -> None:
    open_id = drive(service, "firm_entry", stop_before="acceptance_check")
    app = create_app({"TESTING": True, "ATTACHMENT_DIR": str(tmp_path / "files")}, service=service)
    committee = PageClient(app, "committee")
    request = _filing("firm_entry", service)["request"]
    request.pop("attachments")
    form = {name: str(value) for name, value in request.items()}
    page = committee.post("/filing/firm_entry", {**form, "org": "1"}, status=409).text
    assert 'id="open-case"' in page
    assert "该事项已有案件正在办理" in page
    link = f'<a href="/cases/{open_id}">查看案件 {open_id}《关于物业服务企业进驻的请示》</a>'
    assert link in page
    assert _rows(service)[0] == 1


def test_a_filing_that_lost_the_race_is_refused_naming_the_winner(
    service: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both filings pass the check before either is in; the unique key lets one land and
    the other is answered 409 with the case that won, nothing of it written."""
    barrier = threading.Barrier(2, timeout=30)
    checked = exclusive.refuse_if_open

    def check_then_wait(*args: Any) -> None:
        checked(*args)
        barrier.wait()

    monkeypatch.setattr(exclusive, "refuse_if_open", check_then_wait)
    outcomes: list[Any] = []

    def filing() -> None:
        try:
            outcomes.append(_file(service, "committee", _filing("firm_entry", service)))
        except Exception as error:  # the test reads it below
            outcomes.append(error)

    threads = [threading.Thread(target=filing) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    [won] = [o for o in outcomes if isinstance(o, int)]
    [lost] = [o for o in outcomes if not isinstance(o, int)]
    assert isinstance(lost, OpenCaseExists), repr(lost)
    assert lost.case_id == won
    assert _rows(service)[0] == 1
