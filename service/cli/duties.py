"""Commands of the worker, the periodic duties and the red/black list, for ``service.cli.main``.

``worker`` runs the background loop (``--once`` for a single pass); SIGTERM or Ctrl-C
lets the case at hand finish and then stops it. The others file an incident report,
export the rectification ledger, change a firm's standing and show a firm's record.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from service.core.clock import Clock, FixedClock
from service.core.db import make_engine, make_sessionmaker
from service.core.logs import configure_json_logging
from service.duties.firm_credit import firm_record, set_standing
from service.duties.rectification_ledger import ledger_rows, write_csv
from service.duties.schedule import DutyService
from service.notices.mail import MailSettings
from service.notices.notifications import notifications_for
from service.worker import Worker
from workflows.forms import FIRM_STANDINGS
from workflows.work_calendar import SHANGHAI

Add = Callable[[str, Callable[[argparse.Namespace], None], str], argparse.ArgumentParser]


def _service(args: argparse.Namespace) -> DutyService:
    clock: Clock = FixedClock(datetime.fromisoformat(args.now)) if args.now else Clock()
    return DutyService(make_sessionmaker(make_engine(args.database)), clock)


def _read_json(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        return json.loads(text)
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno})") from exc


def cmd_worker(args: argparse.Namespace) -> None:
    configure_json_logging()
    worker = Worker(
        _service(args), mail=MailSettings.from_env(), batch=args.batch, interval=args.interval
    )
    if args.once:
        print(f"worker pass: {worker.run_once()}")
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    log = logging.getLogger(__name__)
    log.info("worker started (every %ss)", args.interval)
    worker.run(stop)
    log.info("worker stopped")


def cmd_report_incident(args: argparse.Namespace) -> None:
    service = _service(args)
    payload = _read_json(args.file)
    with service.sessions() as session:
        actor = service.actor(session, args.user)
    print(f"case {service.report_incident(actor, payload)} filed")


def cmd_rectification_ledger(args: argparse.Namespace) -> None:
    service = _service(args)
    today = service.clock.now().astimezone(SHANGHAI).date()
    with service.sessions() as session:
        rows = ledger_rows(session, today, year=args.year)
    if args.output == "-":
        write_csv(rows, sys.stdout)
        return
    with open(args.output, "w", encoding="utf-8-sig", newline="") as stream:
        write_csv(rows, stream)
    print(f"{len(rows)} item(s) written to {args.output}")


def cmd_credit_standing(args: argparse.Namespace) -> None:
    service = _service(args)
    with service.transaction() as session:
        actor = service.actor(session, args.user)
        changed = set_standing(
            session, actor, args.organization, args.standing, args.reason, service.clock.now()
        )
    state = "now" if changed else "already"
    print(f"firm {args.organization} {state} {FIRM_STANDINGS[args.standing]}")


def cmd_firm_record(args: argparse.Namespace) -> None:
    service = _service(args)
    today = service.clock.now().astimezone(SHANGHAI).date()
    with service.sessions() as session:
        record = firm_record(session, args.organization, today)
    print(json.dumps(asdict(record), ensure_ascii=False, indent=2, default=str))


def cmd_notifications(args: argparse.Namespace) -> None:
    service = _service(args)
    with service.sessions() as session:
        actor = service.actor(session, args.user)
        rows = notifications_for(session, actor.user_id, unread_only=args.unread)
    if not rows:
        print("no notifications")
    for row in rows:
        mark = " " if row.read_at else "*"
        when = row.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        print(f"{mark} {row.id}\t{when}\t{row.kind}\tcase {row.case_id}\t{row.title}")


def add_commands(add: Add) -> None:
    """Register these commands on the ``prior-approval`` parser."""
    c = add("worker", cmd_worker, "run due timers, reminders, scheduled duties and mail")
    c.add_argument("--once", action="store_true", help="one pass, then exit")
    c.add_argument("--interval", type=float, default=30.0, help="seconds between passes")
    c.add_argument("--batch", type=int, default=100, help="cases per kind of work per pass")
    c = add("report-incident", cmd_report_incident, "report a major problem or emergency")
    c.add_argument("--user", required=True)
    c.add_argument("file")
    c = add("rectification-ledger", cmd_rectification_ledger, "export the ledger as CSV")
    c.add_argument("--year", default=None, help="review year, e.g. 2026")
    c.add_argument("--output", default="-", help="CSV file ('-' for stdout)")
    c = add("credit-standing", cmd_credit_standing, "put a firm on the red/black list")
    c.add_argument("--user", required=True)
    c.add_argument("--organization", type=int, required=True)
    c.add_argument("--standing", choices=sorted(FIRM_STANDINGS), required=True)
    c.add_argument("--reason", required=True)
    c = add("firm-record", cmd_firm_record, "a firm's credit record as JSON")
    c.add_argument("--organization", type=int, required=True)
    c = add("notifications", cmd_notifications, "a user's notifications, newest first")
    c.add_argument("--user", required=True)
    c.add_argument("--unread", action="store_true")
