"""Command line: schema, demo data, filing and working cases, history, replay, timers.

Every command prints one clear line on error and exits non-zero; a failed command has
changed nothing, because each change runs in one transaction.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from service.admin import log as admin_log
from service.cases.case_service import CaseService
from service.cases.model_store import models_for
from service.cli.backup import BackupError, backup, restore
from service.cli.duties import add_commands as add_duty_commands
from service.core.clock import Clock, FixedClock
from service.core.db import database_url, make_engine, make_sessionmaker, upgrade
from service.core.errors import InvalidInput, ServiceError
from service.core.models import Case, User
from service.demo.cases import load_demo_cases
from service.demo.district import load_demo
from service.history.chain import events_of
from service.history.replay import ReplayDivergence, replay, verify_all_parallel, verify_case
from service.tasks.inbox import open_tasks_for
from workflows.engine import patches
from workflows.engine.case_engine import CaseEngine
from workflows.work_calendar import SHANGHAI


class CommandError(Exception):
    """A command cannot run as asked; the message is the one line the user sees."""


def _read_json(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        return json.loads(text)
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno})") from exc


def _local(at: datetime | None) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if at else "-"


def _service(args: argparse.Namespace) -> CaseService:
    engine = make_engine(args.database)
    clock: Clock = FixedClock(datetime.fromisoformat(args.now)) if args.now else Clock()
    return CaseService(make_sessionmaker(engine), clock)


def cmd_init_db(args: argparse.Namespace) -> None:
    engine = make_engine(args.database)
    upgrade(engine)
    version = _service(args).deploy_models()
    print(f"schema ready; models {version[:12]} deployed")


def cmd_load_demo(args: argparse.Namespace) -> None:
    cmd_init_db(args)
    service = _service(args)
    with service.transaction() as session:
        inserted = load_demo(session)
    print("demo data loaded" if inserted else "demo data already present")
    cases = load_demo_cases(service)
    if cases:
        print(f"demo cases filed: {', '.join(str(c) for c in cases)}")


def cmd_file(args: argparse.Namespace) -> None:
    service = _service(args)
    payload = _read_json(args.file)
    with service.sessions() as session:
        actor = service.actor(session, args.user)
    case_id = service.file_case(actor, payload)
    print(f"case {case_id} filed")


def cmd_tasks(args: argparse.Namespace) -> None:
    service = _service(args)
    with service.sessions() as session:
        actor = service.actor(session, args.user)
        tasks = open_tasks_for(session, actor)
        if not tasks:
            print("no open tasks")
        for task in tasks:
            print(
                f"task {task.id}\tcase {task.case_id}\t{task.bpmn_id}\t{task.name}"
                f"\t{task.role}\tdue {_local(task.due_at)}\t{task.case.title}"
            )


def cmd_complete(args: argparse.Namespace) -> None:
    service = _service(args)
    payload = _read_json(args.file)
    with service.sessions() as session:
        actor = service.actor(session, args.user)
    revision = service.complete_task(actor, args.task, payload, args.revision)
    print(f"task {args.task} completed; case revision {revision}")


def cmd_timeline(args: argparse.Namespace) -> None:
    service = _service(args)
    with service.sessions() as session:
        case = session.get(Case, args.case)
        if case is None:
            raise CommandError(f"no case {args.case}")
        names = {u.id: u.display_name for u in session.scalars(select(User))}
        print(f"case {case.id} {case.title} [{case.matter_type}] status {case.status}")
        for event in events_of(session, case.id):
            who = names.get(event.actor_id, "system")
            step = event.task_bpmn_id or ""
            print(f"{event.seq:>3} {_local(event.at)} {event.kind:<15} {step:<24} {who}")


def cmd_replay(args: argparse.Namespace) -> None:
    service = _service(args)
    with service.sessions() as session:
        case = session.get(Case, args.case)
        if case is None:
            raise CommandError(f"no case {args.case}")
        engine = CaseEngine(models_for(session, case.model_version))
        try:
            workflow = replay(engine, events_of(session, case.id), args.upto)
        except ReplayDivergence as exc:
            raise CommandError(f"replay failed at {exc}") from exc
        upto = f"entry {args.upto}" if args.upto else "the last entry"
        open_tasks = ", ".join(t.bpmn_id for t in engine.open_tasks(workflow)) or "none"
        print(f"case {case.id} replayed to {upto}: open tasks {open_tasks}")
        print(f"ended at: {engine.ended_at(workflow) or 'not ended'}")


def cmd_verify(args: argparse.Namespace) -> None:
    service = _service(args)
    with service.sessions() as session:
        if args.case is not None:
            case = session.get(Case, args.case)
            if case is None:
                raise CommandError(f"no case {args.case}")
            results = [verify_case(session, case)]
        else:
            results = verify_all_parallel(args.database or database_url(), args.jobs)
        log = admin_log.verify(session) if args.case is None else None
    broken = [r for r in results if not r.ok]
    for result in results:
        mark = "OK " if result.ok else "BAD"
        where = f" (first bad entry {result.first_bad_seq})" if result.first_bad_seq else ""
        print(f"{mark} case {result.case_id}: {result.events} entries, {result.reason}{where}")
    print(f"{len(results) - len(broken)} verified, {len(broken)} broken")
    if log is not None:
        mark = "OK " if log.ok else "BAD"
        where = f" (first bad entry {log.first_bad_seq})" if log.first_bad_seq else ""
        print(f"{mark} administration log: {log.entries} entries, {log.reason}{where}")
    if broken or (log is not None and not log.ok):
        raise SystemExit(1)


def cmd_backup(args: argparse.Namespace) -> None:
    backup(args.database or database_url(), Path(args.output))
    print(f"database backed up to {args.output}")


def cmd_restore(args: argparse.Namespace) -> None:
    restore(args.database or database_url(), Path(args.input))
    print(f"database restored from {args.input}; now run: prior-approval verify")


def cmd_run_timers(args: argparse.Namespace) -> None:
    moved = _service(args).run_due_timers()
    print(f"{moved} case(s) advanced by due timers")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prior-approval", description=__doc__)
    parser.add_argument(
        "--database", default=None, help=f"SQLAlchemy URL (default {database_url()})"
    )
    parser.add_argument("--now", default=None, help="act at this ISO 8601 instant (with zone)")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], None], help_text: str):
        command = sub.add_parser(name, help=help_text)
        command.set_defaults(func=func)
        return command

    add("init-db", cmd_init_db, "create or upgrade the schema and deploy the models")
    add("load-demo", cmd_load_demo, "init-db, then the demo district, users and a few cases")
    c = add("file", cmd_file, "file a case from a JSON file ('-' for stdin)")
    c.add_argument("--user", required=True)
    c.add_argument("file")
    c = add("tasks", cmd_tasks, "list the open tasks a user may work")
    c.add_argument("--user", required=True)
    c = add("complete", cmd_complete, "complete a task with JSON form data")
    c.add_argument("--user", required=True)
    c.add_argument("--task", type=int, required=True)
    c.add_argument("--revision", type=int, default=None, help="fail if the case has moved on")
    c.add_argument("file")
    c = add("timeline", cmd_timeline, "show a case's history")
    c.add_argument("--case", type=int, required=True)
    c = add("replay", cmd_replay, "replay a case from its history, optionally up to an entry")
    c.add_argument("--case", type=int, required=True)
    c.add_argument("--upto", type=int, default=None)
    c = add(
        "verify",
        cmd_verify,
        "verify hash chain and replay of one case or all, and the administration log",
    )
    c.add_argument("--case", type=int, default=None)
    c.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes for all cases")
    add("run-timers", cmd_run_timers, "fire due timers once")
    c = add("backup", cmd_backup, "copy the database to a file (pg_dump or SQLite backup)")
    c.add_argument("--output", required=True)
    c = add("restore", cmd_restore, "replace the database's contents with a backup file")
    c.add_argument("--input", required=True)
    add_duty_commands(add)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        patches.install()
        args.func(args)
    except InvalidInput as exc:
        details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.messages.items())
        sys.exit(f"error: {exc.message}: {details}")
    except (ServiceError, CommandError, BackupError) as exc:
        sys.exit(f"error: {exc}")
    except OperationalError as exc:
        sys.exit(f"error: database unavailable: {exc.orig}")
    except (ValueError, patches.UnsupportedSpiffWorkflow) as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
