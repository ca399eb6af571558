"""A whole case driven only over HTTP, the problem details of each error status, and
cursor pagination that stays stable while rows are added."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_support import (
    ACCEPT,
    COMPLIANT,
    HANDOVER,
    PDF,
    REPLY,
    STUDY,
    Client,
    advance,
    assert_problem,
    firm_exit_filing,
    make_app,
    report,
    token_for,
)
from sqlalchemy import select

from service.admin import log as admin_log
from service.admin.settings import clear_setting, set_setting
from service.cases.case_service import CaseService
from service.core.models import AdminEvent
from service.demo.district import DEMO_PASSWORD


@pytest.fixture
def app(service: CaseService, tmp_path: Path):
    return make_app(service, tmp_path / "attachments")


def sign_in(app, username: str) -> Client:
    """Sign in with the password, as a program would, and keep the token."""
    anonymous = Client(app.test_client(), None)
    response = anonymous.post(
        "/auth/token", {"username": username, "password": DEMO_PASSWORD, "name": "flow"}
    )
    assert response.status_code == 201, response.get_json()
    return Client(app.test_client(), response.get_json()["token"])


def only_task(client: Client, **query) -> dict:
    response = client.get("/tasks", query_string=query)
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert len(items) == 1, items
    return items[0]


def complete(client: Client, task: dict, data: dict, revision: int) -> dict:
    response = client.post(
        f"/tasks/{task['id']}/complete", {"data": data}, headers={"If-Match": f'"{revision}"'}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert response.headers["ETag"] == f'"{body["revision"]}"'
    return body


def test_a_case_from_request_to_closure_over_http_then_verified(app) -> None:
    committee = sign_in(app, "committee")
    secretary = sign_in(app, "secretary")

    matter = committee.get("/matters/firm_exit").get_json()
    assert {f["name"] for f in matter["filing_form"]} >= {"initiator", "attachments"}
    assert "handover_checklist" in matter["steps"]

    plan = committee.upload(PDF, "交接方案.pdf").get_json()
    filed = committee.post(
        "/cases", firm_exit_filing(attachments=[{"name": plan["name"], "sha256": plan["sha256"]}])
    )
    assert filed.status_code == 201, filed.get_json()
    case = filed.get_json()
    assert filed.headers["Location"].endswith(f"/api/v1/cases/{case['id']}")
    assert case["status"] == "running" and case["request"]["attachments"][0]["sha256"]
    assert [t["bpmn_id"] for t in case["open_tasks"]] == ["acceptance_check"]

    # The secretary accepts, records the collective study and issues the reply.
    task = only_task(secretary)
    assert task["bpmn_id"] == "acceptance_check" and task["due_at"]
    claimed = secretary.post(f"/tasks/{task['id']}/claim").get_json()
    assert claimed["assignee"]["username"] == "secretary"
    case = complete(secretary, task, ACCEPT, case["revision"])
    case = complete(secretary, only_task(secretary), STUDY, case["revision"])
    case = complete(secretary, only_task(secretary), REPLY, case["revision"])
    reply = case["reply"]
    assert reply["decision"] == "agree_with_conditions"
    assert reply["document_number"] == "幸福社区党委批〔2026〕1号"
    assert reply["conditions"] == "交接期间不得中断服务"
    page = committee.get(f"/cases/{case['id']}/reply")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "幸福社区党委批〔2026〕1号" in html and "@media print" in html
    assert "幸福家园小区业主委员会" in html and "2026年3月2日" in html

    # The committee hands over and reports, with evidence; the secretary closes.
    case = complete(committee, only_task(committee), HANDOVER, case["revision"])
    evidence = committee.upload(PDF + b"%evidence", "交接清单.pdf").get_json()
    case = complete(committee, only_task(committee), report(evidence["sha256"]), case["revision"])
    case = complete(secretary, only_task(secretary), COMPLIANT, case["revision"])
    assert case["status"] == "closed" and case["outcome"] == "case_closed"
    assert case["open_tasks"] == []

    # The auditor of the street verifies and replays it.
    auditor = sign_in(app, "auditor_s1")
    verification = auditor.get(f"/cases/{case['id']}/verification").get_json()
    assert verification["ok"] and verification["chain_intact"] and verification["replay_ok"]
    events = auditor.get(f"/cases/{case['id']}/events", query_string={"limit": 100}).get_json()
    kinds = [e["kind"] for e in events["items"]]
    assert kinds[0] == "case_filed" and "task_claimed" in kinds
    assert kinds.count("task_completed") == 6 and events["next_cursor"] is None
    study_seq = next(e["seq"] for e in events["items"] if e["task_bpmn_id"] == "collective_study")
    then = auditor.get(f"/cases/{case['id']}/replay", query_string={"upto": study_seq})
    state = then.get_json()
    assert then.status_code == 200 and state["matches_record"]
    assert [t["bpmn_id"] for t in state["open_tasks"]] == ["written_reply"]
    assert state["status"] == "running" and state["data"]["study_passed"] is True
    download = auditor.get(f"/cases/{case['id']}/attachments/{evidence['sha256']}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")


def test_claims_comments_and_changes_are_in_the_history(app, service) -> None:
    committee = Client(app.test_client(), token_for(service, "committee"))
    secretary = Client(app.test_client(), token_for(service, "secretary"))
    member = Client(app.test_client(), token_for(service, "member"))
    case = committee.post("/cases", firm_exit_filing()).get_json()
    advance(service, case["id"], [("secretary", ACCEPT)])
    study = only_task(secretary)
    assert study["bpmn_id"] == "collective_study"

    assigned = secretary.post(f"/tasks/{study['id']}/assign", {"assignee": "member"})
    assert assigned.get_json()["assignee"]["username"] == "member"
    assert only_task(member, assignee="me")["id"] == study["id"]
    assert secretary.get("/tasks").get_json()["items"] == []  # someone else's now
    changed = member.call(
        "PATCH",
        f"/tasks/{study['id']}",
        json={"priority": 80, "follow_up_at": "2026-03-04T09:00:00+08:00"},
    )
    assert changed.status_code == 200 and changed.get_json()["priority"] == 80
    commented = member.post(
        f"/cases/{case['id']}/comments", {"body": "会议定于周三召开", "task_id": study["id"]}
    )
    assert commented.status_code == 201
    comments = committee.get(f"/cases/{case['id']}/comments").get_json()["items"]
    assert [c["body"] for c in comments] == ["会议定于周三召开"]

    history = member.get(f"/tasks/{study['id']}/history").get_json()
    assert [e["kind"] for e in history] == ["task_assigned", "task_updated", "comment_added"]
    assert history[1]["data"]["changes"]["priority"] == {"from": 50, "to": 80}
    verification = committee.get(f"/cases/{case['id']}/verification").get_json()
    assert verification["ok"], verification


# -- problem details ---------------------------------------------------------------------


def test_problem_details_for_each_error_status(app, service) -> None:
    anonymous = Client(app.test_client(), None)
    committee = Client(app.test_client(), token_for(service, "committee"))
    secretary = Client(app.test_client(), token_for(service, "secretary"))
    secretary3 = Client(app.test_client(), token_for(service, "secretary3"))

    body = assert_problem(anonymous.get("/cases"), 401)
    assert anonymous.get("/cases").headers["WWW-Authenticate"].startswith("Bearer")
    assert_problem(Client(app.test_client(), "pa_not-a-token").get("/me"), 401)
    wrong = anonymous.post("/auth/token", {"username": "committee", "password": "wrong-pass"})
    assert_problem(wrong, 401)

    invalid = committee.post("/cases", firm_exit_filing(title="", affected_owners="many"))
    body = assert_problem(invalid, 422)
    assert set(body["errors"]) >= {"title", "affected_owners"}
    assert all(
        "\u4e00" <= m[0] <= "\u9fff" or "“" in m for ms in body["errors"].values() for m in ms
    )
    unknown_field = assert_problem(committee.post("/cases", {"matter_type": "x", "hack": 1}), 422)
    assert set(unknown_field["errors"]) == {"matter_type", "estate", "request", "hack"}
    assert unknown_field["errors"]["hack"] == ["不接受此字段。"]
    bad_json = committee.post("/cases", data="{not json", content_type="application/json")
    assert assert_problem(bad_json, 400)["errors"] == {"_schema": ["请求体不是有效的 JSON。"]}
    unreferenced = firm_exit_filing(attachments=[{"name": "x.pdf", "sha256": "b" * 64}])
    body = assert_problem(committee.post("/cases", unreferenced), 422)
    assert set(body["errors"]) == {"attachments.0.sha256"}

    case = committee.post("/cases", firm_exit_filing()).get_json()
    task_id = case["open_tasks"][0]["id"]
    assert_problem(committee.post(f"/tasks/{task_id}/claim"), 403)
    assert_problem(secretary3.get(f"/cases/{case['id']}"), 404)
    assert_problem(secretary3.post(f"/tasks/{task_id}/claim"), 404)
    assert_problem(secretary.get("/cases/999999"), 404)
    assert_problem(secretary.get("/no-such-route"), 404)
    method = secretary.call("PUT", "/cases")
    assert_problem(method, 405)
    assert "GET" in method.headers["Allow"]

    stale = secretary.post(
        f"/tasks/{task_id}/complete", {"data": ACCEPT}, headers={"If-Match": '"7"'}
    )
    assert "已被他人更新" in assert_problem(stale, 409)["detail"]
    assert secretary.post(f"/tasks/{task_id}/complete", {"data": ACCEPT}).status_code == 200
    again = secretary.post(f"/tasks/{task_id}/complete", {"data": ACCEPT})
    assert_problem(again, 409)

    study = secretary.get("/tasks").get_json()["items"][0]
    assert secretary.post(f"/tasks/{study['id']}/claim").status_code == 200
    member = Client(app.test_client(), token_for(service, "member"))
    assert_problem(member.post(f"/tasks/{study['id']}/claim"), 409)

    too_big = committee.upload(PDF + b"0" * (300 * 1024), "big.pdf")
    assert_problem(too_big, 413)
    wrong_type = assert_problem(committee.upload(b"MZ\x90\x00", "tool.exe"), 422)
    assert set(wrong_type["errors"]) == {"file"}
    disguised = assert_problem(committee.upload(b"MZ\x90\x00", "fake.pdf"), 422)
    assert "不符" in disguised["errors"]["file"][0]


def test_a_completion_can_answer_minimally(app, service) -> None:
    """``Prefer: return=minimal`` gives 204 with the new revision and where the case is;
    the case moved exactly as with the full answer, and other preferences are ignored."""
    committee = Client(app.test_client(), token_for(service, "committee"))
    secretary = Client(app.test_client(), token_for(service, "secretary"))
    case = committee.post("/cases", firm_exit_filing()).get_json()
    task_id = case["open_tasks"][0]["id"]

    done = secretary.post(
        f"/tasks/{task_id}/complete",
        {"data": ACCEPT},
        headers={"Prefer": "respond-async, return=minimal", "If-Match": f'"{case["revision"]}"'},
    )
    assert done.status_code == 204, done.get_json()
    assert done.data == b""
    assert done.headers["Preference-Applied"] == "return=minimal"
    assert done.headers["Content-Location"] == f"/api/v1/cases/{case['id']}"
    after = secretary.get(f"/cases/{case['id']}")
    assert done.headers["ETag"] == after.headers["ETag"] == f'"{case["revision"] + 1}"'
    assert [t["bpmn_id"] for t in after.get_json()["open_tasks"]] == ["collective_study"]

    again = secretary.post(
        f"/tasks/{task_id}/complete", {"data": ACCEPT}, headers={"Prefer": "return=minimal"}
    )
    assert_problem(again, 409)
    study = after.get_json()["open_tasks"][0]["id"]
    full = secretary.post(
        f"/tasks/{study}/complete", {"data": {}}, headers={"Prefer": "return=representation"}
    )
    assert_problem(full, 422)


def test_every_problem_type_describes_itself(app) -> None:
    """A problem's ``type`` is a URI reference into the API that anyone can look up."""
    anonymous = Client(app.test_client(), None)
    stale = assert_problem(anonymous.get("/cases"), 401)
    described = app.test_client().get(stale["type"])
    assert described.status_code == 200
    assert described.get_json() == {
        "type": stale["type"],
        "title": stale["title"],
        "status": 401,
        "description": described.get_json()["description"],
    }
    listed = anonymous.get("/problems").get_json()
    assert {p["status"] for p in listed} >= {400, 401, 403, 404, 409, 413, 422, 429, 503}
    for item in listed:
        assert app.test_client().get(item["type"]).get_json() == item
    assert_problem(anonymous.get("/problems/no-such-type"), 404)


def test_tokens_expire_and_can_be_revoked(app, service, clock) -> None:
    anonymous = Client(app.test_client(), None)
    issued = anonymous.post(
        "/auth/token",
        {"username": "auditor", "password": DEMO_PASSWORD, "expires_in_days": 1},
    ).get_json()
    auditor = Client(app.test_client(), issued["token"])
    assert auditor.get("/me").get_json()["grants"][0]["role"] == "auditor"
    listed = auditor.get("/auth/tokens").get_json()
    assert [t["id"] for t in listed] == [issued["id"]] and "token" not in listed[0]
    clock.advance(days=1)
    assert_problem(auditor.get("/me"), 401)

    second = anonymous.post(
        "/auth/token", {"username": "auditor", "password": DEMO_PASSWORD}
    ).get_json()
    auditor = Client(app.test_client(), second["token"])
    other = Client(app.test_client(), token_for(service, "street"))
    assert_problem(other.call("DELETE", f"/auth/tokens/{second['id']}"), 404)
    revoked = auditor.call("DELETE", f"/auth/tokens/{second['id']}")
    assert revoked.get_json()["revoked_at"] is not None
    assert_problem(auditor.get("/me"), 401)


# -- pagination --------------------------------------------------------------------------


def collect(client: Client, path: str, between=None, **query) -> list[int]:
    """Every id of a listing, page by page; ``between`` runs after each page."""
    seen: list[int] = []
    cursor = None
    while True:
        params = {**query, **({"cursor": cursor} if cursor else {})}
        body = client.get(path, query_string=params).get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if between:
            between()
        if cursor is None:
            return seen


def test_cursor_pages_stay_stable_while_cases_and_tasks_are_added(app, service, clock) -> None:
    committee = Client(app.test_client(), token_for(service, "committee"))
    secretary = Client(app.test_client(), token_for(service, "secretary"))
    for _ in range(5):
        clock.advance(minutes=1)
        assert committee.post("/cases", firm_exit_filing()).status_code == 201
    before = collect(secretary, "/cases", limit=2)
    tasks_before = collect(secretary, "/tasks", limit=2, sort="-created")
    assert len(before) == 5 == len(tasks_before)

    def another_filing() -> None:
        clock.advance(minutes=1)
        committee.post("/cases", firm_exit_filing())

    during = collect(secretary, "/cases", between=another_filing, limit=2)
    assert during == before  # newest first: later filings sort before the cursor
    tasks_during = collect(secretary, "/tasks", between=another_filing, limit=2, sort="created")
    assert tasks_during[:5] == sorted(tasks_before)
    assert len(tasks_during) == len(set(tasks_during))

    bad = assert_problem(secretary.get("/tasks", query_string={"cursor": "garbage"}), 422)
    assert set(bad["errors"]) == {"cursor"}
    other_sort = secretary.get("/tasks", query_string={"limit": 1, "sort": "due"}).get_json()
    mixed = secretary.get(
        "/tasks", query_string={"cursor": other_sort["next_cursor"], "sort": "priority"}
    )
    assert_problem(mixed, 422)


def test_case_search_filters(app, service, clock) -> None:
    committee = Client(app.test_client(), token_for(service, "committee"))
    auditor = Client(app.test_client(), token_for(service, "auditor"))
    first = committee.post("/cases", firm_exit_filing(title="关于一号楼的请示")).get_json()
    clock.advance(days=2)
    second = committee.post("/cases", firm_exit_filing(title="关于二号楼的请示")).get_json()

    def ids(**query) -> list[int]:
        response = auditor.get("/cases", query_string=query)
        assert response.status_code == 200, response.get_json()
        return [c["id"] for c in response.get_json()["items"]]

    assert ids() == [second["id"], first["id"]]
    assert ids(q="二号楼") == [second["id"]]
    assert ids(q="%") == []
    assert ids(filed_from="2026-03-03") == [second["id"]]
    assert ids(filed_to="2026-03-02") == [first["id"]]
    assert ids(matter="firm_exit", estate="E01", status="running") == [second["id"], first["id"]]
    assert ids(estate="E04") == [] and ids(matter="fund_normal") == []
    assert_problem(auditor.get("/cases", query_string={"status": "lost"}), 422)


def test_inbox_filters_and_sorting(app, service, clock) -> None:
    committee = Client(app.test_client(), token_for(service, "committee"))
    secretary = Client(app.test_client(), token_for(service, "secretary"))
    first = committee.post("/cases", firm_exit_filing(title="第一件")).get_json()
    clock.advance(days=1)
    second = committee.post("/cases", firm_exit_filing(title="第二件")).get_json()
    one, two = (case["open_tasks"][0]["id"] for case in (first, second))

    def ids(**query) -> list[int]:
        response = secretary.get("/tasks", query_string=query)
        assert response.status_code == 200, response.get_json()
        return [t["id"] for t in response.get_json()["items"]]

    assert ids() == [one, two]  # earliest due first
    assert ids(sort="-due") == [two, one]
    assert secretary.call("PATCH", f"/tasks/{two}", json={"priority": 90}).status_code == 200
    assert ids(sort="-priority") == [two, one]
    assert ids(sort="priority") == [one, two]
    assert ids(sort="-created") == [two, one]
    first_due = secretary.get(f"/tasks/{one}").get_json()["task"]["due_at"]
    assert ids(due_before=first_due) == []
    assert ids(overdue="true") == [] and ids(overdue="false") == [one, two]
    clock.advance(days=5)
    assert ids(overdue="true") == [one, two]
    secretary.post(f"/tasks/{one}/claim")
    assert ids(assignee="me") == [one] and ids(assignee="none") == [two]
    assert ids(unassigned="true") == [two] and ids(unassigned="false") == [one]
    assert ids(assignee="secretary") == [one]
    assert ids(matter="fund_normal") == [] and ids(estate="E02") == []
    assert ids(status="completed") == []
    saved = secretary.post("/filters", {"name": "超期", "query": {"overdue": True}})
    assert saved.status_code == 201 and saved.get_json()["query"] == {"overdue": True}
    assert_problem(secretary.post("/filters", {"name": "超期", "query": {}}), 409)
    assert [f["name"] for f in secretary.get("/filters").get_json()] == ["超期"]


def test_administration_keeps_data_consistent(app, service) -> None:
    admin = Client(app.test_client(), token_for(service, "admin"))
    created = admin.post(
        "/admin/users",
        {"username": "newsec", "display_name": "新书记", "password": "long-enough-1"},
    )
    assert created.status_code == 201
    user_id = created.get_json()["id"]
    at_estate = admin.post(
        f"/admin/users/{user_id}/grants", {"role": "party_secretary", "place": "E01"}
    )
    assert set(assert_problem(at_estate, 422)["errors"]) == {"place"}
    no_org = admin.post(f"/admin/users/{user_id}/grants", {"role": "applicant", "place": "E01"})
    assert set(assert_problem(no_org, 422)["errors"]) == {"organization_id"}
    granted = admin.post(
        f"/admin/users/{user_id}/grants", {"role": "party_secretary", "place": "C02"}
    )
    assert granted.status_code == 201
    assert granted.get_json()["grants"][0]["place"]["code"] == "C02"
    again = admin.post(
        f"/admin/users/{user_id}/grants", {"role": "party_secretary", "place": "C02"}
    )
    assert_problem(again, 409)
    short = admin.call("PATCH", f"/admin/users/{user_id}", json={"password": "short"})
    assert set(assert_problem(short, 422)["errors"]) == {"password"}

    wrong = admin.call("PUT", "/admin/settings/acceptance_working_days", json={"value": "5"})
    assert set(assert_problem(wrong, 422)["errors"]) == {"value"}
    policy = admin.call("PUT", "/admin/settings/party_share_policy", json={"value": "ignore"})
    assert_problem(policy, 422)
    assert_problem(admin.call("PUT", "/admin/settings/no_such", json={"value": 1}), 404)
    changed = admin.call("PUT", "/admin/settings/acceptance_working_days", json={"value": 5})
    assert changed.get_json() == {
        "key": "acceptance_working_days",
        "value": 5,
        "default": 3,
        "overridden": True,
    }
    reset = admin.call("DELETE", "/admin/settings/acceptance_working_days").get_json()
    assert reset["value"] == 3 and not reset["overridden"]

    day = admin.call("PUT", "/admin/calendar/2027-10-09", json={"is_workday": True, "note": "调休"})
    assert day.status_code == 200
    days = admin.get("/admin/calendar", query_string={"from": "2027-10-08", "to": "2027-10-10"})
    assert [(d["day"], d["is_workday"], d["source"]) for d in days.get_json()] == [
        ("2027-10-08", True, "weekday_fallback"),
        ("2027-10-09", True, "override"),
        ("2027-10-10", False, "weekday_fallback"),
    ]
    too_long = admin.get("/admin/calendar", query_string={"from": "2026-01-01", "to": "2027-06-01"})
    assert_problem(too_long, 422)
    place = admin.post("/admin/places", {"kind": "estate", "code": "E09", "name": "新小区"})
    assert set(assert_problem(place, 422)["errors"]) == {"parent"}


def test_administrators_changes_are_logged_chained_and_readable_by_district_auditors(
    app, service
) -> None:
    admin = Client(app.test_client(), token_for(service, "admin"))
    auditor = Client(app.test_client(), token_for(service, "auditor"))

    def newest(n: int, **query) -> list[dict]:
        response = auditor.get("/admin/log", query_string={"limit": n, **query})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["items"]

    latest = newest(1)
    since = latest[0]["seq"] if latest else 0
    created = admin.post(
        "/admin/users", {"username": "logged", "display_name": "甲", "password": "long-enough-1"}
    ).get_json()
    admin.post(f"/admin/users/{created['id']}/grants", {"role": "party_secretary", "place": "C02"})
    admin.call(
        "PATCH", f"/admin/users/{created['id']}", json={"display_name": "乙", "password": "x" * 9}
    )
    admin.call("PUT", "/admin/settings/oversight_working_days", json={"value": 4})
    admin.call("DELETE", "/admin/settings/oversight_working_days")
    refused = admin.call("PUT", "/admin/settings/oversight_working_days", json={"value": 0})
    assert_problem(refused, 422)

    entries = newest(10)
    mine = [e for e in entries if e["seq"] > since]
    assert [e["action"] for e in mine] == [
        "setting_cleared",
        "setting_set",
        "user_updated",
        "grant_added",
        "user_created",
    ]
    assert [e["seq"] for e in mine] == list(range(since + 5, since, -1))
    assert all(e["actor"]["username"] == "admin" for e in mine)
    cleared, changed, updated, granted, new_user = mine
    assert changed["target"] == "setting:oversight_working_days"
    assert (changed["before"], changed["after"]) == (None, {"value": 4})
    assert (cleared["before"], cleared["after"]) == ({"value": 4}, None)
    assert updated["before"]["display_name"] == "甲" and updated["after"]["display_name"] == "乙"
    assert updated["after"]["password"] == "reset"
    assert "long-enough-1" not in str(entries) and "x" * 9 not in str(entries)
    assert granted["after"] == {"role": "party_secretary", "place": "C02", "organization_id": None}
    assert new_user["action_name"] == "新建用户" and new_user["target"] == "user:logged"
    assert mine[1]["prev_hash"] == mine[2]["hash"]
    assert {e["action"] for e in newest(5, action="user_created")} == {"user_created"}
    assert_problem(auditor.get("/admin/log", query_string={"action": "deleted"}), 422)

    verification = auditor.get("/admin/log/verification").get_json()
    assert verification["ok"] and verification["entries"] >= since + 5
    assert verification["first_bad_seq"] is None
    street_auditor = Client(app.test_client(), token_for(service, "auditor_s1"))
    assert_problem(street_auditor.get("/admin/log"), 403)


def test_an_altered_administration_entry_is_named(service) -> None:
    with service.sessions() as session:
        actor = service.actor(session, "admin")
    set_setting(service, actor, "acceptance_working_days", 4)
    clear_setting(service, actor, "acceptance_working_days")
    with service.sessions() as session:
        entries = list(session.scalars(select(AdminEvent).order_by(AdminEvent.seq)))
        assert admin_log.verify_chain(entries).intact
        entries[-2].data = {"before": None, "after": {"value": 40}}
        broken = admin_log.verify_chain(entries)
        assert (broken.intact, broken.first_bad_seq) == (False, entries[-2].seq)
        removed = entries.pop(-2).seq
        assert admin_log.verify_chain(entries).first_bad_seq == removed
        session.rollback()


def test_the_openapi_document_is_complete(app) -> None:
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    problem = spec["components"]["responses"]["NOT_FOUND"]["content"]
    assert list(problem) == ["application/problem+json"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation["summary"], (method, path)
            public = operation.get("security") == []
            assert public or "401" in operation["responses"], (method, path)
            assert "default" in operation["responses"], (method, path)
    assert client.get("/api/v1/docs").status_code == 200


def test_the_browsable_docs_load_their_assets_locally(app) -> None:
    client = app.test_client()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in page.get_data(as_text=True)
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        response = client.get(f"/api/v1/docs/assets/{asset}")
        assert response.status_code == 200, asset
        assert len(response.get_data()) > 10_000
