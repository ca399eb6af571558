"""Benchmark: completing one human task, against the floor of raw SpiffWorkflow + one commit.

For each database (a temporary SQLite file and a temporary PostgreSQL database) it files
N firm-entry cases, then times ``CaseService.complete_task`` for the acceptance check of
each (load, engine, save, projection, event, commit). The floor is the same step done
with SpiffWorkflow alone: deserialize the workflow (its default serializer, spec
included), complete the task, run the engine, serialize, and commit the JSON as one row.
It also prints the stored state size per case, and the replay-verify rate over cases
taken through their whole lifecycle (filing to closure, 10–13 history entries each),
verified in one process and in one process per core.

    .venv/bin/python benchmarks/task_completion.py [--cases 200] [--closed 200] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, select
from sqlalchemy import text as sql

from service.cases.case_service import CaseService
from service.core.clock import FixedClock
from service.core.db import make_engine, make_sessionmaker, upgrade
from service.core.models import CaseState
from service.demo.cases import drive, filing_payload
from service.demo.district import load_demo
from service.estates.ledger import record_statement
from service.history.replay import verify_all, verify_all_parallel
from service.tasks.inbox import open_tasks_for
from workflows.catalogue import MATTERS
from workflows.engine import patches
from workflows.engine.bundle import MODELS_DIR
from workflows.engine.script_engine import CaseScriptEngine
from workflows.work_calendar import SHANGHAI

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ACCEPT = {"acceptance_decision": "accept"}
BENCH_FUND = {"balance": "1000000000.00", "statement_date": "2026-03-01", "reference": "基准测试"}


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure_service(url: str, cases: int, closed: int) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI))
    service = CaseService(make_sessionmaker(engine), clock)
    service.deploy_models()
    with service.transaction() as session:
        load_demo(session)
        committee = service.actor(session, "committee")
        secretary = service.actor(session, "secretary")
        # The closed cases spend from E01's fund: a balance that covers all of them.
        record_statement(session, service.actor(session, "admin"), "E01", BENCH_FUND, clock.now())
    payload = filing_payload("parking_allocation", clock.now())
    for _ in range(cases):
        service.file_case(committee, payload)
    with service.sessions() as session:
        task_ids = [t.id for t in open_tasks_for(session, secretary, limit=cases)]
        sizes = [len(s) for s in session.scalars(select(CaseState.state))]
    samples = []
    for task_id in task_ids:
        started = time.perf_counter()
        service.complete_task(secretary, task_id, ACCEPT)
        samples.append(time.perf_counter() - started)
    with service.sessions() as session:
        after = [len(s) for s in session.scalars(select(CaseState.state))]
    matters = sorted(MATTERS)
    for i in range(closed):
        drive(service, matters[i % len(matters)], path="close")
    with service.sessions() as session:
        started = time.perf_counter()
        results = verify_all(session)
        serial = len(results) / (time.perf_counter() - started)
        assert all(r.ok for r in results), [r for r in results if not r.ok][:3]
        events = statistics.median(r.events for r in results if r.events > 2)
    started = time.perf_counter()
    parallel_results = verify_all_parallel(url, os.cpu_count() or 1)
    parallel = len(parallel_results) / (time.perf_counter() - started)
    engine.dispose()
    return {
        "median_ms": _median_ms(samples),
        "state_bytes_filed": statistics.median(sizes),
        "state_bytes_after": statistics.median(after),
        "verified": len(results),
        "events": events,
        "verify_rate": serial,
        "verify_rate_parallel": parallel,
    }


def measure_floor(url: str, cases: int) -> float:
    """Raw SpiffWorkflow: deserialize, complete, engine steps, serialize, one commit."""
    parser = SpiffBpmnParser(validator=BpmnValidator())
    parser.add_bpmn_files([str(p) for p in sorted(Path(MODELS_DIR).glob("*.bpmn"))])
    parser.add_dmn_files([str(p) for p in sorted(Path(MODELS_DIR).glob("*.dmn"))])
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    now = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)

    def script_engine() -> CaseScriptEngine:
        return CaseScriptEngine(now=lambda: now, functions={"deadline": _far_deadline})

    spec = parser.get_spec("matter_parking_allocation")
    subprocesses = parser.get_subprocess_specs("matter_parking_allocation")
    workflow = BpmnWorkflow(spec, subprocesses, script_engine=script_engine())
    workflow.do_engine_steps()
    state = serializer.serialize_json(workflow)
    engine = create_engine(url)
    table = Table(
        f"floor_{uuid.uuid4().hex[:8]}",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("state", Text),
    )
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, "state": state} for i in range(cases)])
    samples = []
    for i in range(cases):
        started = time.perf_counter()
        with engine.begin() as conn:
            stored = conn.execute(select(table.c.state).where(table.c.id == i)).scalar_one()
            wf = serializer.deserialize_json(stored)
            wf.script_engine = script_engine()
            task = next(
                t
                for t in wf.get_tasks(state=TaskState.READY, manual=True)
                if t.task_spec.bpmn_id == "acceptance_check"
            )
            task.data.update(ACCEPT)
            task.run()
            wf.do_engine_steps()
            conn.execute(
                table.update().where(table.c.id == i).values(state=serializer.serialize_json(wf))
            )
        samples.append(time.perf_counter() - started)
    table.drop(engine)
    engine.dispose()
    return _median_ms(samples)


def _far_deadline(step: str, on: str | None = None) -> str:
    return "2099-01-01T00:00:00+08:00"


def with_postgres(run: Callable[[str], object]) -> object:
    name = f"pa_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sql(f'CREATE DATABASE "{name}"'))
    try:
        return run(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with admin.connect() as conn:
            conn.execute(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(
    label: str, url_factory: Callable[[Callable[[str], object]], object], n: int, closed: int
) -> None:
    ours = url_factory(lambda url: measure_service(url, n, closed))
    floor = url_factory(lambda url: measure_floor(url, n))
    print(
        f"{label:<10} complete task median {ours['median_ms']:.2f} ms | "
        f"floor (raw SpiffWorkflow + commit) {floor:.2f} ms | "
        f"ratio {ours['median_ms'] / floor:.2f}x"
    )
    print(
        f"{'':<10} state per case: {ours['state_bytes_filed']:.0f} B filed, "
        f"{ours['state_bytes_after']:.0f} B after one step"
    )
    print(
        f"{'':<10} replay-verify of {ours['verified']} cases (closed ones: median "
        f"{ours['events']:.0f} entries): {ours['verify_rate']:.0f} cases/s in one process, "
        f"{ours['verify_rate_parallel']:.0f} cases/s with {os.cpu_count()} processes"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--closed", type=int, default=200, help="cases driven to closure")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    def sqlite(run: Callable[[str], object]) -> object:
        with tempfile.TemporaryDirectory() as tmp:
            return run(f"sqlite:///{tmp}/bench.sqlite3")

    report("SQLite", sqlite, args.cases, args.closed)
    if not args.skip_postgres:
        report("PostgreSQL", with_postgres, args.cases, args.closed)


if __name__ == "__main__":
    patches.install()
    main()
