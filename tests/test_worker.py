"""The worker: reminders once, escalations once, duties on schedule, several workers, a kill.

Runs on SQLite and PostgreSQL; the race between two workers runs on PostgreSQL only,
where several workers are supported (SQLite has one writer: run one worker there).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from duty_support import (
    EVIDENCE,
    at,
    complete,
    duties_of,
    events,
    file_firm_entry,
    file_parking_allocation,
    notices,
    open_task,
)
from sqlalchemy import func, select, update

from service.cases.case_service import CaseService
from service.core.models import (
    Case,
    CaseEvent,
    DutyFiling,
    HumanTask,
    Notification,
    SettingOverride,
    User,
)
from service.duties.schedule import DutyService
from service.history.replay import verify_all
from service.notices.mail import MailSettings
from service.notices.notifications import mark_all_read, mark_read, notifications_for, unread_count
from service.worker import Worker

REPO = Path(__file__).resolve().parent.parent
FILED = at(2026, 3, 2, 9)  # acceptance due at the end of Thursday 5 March
DUE = at(2026, 3, 6)


def _worker(service: CaseService, **kwargs) -> Worker:
    return Worker(duties_of(service), interval=0.01, **kwargs)


def _fired(service: CaseService) -> Counter:
    """How often each (case, timer) fired, over the whole database."""
    with service.sessions() as session:
        rows = session.scalars(select(CaseEvent).where(CaseEvent.kind == "timers_fired"))
        return Counter((e.case_id, t) for e in rows for t in e.data["timers"])


def test_reminder_goes_out_once_a_day_before_the_deadline(service: CaseService, clock) -> None:
    case_id = file_firm_entry(service)
    worker = _worker(service)
    clock.set(DUE - timedelta(hours=24) - timedelta(microseconds=1))
    assert worker.run_once().reminders == 0
    clock.set(DUE - timedelta(hours=24))
    assert worker.run_once().reminders == 1
    assert worker.run_once().reminders == 0
    [reminder] = notices(service, "secretary", "reminder")
    assert "受理审查" in reminder.title and reminder.task_id is not None
    assert notices(service, "member", "reminder") == [], "the lane is the secretary's alone"
    [event] = events(service, case_id, "reminder_sent")
    assert event.task_bpmn_id == "acceptance_check"
    assert event.data["recipients"] == [reminder.user_id]
    assert open_task(service, case_id, "acceptance_check").reminded_at == clock.now()


def test_reminder_follows_the_configured_hours(service: CaseService, clock) -> None:
    with service.transaction() as session:
        session.add(SettingOverride(key="reminder_before_hours", value=2))
    file_firm_entry(service)
    clock.set(DUE - timedelta(hours=3))
    assert _worker(service).run_once().reminders == 0
    clock.set(DUE - timedelta(hours=2))
    assert _worker(service).run_once().reminders == 1


def test_overdue_step_escalates_once_with_notices_and_history(service: CaseService, clock) -> None:
    case_id = file_firm_entry(service)
    clock.set(DUE)
    worker = _worker(service)
    assert worker.run_once().timers == 1
    assert worker.run_once().timers == 0
    kinds = [e.kind for e in events(service, case_id)]
    assert kinds == ["case_filed", "timers_fired", "escalated"]
    [escalation] = notices(service, "street", "escalation")
    assert escalation.case_id == case_id and f"/cases/{case_id}" in escalation.body
    assert notices(service, "street2") == [], "another street's cases are not theirs"
    assert len(notices(service, "secretary", "overdue")) == 1

    # The street's supervision is the escalation's outcome, recorded like any step.
    complete(
        service, "street", case_id, "supervise_acceptance_check", {"supervision_note": "已督促"}
    )
    assert events(service, case_id)[-1].task_bpmn_id == "supervise_acceptance_check"
    with service.sessions() as session:
        assert all(v.ok for v in verify_all(session))


def test_notifications_are_read_one_by_one_or_all_at_once(service: CaseService, clock) -> None:
    file_parking_allocation(service)
    file_parking_allocation(service)
    clock.set(DUE)
    _worker(service).run_once()
    with service.transaction() as session:
        street = session.scalar(select(User).where(User.username == "street"))
        first, second = notifications_for(session, street.id)
        assert unread_count(session, street.id) == 2
        mark_read(session, street.id, first.id, clock.now())
        assert [n.id for n in notifications_for(session, street.id, unread_only=True)] == [
            second.id
        ]
        assert mark_all_read(session, street.id, clock.now()) == 1
        assert unread_count(session, street.id) == 0


# --------------------------------------------------------------------------- duties


def test_quarterly_reports_and_year_end_reviews_are_filed_on_schedule(
    service: CaseService, clock
) -> None:
    worker = _worker(service)
    assert worker.run_once().duties_filed == 0, "2025 Q4 is past its due day on 2 March"
    clock.set(at(2026, 4, 1, 0, 5))
    assert worker.run_once().duties_filed == 5
    assert worker.run_once().duties_filed == 0
    clock.set(at(2026, 4, 15, 18))
    assert worker.run_once().duties_filed == 0, "one report per body and quarter"
    clock.set(at(2026, 12, 1, 8))
    assert worker.run_once().duties_filed == 5  # the year-end reviews of 2026
    clock.set(at(2027, 1, 4, 8))
    assert worker.run_once().duties_filed == 5  # Q4 reports; the reviews exist already
    with service.sessions() as session:
        filings = Counter(
            (duty, period)
            for duty, period in session.execute(select(DutyFiling.duty, DutyFiling.period))
        )
        assert filings == {
            ("quarterly_report", "2026Q1"): 5,
            ("year_end_review", "2026"): 5,
            ("quarterly_report", "2026Q4"): 5,
        }
        case = session.scalar(
            select(Case).where(Case.matter_type == "quarterly_report").order_by(Case.id)
        )
        assert case.title == "幸福家园小区业主委员会2026年第一季度工作报告"
        assert case.filed_by is None
        task = session.scalar(select(HumanTask).where(HumanTask.case_id == case.id))
        assert (task.bpmn_id, task.role, task.due_at) == (
            "quarterly_submission",
            "applicant",
            at(2026, 4, 16),
        )
        assert all(v.ok for v in verify_all(session))


def test_a_quarterly_report_is_worked_to_its_end(service: CaseService, clock) -> None:
    clock.set(at(2026, 4, 1, 9))
    duties_of(service).file_scheduled_duties()
    with service.sessions() as session:
        case_id = session.scalar(
            select(Case.id).where(Case.matter_type == "quarterly_report").order_by(Case.id)
        )
    complete(service, "committee", case_id, "quarterly_submission", {"work_summary": "正常"})
    complete(
        service,
        "secretary",
        case_id,
        "quarterly_review",
        {"report_review_result": "more", "review_opinion": "请补充维修资金收支"},
    )
    complete(service, "committee", case_id, "quarterly_supplement", {"supplement": "已补充"})
    complete(
        service, "secretary", case_id, "quarterly_review", {"report_review_result": "acknowledged"}
    )
    with service.sessions() as session:
        assert session.get(Case, case_id).status == "closed"
        assert all(v.ok for v in verify_all(session))


# --------------------------------------------------------------------------- e-mail


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address.startswith("refused"):
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A local SMTP server (aiosmtpd) on a free port, keeping what it receives."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_notifications_are_mailed_once_over_smtp(service: CaseService, clock, smtp_server) -> None:
    inbox, port = smtp_server
    with service.transaction() as session:
        session.execute(
            update(User).where(User.username == "street").values(email="street@example.org")
        )
    case_id = file_firm_entry(service)
    clock.set(DUE)
    mail = MailSettings(host="127.0.0.1", port=port, sender="pa@example.org", base_url="https://pa")
    worker = _worker(service, mail=mail)
    assert worker.run_once().emails == 1, "only the street user has an address"
    assert worker.run_once().emails == 0
    [(recipients, content)] = inbox.messages
    assert recipients == ["street@example.org"]
    message = message_from_bytes(content)
    assert str(make_header(decode_header(message["Subject"]))) == "督办：“受理审查”已超期"
    body = message.get_payload(decode=True).decode("utf-8")
    assert f"https://pa/cases/{case_id}" in body
    assert notices(service, "street")[0].emailed_at == clock.now()


def test_a_refused_address_is_tried_a_few_times_then_left(
    service: CaseService, clock, smtp_server
) -> None:
    inbox, port = smtp_server
    with service.transaction() as session:
        session.execute(
            update(User).where(User.username == "secretary").values(email="refused@example.org")
        )
    file_firm_entry(service)
    clock.set(DUE)
    worker = _worker(service, mail=MailSettings(host="127.0.0.1", port=port))
    for _ in range(4):
        assert worker.run_once().emails == 0
    [notice] = notices(service, "secretary", "overdue")
    assert (notice.emailed_at, notice.email_attempts) == (None, 3)
    assert "550" in notice.email_error
    assert inbox.messages == []


def test_mail_waits_while_the_server_is_down(service: CaseService, clock) -> None:
    with service.transaction() as session:
        session.execute(update(User).where(User.username == "street").values(email="s@example.org"))
    file_firm_entry(service)
    clock.set(DUE)
    report = _worker(service, mail=MailSettings(host="127.0.0.1", port=1)).run_once()
    assert (report.timers, report.emails) == (1, 0)
    [notice] = notices(service, "street")
    assert notice.emailed_at is None and notice.email_attempts == 0


# --------------------------------------------------------------------------- concurrency


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_racing_fire_each_timer_once(service: CaseService, clock) -> None:
    """Several workers are supported on PostgreSQL only; SQLite runs one."""
    case_ids = [file_parking_allocation(service) for _ in range(8)]
    clock.set(at(2026, 4, 1, 9))  # the acceptance deadlines have passed; Q1 reports are due
    start = threading.Barrier(2)
    reports = []

    def work() -> None:
        worker = Worker(DutyService(service.sessions, clock), batch=100)
        start.wait()
        reports.append(worker.run_once())

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(r.timers for r in reports) == len(case_ids)
    assert sum(r.duties_filed for r in reports) == 5
    assert sum(r.failures for r in reports) == 0
    assert set(_fired(service).values()) == {1}
    with service.sessions() as session:
        escalations = Counter(
            session.scalars(select(CaseEvent.case_id).where(CaseEvent.kind == "escalated"))
        )
        assert escalations == dict.fromkeys(case_ids, 1)
        duplicate_notices = session.scalar(
            select(func.count()).select_from(
                select(Notification.user_id, Notification.task_id, Notification.kind)
                .group_by(Notification.user_id, Notification.task_id, Notification.kind)
                .having(func.count() > 1)
                .subquery()
            )
        )
        assert duplicate_notices == 0
        assert session.scalar(select(func.count()).select_from(DutyFiling)) == 5
        assert all(v.ok for v in verify_all(session))


def _worker_process(database_url: str, now: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service.cli.main",
            "--database",
            database_url,
            "--now",
            now,
            "worker",
            *args,
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_a_killed_worker_leaves_no_case_half_advanced(
    service: CaseService, clock, database_url: str
) -> None:
    case_ids = [file_parking_allocation(service) for _ in range(20)]
    now = DUE.isoformat()
    process = _worker_process(database_url, now, "--interval", "0.05")
    deadline = time.monotonic() + 60
    while not _fired(service) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    fired_before = len(_fired(service))
    assert 1 <= fired_before < len(case_ids), process.stderr.read()[-2000:]

    again = _worker_process(database_url, now, "--once")
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert _fired(service) == {(c, "overdue_acceptance_check"): 1 for c in case_ids}
    with service.sessions() as session:
        results = verify_all(session)
        assert [r.case_id for r in results if not r.ok] == []
        escalated = Counter(
            session.scalars(select(CaseEvent.case_id).where(CaseEvent.kind == "escalated"))
        )
        assert escalated == dict.fromkeys(case_ids, 1)
        supervisions = Counter(
            session.scalars(
                select(HumanTask.case_id).where(HumanTask.bpmn_id == "supervise_acceptance_check")
            )
        )
        assert supervisions == dict.fromkeys(case_ids, 1)


def test_sigterm_stops_the_worker_after_the_work_at_hand(database_url: str, service) -> None:
    process = _worker_process(database_url, FILED.isoformat(), "--interval", "60")
    deadline = time.monotonic() + 60
    started = False
    while not started and time.monotonic() < deadline:
        line = process.stdout.readline()
        started = "worker started" in line
    assert started
    process.send_signal(signal.SIGTERM)
    out, _err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "worker stopped" in out


def test_a_failing_case_does_not_hold_up_the_others(service: CaseService, clock) -> None:
    broken, healthy = file_parking_allocation(service), file_parking_allocation(service)
    with service.transaction() as session:
        session.get(Case, broken).process_id = "no_such_process"
    clock.set(DUE)
    report = _worker(service).run_once()
    assert (report.timers, report.failures) == (1, 1)
    assert open_task(service, healthy, "supervise_acceptance_check") is not None
    assert open_task(service, broken, "supervise_acceptance_check") is None


def test_duty_cases_replay_after_rectification(service: CaseService, clock) -> None:
    """A year-end review with rectification, worked through, verifies like any case."""
    clock.set(at(2026, 12, 1, 9))
    duties_of(service).file_scheduled_duties()
    with service.sessions() as session:
        case_id = session.scalar(
            select(Case.id).where(Case.matter_type == "year_end_review").order_by(Case.id)
        )
    complete(service, "committee", case_id, "annual_report", {"work_summary": "全年履职情况"})
    complete(
        service,
        "secretary",
        case_id,
        "annual_evaluation",
        {
            "evaluation": "unsatisfied",
            "evaluation_opinion": "账目公开不及时",
            "rectification_items": [{"item": "按季度公开账目", "due_on": "2026-12-31"}],
        },
    )
    task = open_task(service, case_id, "rectification_progress")
    assert task.due_at == at(2027, 1, 1)
    clock.set(at(2027, 1, 1))
    assert _worker(service).run_once().timers >= 1
    assert open_task(service, case_id, "supervise_rectification_progress") is not None
    complete(
        service,
        "committee",
        case_id,
        "rectification_progress",
        {"completed_items": [1], "progress_note": "已公开", "evidence": EVIDENCE},
    )
    complete(
        service,
        "secretary",
        case_id,
        "rectification_check",
        {"confirmed_items": [1], "check_opinion": "已整改"},
    )
    # The street's 督办 closed itself when the late progress report came in.
    assert open_task(service, case_id, "supervise_rectification_progress") is None
    with service.sessions() as session:
        assert session.get(Case, case_id).status == "closed"
        assert all(v.ok for v in verify_all(session))
