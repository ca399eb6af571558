"""The background worker: due timers, reminders, escalation of a missed new deadline of the
street's, scheduled duties, e-mail and webhooks.

Each piece of work is one case (or one mail) in its own transaction with its row locked
(FOR UPDATE SKIP LOCKED on PostgreSQL), so several workers can share a PostgreSQL
database, and a worker killed at any point leaves every case before or after a step,
never in between; the next pass picks up what is left. Work done is marked — a fired timer
no longer waits, a reminded task has ``reminded_at``, a filed duty its ``duty_filings``
row — so running a pass twice never acts twice. On SQLite, which has one writer at a
time, run a single worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

from service.cases.reminders import escalate_missed_deadlines, send_due_reminders
from service.duties.schedule import DutyService
from service.notices.mail import MailSettings, deliver_pending
from service.notices.webhooks import deliver_due
from workflows.engine import patches

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassReport:
    """What one pass did; ``busy`` when a batch was full and more may be waiting."""

    timers: int = 0
    reminders: int = 0
    escalations: int = 0
    duties_filed: int = 0
    emails: int = 0
    webhooks: int = 0
    failures: int = 0
    busy: bool = False

    def __str__(self) -> str:
        return (
            f"{self.timers} case(s) advanced by timers, {self.reminders} reminder(s), "
            f"{self.escalations} missed new deadline(s) escalated, "
            f"{self.duties_filed} duty case(s) filed, {self.emails} e-mail(s), "
            f"{self.webhooks} webhook(s), "
            f"{self.failures} failure(s)"
        )


class Worker:
    """Runs passes until told to stop; each pass does every kind of due work once."""

    def __init__(
        self,
        service: DutyService,
        *,
        mail: MailSettings | None = None,
        batch: int = 100,
        interval: float = 30.0,
    ) -> None:
        patches.install()
        self.service = service
        self.mail = mail
        self.batch = batch
        self.interval = interval

    def run(self, stop: threading.Event) -> None:
        """Pass after pass until ``stop`` is set; a full batch goes round again at once."""
        while not stop.is_set():
            try:
                report = self.run_once(stop)
            except OperationalError as exc:  # the database is down or restarting: wait, retry
                log.warning("database unavailable, retrying: %s", exc.orig)
                stop.wait(min(self.interval, 5.0))
                continue
            if (
                report.timers
                or report.reminders
                or report.escalations
                or report.duties_filed
                or report.emails
                or report.webhooks
            ):
                log.info("worker pass: %s", report)
            if not report.busy:
                stop.wait(self.interval)

    def run_once(self, stop: threading.Event | None = None) -> PassReport:
        """One pass; between cases it stops early when ``stop`` is set (SIGTERM)."""
        stop = stop or threading.Event()
        timers, failures, claimed = self._fire_timers(stop)
        counts: dict[str, int] = {}
        for name, work in self._other_work():
            if stop.is_set():
                break
            try:
                counts[name] = work()
            except Exception:  # the next pass retries; the other kinds of work still run
                log.exception("worker: %s failed", name)
                failures += 1
        full_batch = claimed >= self.batch and timers > 0
        busy = full_batch or any(n >= self.batch for n in counts.values())
        return PassReport(timers=timers, failures=failures, busy=busy, **counts)

    def _other_work(self) -> Iterator[tuple[str, Callable[[], int]]]:
        yield "reminders", self._send_reminders
        yield (
            "escalations",
            lambda: escalate_missed_deadlines(
                self.service.sessions, self.service.clock.now(), self.batch
            ),
        )
        yield "duties_filed", self.service.file_scheduled_duties
        yield (
            "webhooks",
            lambda: deliver_due(self.service.sessions, self.service.clock.now(), self.batch),
        )
        if self.mail is not None:
            mail = self.mail
            yield (
                "emails",
                lambda: deliver_pending(
                    self.service.sessions, mail, self.service.clock.now(), self.batch
                ),
            )

    def _fire_timers(self, stop: threading.Event) -> tuple[int, int, int]:
        """(cases moved, cases that failed, cases claimed); one failing case stops no other."""
        moved = failures = 0
        case_ids = self.service.due_timer_cases(self.batch)
        for case_id in case_ids:
            if stop.is_set():
                break
            try:
                moved += self.service.fire_timers_of(case_id)
            except Exception:  # one broken case must not hold up every other case's deadline
                log.exception("case %s: due timers could not fire", case_id)
                failures += 1
        return moved, failures, len(case_ids)

    def _send_reminders(self) -> int:
        return send_due_reminders(self.service.sessions, self.service.clock.now(), self.batch)
