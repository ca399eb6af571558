"""Benchmark: the cost of one step in a short case and in a long one, on PostgreSQL.

A long case is a firm-entry case sent back for additions over and over (acceptance check
"return", the applicant resubmits) until its history holds ``--long`` entries; a short
one has been through the same loop until it holds ``--short``. For ``--cases`` cases of
each, the next acceptance check ("return" again) is timed through
``CaseService.complete_task`` (lock, load, validate, complete, save, project, event,
commit), alternating short and long so machine noise hits both alike. Prints the median
and p95 of each, their ratio (target <= 1.2) and the stored engine state sizes.

    .venv/bin/python benchmarks/step_cost.py [--cases 20] [--short 10] [--long 200]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime

from serving import percentile, temporary_database
from sqlalchemy import func, select

from service.cases.case_service import CaseService
from service.core.clock import FixedClock
from service.core.db import make_engine, make_sessionmaker, upgrade
from service.core.models import Case, CaseEvent, CaseState
from service.demo.cases import complete_step, filing_payload, open_task, step_payload
from service.demo.district import load_demo
from service.history.replay import verify_case
from workflows.engine import patches
from workflows.work_calendar import SHANGHAI

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
# Not an exclusive matter: many cases of it may be open at one estate.
MATTER = "parking_allocation"


def _events(service: CaseService, case_id: int) -> int:
    with service.sessions() as session:
        return session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
        )


def _step(service: CaseService, case_id: int) -> None:
    task = open_task(service, case_id)
    choice = "return" if task.bpmn_id == "acceptance_check" else ""
    payload = step_payload(MATTER, task.bpmn_id, service.clock.now(), choice=choice)
    complete_step(service, case_id, task.bpmn_id, payload)


def looped_case(service: CaseService, entries: int) -> int:
    """A case returned for additions until it has ``entries`` history entries or just over,
    left with its acceptance check open."""
    with service.sessions() as session:
        committee = service.actor(session, "committee")
    case_id = service.file_case(committee, filing_payload(MATTER, service.clock.now()))
    while _events(service, case_id) < entries or open_task(service, case_id).bpmn_id != (
        "acceptance_check"
    ):
        _step(service, case_id)
    return case_id


def _state_size(service: CaseService, case_id: int) -> int:
    with service.sessions() as session:
        return len(session.get(CaseState, case_id).state)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--short", type=int, default=10)
    parser.add_argument("--long", type=int, default=200)
    args = parser.parse_args()
    with temporary_database() as url:
        engine = make_engine(url)
        upgrade(engine)
        service = CaseService(make_sessionmaker(engine), FixedClock(NOW))
        service.deploy_models()
        with service.transaction() as session:
            load_demo(session)
        started = time.perf_counter()
        short = [looped_case(service, args.short) for _ in range(args.cases)]
        long = [looped_case(service, args.long) for _ in range(args.cases)]
        print(f"built {2 * args.cases} cases in {time.perf_counter() - started:.0f} s")
        sizes = {
            "short": (_events(service, short[0]), _state_size(service, short[0])),
            "long": (_events(service, long[0]), _state_size(service, long[0])),
        }
        samples: dict[str, list[float]] = {"short": [], "long": []}
        for pair in zip(short, long, strict=True):
            for label, case_id in zip(("short", "long"), pair, strict=True):
                began = time.perf_counter()
                _step(service, case_id)
                samples[label].append(time.perf_counter() - began)
        for label in ("short", "long"):
            entries, size = sizes[label]
            print(
                f"step in a {entries:>3}-entry case: median "
                f"{statistics.median(samples[label]) * 1000:.2f} ms, p95 "
                f"{percentile(samples[label], 0.95) * 1000:.2f} ms, state {size / 1024:.0f} KiB"
            )
        ratio = statistics.median(samples["long"]) / statistics.median(samples["short"])
        print(f"ratio long/short (median): {ratio:.2f} (target <= 1.2)")
        with service.sessions() as session:
            check = verify_case(session, session.get(Case, long[0]))
            print(f"long case verifies: {check.ok} ({check.events} entries)")
        engine.dispose()


if __name__ == "__main__":
    patches.install()
    main()
