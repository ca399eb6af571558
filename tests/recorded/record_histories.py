"""Record case histories as a release writes them, for ``test_recorded_histories.py``.

A history recorded by one release must still replay and verify under every later one:
production databases hold such histories, and an auditor's verification of them must not
depend on which release runs it. The tests' own cases are recorded and replayed by the
same code, so they cannot show that; a file written by this script, kept with the tests,
can. It drives every matter along each of its paths (closure, rejection, a failed vote,
return and rectification loops), steps overdue so the street's supervision opens, and
duty cases whose deadlines pass, then writes each case's history, stored engine state,
case digest and the model files they ran on.

    PYTHONPATH=. .venv/bin/python tests/recorded/record_histories.py tests/recorded/NAME.json.gz

Record a new file only for a new kind of history; never rewrite an existing one.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from service.cases.case_service import CaseService
from service.core.clock import FixedClock
from service.core.db import make_engine, make_sessionmaker, upgrade
from service.core.models import Case, CaseEvent, CaseState, ModelVersion
from service.demo.cases import complete_step, drive, open_task, step_payload
from service.demo.district import load_demo
from service.duties.schedule import DutyService
from workflows.engine import patches
from workflows.work_calendar import SHANGHAI

SCENARIOS: list[tuple[str, str | None, str]] = [
    ("assembly_formation", None, "close"),
    ("assembly_formation", None, "vote_fail"),
    ("committee_election", "by_election", "return_once"),
    ("committee_election", None, "close"),
    ("firm_entry", None, "return_once"),
    ("firm_entry", None, "reject"),
    ("firm_exit", "owners", "return_once"),
    ("firm_exit", "firm", "close"),
    ("fund_normal", None, "return_once"),
    ("fund_normal", None, "vote_fail"),
    ("fund_emergency", None, "close"),
    ("common_income", "new_business_use", "return_once"),
    ("fee_adjustment", None, "close"),
    ("fee_adjustment", None, "reject"),
    ("parking_allocation", "allocation", "return_once"),
]


def record(service: CaseService, clock: FixedClock) -> None:
    for matter_type, sub_type, path in SCENARIOS:
        drive(service, matter_type, sub_type=sub_type, path=path)
        clock.advance(hours=5)
    _overdue_firm_entry(service, clock)
    drive(service, "fund_normal", stop_before="collective_study")
    duties = DutyService(service.sessions, clock)
    clock.set(datetime(2026, 4, 1, 9, 0, tzinfo=SHANGHAI))
    duties.file_scheduled_duties()
    for _ in range(3):
        clock.advance(days=20)
        service.run_due_timers(limit=1000)


def _overdue_firm_entry(service: CaseService, clock: FixedClock) -> None:
    """Steps left overdue twice: supervision opens beside the step, then the case closes."""
    case_id = drive(service, "firm_entry", stop_before="acceptance_check")
    clock.advance(days=10)
    service.run_due_timers(limit=1000)
    complete_step(service, case_id, "supervise_acceptance_check", {"supervision_note": "已督促"})
    payload = step_payload("firm_entry", "acceptance_check", clock.now(), choice="return")
    complete_step(service, case_id, "acceptance_check", payload)
    additions = open_task(service, case_id).bpmn_id
    complete_step(service, case_id, additions, step_payload("firm_entry", additions, clock.now()))
    clock.advance(days=10)
    service.run_due_timers(limit=1000)
    while (task := open_task(service, case_id)) is not None:
        payload = step_payload("firm_entry", task.bpmn_id, clock.now())
        complete_step(service, case_id, task.bpmn_id, payload)


def export(service: CaseService) -> dict[str, Any]:
    with service.sessions() as session:
        models = {row.version: row.files for row in session.scalars(select(ModelVersion))}
        cases = []
        for case in session.scalars(select(Case).order_by(Case.id)):
            events = session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            )
            cases.append(
                {
                    "case_id": case.id,
                    "model_version": case.model_version,
                    "state_digest": case.state_digest,
                    "state": session.get(CaseState, case.id).state,
                    "events": [
                        {
                            "seq": e.seq,
                            "kind": e.kind,
                            "actor_id": e.actor_id,
                            "at": e.at.isoformat(),
                            "task_bpmn_id": e.task_bpmn_id,
                            "data": e.data,
                            "prev_hash": e.prev_hash,
                            "hash": e.hash,
                        }
                        for e in events
                    ],
                }
            )
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {"recorded_by": commit, "models": models, "cases": cases}


def main(output: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/record.sqlite3")
        upgrade(engine)
        clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI))
        service = CaseService(make_sessionmaker(engine), clock)
        service.deploy_models()
        with service.transaction() as session:
            load_demo(session)
        record(service, clock)
        recorded = export(service)
        engine.dispose()
    with gzip.open(output, "wt", encoding="utf-8") as out:
        json.dump(recorded, out, ensure_ascii=False, sort_keys=True)
    print(f"{len(recorded['cases'])} cases written to {output}")


if __name__ == "__main__":
    patches.install()
    main(Path(sys.argv[1]))
