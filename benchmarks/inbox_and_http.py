"""Benchmark: the party secretary's inbox at 1k, 100k and 1M cases, and completions over HTTP.

Inbox: one temporary PostgreSQL database per size (``--sizes``, default 1k,100k,1M) with
the demo places and users plus synthetic cases and task rows: the first 1,000 cases
bulk-loaded with COPY, the rest by INSERT … SELECT generate_series (no engine state: the
inbox reads only the case and task rows; 1M cases take about a minute or two to load).
The secretary of community C01 has the same open workload at every size —
``--open`` party-organization tasks — while the rest grows: C01's closed history (1% of
all cases, with their completed tasks) and cases of 200 other communities. It times
``service.tasks.inbox.inbox`` (first page, default filters and sort) and prints the query
plan, which must use the inbox index rather than scan the task table.

HTTP: the service as the containers run it (``serving.Deployment``: gunicorn with
docker/gunicorn.conf.py and ``--web-workers`` workers, no background worker) against a
temporary PostgreSQL database holding twice ``--http-cases`` filed cases; ``--threads``
signed-in secretaries complete the acceptance checks through
``POST /api/v1/tasks/<id>/complete`` for at most ``--seconds``, first answered with the
case detail, then with ``Prefer: return=minimal`` (204); then gunicorn is stopped.

    .venv/bin/python benchmarks/inbox_and_http.py [--open 40] [--sizes 1k,100k,1M]
        [--http-cases 400] [--threads 4] [--web-workers 2] [--seconds 20] [--skip-http]
"""

from __future__ import annotations

import argparse
import queue
import random
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from serving import ACCEPT, FILING, Client, Deployment, temporary_database
from sqlalchemy import event, func, select, text

from service.cases.case_service import CaseService
from service.core.clock import Clock, FixedClock
from service.core.db import make_engine, make_sessionmaker, upgrade
from service.core.models import Case, HumanTask, ModelVersion, Organization, Place, User
from service.demo.district import load_demo
from service.people.access import Actor
from service.tasks.inbox import InboxQuery, inbox
from workflows.engine import patches
from workflows.work_calendar import SHANGHAI

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
OTHER_COMMUNITIES = 200
PARTY_LANES = ("party_secretary", "party_committee")


def prepared_service(url: str, clock: Clock) -> CaseService:
    engine = make_engine(url)
    upgrade(engine)
    service = CaseService(make_sessionmaker(engine), clock)
    service.deploy_models()
    with service.transaction() as session:
        load_demo(session)
    return service


# -- inbox -------------------------------------------------------------------------------


def _copy(raw, table: str, columns: tuple[str, ...], rows: Iterator[tuple]) -> None:
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def load_synthetic(service: CaseService, total: int, open_tasks: int) -> None:
    """Places for 200 more communities, then ``total`` cases with their task rows."""
    with service.transaction() as session:
        district = session.scalar(select(Place).where(Place.code == "D01"))
        communities = []
        for s in range(20):
            street = Place(kind="street", code=f"BS{s}", name=f"街道{s}", parent_id=district.id)
            session.add(street)
            session.flush()
            for c in range(OTHER_COMMUNITIES // 20):
                community = Place(
                    kind="community", code=f"BC{s}_{c}", name=f"社区{c}", parent_id=street.id
                )
                session.add(community)
                session.flush()
                estate = Place(
                    kind="estate", code=f"BE{s}_{c}", name=f"小区{c}", parent_id=community.id
                )
                session.add(estate)
                session.flush()
                org = Organization(kind="owners_committee", name="业委会", place_id=estate.id)
                session.add(org)
                session.flush()
                communities.append((estate.id, community.id, street.id, district.id, org.id))
        e01 = session.scalar(select(Place).where(Place.code == "E01"))
        c01 = session.get(Place, e01.parent_id)
        s01 = session.get(Place, c01.parent_id)
        committee_org = session.scalar(
            select(Organization.id).where(Organization.place_id == e01.id)
        )
        home = (e01.id, c01.id, s01.id, s01.parent_id, committee_org)
        version = session.scalar(select(ModelVersion.version))
        filer = session.scalar(select(User.id).where(User.username == "committee"))
    rng = random.Random(7)
    history = total // 100
    cases: list[tuple] = []
    tasks: list[tuple] = []
    task_id = 1_000_000
    for n in range(total):
        case_id = 1_000_000 + n
        if n < open_tasks:
            place, running = home, True
        elif n < open_tasks + history:
            place, running = home, False
        else:
            place, running = rng.choice(communities), rng.random() < 0.1
        filed = NOW - timedelta(days=rng.randint(1, 900), minutes=rng.randint(0, 1440))
        status = "running" if running else "closed"
        cases.append(
            (
                case_id,
                "firm_exit",
                "",
                f"合成案件 {n}",
                *place[:4],
                place[4],
                status,
                None if running else "case_closed",
                "",
                1,
                version,
                "matter_firm_exit",
                filer,
                filed,
                None if running else filed + timedelta(days=30),
                None,
                "",
            )
        )
        for step, role in (("acceptance_check", "party_secretary"), ("written_reply", role_for(n))):
            task_id += 1
            done = step == "acceptance_check" or not running
            due = filed + timedelta(days=rng.randint(1, 20))
            tasks.append(
                (
                    task_id,
                    case_id,
                    str(uuid.uuid4()),
                    step,
                    "prior_approval",
                    step,
                    role,
                    place[1],
                    place[0],
                    "completed" if done else "open",
                    50,
                    filed,
                    due,
                    filed + timedelta(days=1) if done else None,
                    filer if done else None,
                )
            )
    engine = service.sessions.kw["bind"]
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        _copy(
            raw,
            "cases",
            (
                "id",
                "matter_type",
                "sub_type",
                "title",
                "estate_id",
                "community_id",
                "street_id",
                "district_id",
                "applicant_org_id",
                "status",
                "outcome",
                "current_step",
                "revision",
                "model_version",
                "process_id",
                "filed_by",
                "filed_at",
                "closed_at",
                "next_timer_due",
                "state_digest",
            ),
            iter(cases),
        )
        _copy(
            raw,
            "human_tasks",
            (
                "id",
                "case_id",
                "task_uuid",
                "bpmn_id",
                "process_id",
                "name",
                "role",
                "community_id",
                "estate_id",
                "status",
                "priority",
                "created_at",
                "due_at",
                "completed_at",
                "completed_by",
            ),
            iter(tasks),
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def top_up(service: CaseService, start: int, total: int) -> None:
    """Cases ``start`` .. ``total - 1`` in the same pattern, by INSERT … SELECT generate_series.

    Every hundredth case is a closed one of community C01 (the secretary's history), the
    others belong to the 200 other communities, one in ten of them still running; each
    case has its two task rows, numbered as ``load_synthetic`` numbers them.
    """
    if total <= start:
        return
    engine = service.sessions.kw["bind"]
    with engine.begin() as conn:
        conn.execute(
            text(
                """
                CREATE TEMPORARY TABLE bench_places ON COMMIT DROP AS
                SELECT (row_number() OVER (ORDER BY e.id)) - 1 AS idx, e.id AS estate,
                       c.id AS community, s.id AS street, s.parent_id AS district,
                       o.id AS org
                FROM places e JOIN places c ON c.id = e.parent_id
                JOIN places s ON s.id = c.parent_id
                JOIN organizations o ON o.place_id = e.id
                WHERE e.code LIKE 'BE%'
                UNION ALL
                SELECT -1, e.id, c.id, s.id, s.parent_id, o.id
                FROM places e JOIN places c ON c.id = e.parent_id
                JOIN places s ON s.id = c.parent_id
                JOIN organizations o ON o.place_id = e.id AND o.kind = 'owners_committee'
                WHERE e.code = 'E01'
                """
            )
        )
        params = {
            "start": start,
            "last": total - 1,
            "now": NOW,
            "others": OTHER_COMMUNITIES,
            "filer": conn.scalar(text("SELECT id FROM users WHERE username = 'committee'")),
            "version": conn.scalar(text("SELECT version FROM model_versions LIMIT 1")),
        }
        conn.execute(
            text(
                """
                CREATE TEMPORARY TABLE bench_cases ON COMMIT DROP AS
                SELECT n, 1000000 + n AS id,
                       CASE WHEN n % 100 = 0 THEN -1 ELSE n % :others END AS idx,
                       n % 100 <> 0 AND n % 10 = 3 AS running,
                       CAST(:now AS timestamptz) - make_interval(days => 1 + n % 900,
                                                               mins => n % 1440) AS filed
                FROM generate_series(:start, :last) AS n
                """
            ),
            params,
        )
        conn.execute(
            text(
                """
                INSERT INTO cases (id, matter_type, sub_type, title, estate_id, community_id,
                    street_id, district_id, applicant_org_id, status, outcome, current_step,
                    revision, model_version, process_id, filed_by, filed_at, closed_at,
                    next_timer_due, state_digest)
                SELECT b.id, 'firm_exit', '', '合成案件 ' || b.n, p.estate, p.community,
                    p.street, p.district, p.org,
                    CASE WHEN b.running THEN 'running' ELSE 'closed' END,
                    CASE WHEN b.running THEN NULL ELSE 'case_closed' END, '', 1, :version,
                    'matter_firm_exit', :filer, b.filed,
                    CASE WHEN b.running THEN NULL ELSE b.filed + interval '30 days' END,
                    NULL, ''
                FROM bench_cases b JOIN bench_places p ON p.idx = b.idx
                """
            ),
            params,
        )
        conn.execute(
            text(
                """
                INSERT INTO human_tasks (id, case_id, task_uuid, bpmn_id, process_id, name,
                    role, community_id, estate_id, status, priority, created_at, due_at,
                    completed_at, completed_by)
                SELECT 1000000 + 2 * b.n + t.k, b.id, gen_random_uuid()::text, t.step,
                    'prior_approval', t.step,
                    CASE WHEN t.k = 1 THEN 'party_secretary'
                         WHEN b.n % 2 = 0 THEN 'party_secretary' ELSE 'party_committee' END,
                    p.community, p.estate,
                    CASE WHEN t.k = 2 AND b.running THEN 'open' ELSE 'completed' END, 50,
                    b.filed, b.filed + make_interval(days => 1 + b.n % 20),
                    CASE WHEN t.k = 2 AND b.running THEN NULL
                         ELSE b.filed + interval '1 day' END,
                    CASE WHEN t.k = 2 AND b.running THEN NULL ELSE :filer END
                FROM bench_cases b JOIN bench_places p ON p.idx = b.idx
                CROSS JOIN (VALUES (1, 'acceptance_check'), (2, 'written_reply')) AS t(k, step)
                """
            ),
            params,
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE cases"))
        conn.execute(text("VACUUM ANALYZE human_tasks"))


def role_for(n: int) -> str:
    return PARTY_LANES[n % 2]


def explain(service: CaseService, run: Callable[[], object]) -> str:
    """The plan PostgreSQL chooses for the inbox's SELECT, with actual row counts."""
    engine = service.sessions.kw["bind"]
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        if "FROM human_tasks" in statement and not captured:
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = captured[0]
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters)
        return "\n".join(row[0] for row in rows)


@dataclass
class InboxBench:
    """One database and the secretary's inbox call on it."""

    service: CaseService
    secretary: Actor
    cases: int
    task_rows: int
    samples: list[float] = field(default_factory=list)

    def once(self) -> int:
        with self.service.sessions() as session:
            return len(inbox(session, self.secretary, InboxQuery(), NOW).items)

    def timed(self) -> None:
        started = time.perf_counter()
        self.once()
        self.samples.append((time.perf_counter() - started) * 1000)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, int(len(ordered) * share) - 1)]


def inbox_bench(url: str, total: int, open_tasks: int) -> InboxBench:
    """Up to 1,000 cases through COPY (the secretary's open tasks among them), the rest in SQL."""
    service = prepared_service(url, FixedClock(NOW))
    load_synthetic(service, min(total, 1_000), open_tasks)
    top_up(service, 1_000, total)
    with service.sessions() as session:
        return InboxBench(
            service,
            service.actor(session, "secretary"),
            session.scalar(select(func.count()).select_from(Case)),
            session.scalar(select(func.count()).select_from(HumanTask)),
        )


SIZES = {"1k": 1_000, "100k": 100_000, "1M": 1_000_000}


def measure_inbox(open_tasks: int, runs: int, sizes: list[str]) -> None:
    """All sizes side by side, timed in alternation so machine noise hits each alike."""
    with ExitStack() as stack:
        benches = {}
        for label in sizes:
            started = time.perf_counter()
            url = stack.enter_context(temporary_database())
            benches[label] = inbox_bench(url, SIZES[label], open_tasks)
            print(f"loaded {label} in {time.perf_counter() - started:.0f} s", flush=True)
        for bench in benches.values():
            for _ in range(20):
                bench.once()
        for _ in range(runs):
            for bench in benches.values():
                bench.timed()
        for label, bench in benches.items():
            print(
                f"inbox {label:>4}: {bench.cases:>7} cases, {bench.task_rows:>7} task rows: "
                f"p50 {bench.percentile(0.5):.2f} ms, p95 {bench.percentile(0.95):.2f} ms "
                f"({bench.once()} tasks on the first page)"
            )
        small = benches[sizes[0]]
        for label in sizes[1:]:
            large = benches[label]
            p50 = large.percentile(0.5) / small.percentile(0.5)
            print(
                f"ratio {label}/{sizes[0]}: p50 {p50:.2f}, "
                f"p95 {large.percentile(0.95) / small.percentile(0.95):.2f} (target <= 1.5)"
            )
        largest = benches[sizes[-1]]
        plan = explain(largest.service, largest.once)
        print(f"query plan at {sizes[-1]} cases:\n" + plan)
        if "Seq Scan on human_tasks" in plan:
            print("WARNING: the inbox query scans the whole task table")
        for bench in benches.values():
            bench.service.sessions.kw["bind"].dispose()


# -- HTTP --------------------------------------------------------------------------------


def measure_http(
    cases: int, threads: int, seconds: float, web_workers: int
) -> dict[str, dict[str, float]]:
    """Completions answered with the case detail, then with ``Prefer: return=minimal``
    (204), each on its own share of the filed cases, against one gunicorn."""
    with temporary_database() as url:
        deployment = Deployment(url, web_workers=web_workers, workers=0)
        deployment.migrate()
        service = CaseService(make_sessionmaker(make_engine(url)), Clock())
        with service.sessions() as session:
            committee = service.actor(session, "committee")
        for _ in range(cases * len(RESPONSES)):
            service.file_case(committee, FILING)
        with service.sessions() as session:
            task_ids = list(
                session.scalars(
                    select(HumanTask.id)
                    .where(HumanTask.bpmn_id == "acceptance_check", HumanTask.status == "open")
                    .order_by(HumanTask.id)
                )
            )
        service.sessions.kw["bind"].dispose()
        try:
            deployment.start()
            return {
                name: _completions(
                    deployment.base,
                    task_ids[n * cases : (n + 1) * cases],
                    {"Prefer": "return=minimal"} if minimal else {},
                    threads,
                    seconds,
                )
                for n, (name, minimal) in enumerate(RESPONSES.items())
            }
        finally:
            deployment.stop()


RESPONSES = {"detail": False, "minimal": True}


def _completions(
    base: str, task_ids: list[int], headers: dict[str, str], threads: int, seconds: float
) -> dict[str, float]:
    success = 204 if headers else 200
    work: queue.Queue[int] = queue.Queue()
    for task_id in task_ids:
        work.put(task_id)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    clients = [Client(base, "secretary") for _ in range(threads)]
    stop_at = time.monotonic() + seconds

    def work_through(client: Client) -> None:
        while time.monotonic() < stop_at:
            try:
                task_id = work.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            status, _body = client.call(
                "POST", f"/api/v1/tasks/{task_id}/complete", ACCEPT, headers=headers
            )
            with lock:
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    pool = [threading.Thread(target=work_through, args=(c,)) for c in clients]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    done = statuses.get(success, 0)
    return {
        "completed": done,
        "other": {k: v for k, v in statuses.items() if k != success},
        "seconds": elapsed,
        "rate": done / elapsed,
        "median_ms": statistics.median(latencies) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=40, help="the secretary's open tasks")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--http-cases", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--sizes", default="1k,100k,1M", help=f"inbox sizes to compare, of {', '.join(SIZES)}"
    )
    args = parser.parse_args()

    measure_inbox(args.open, args.runs, args.sizes.split(","))
    if args.skip_http:
        return
    results = measure_http(args.http_cases, args.threads, args.seconds, args.web_workers)
    for name, http in results.items():
        print(
            f"HTTP (gunicorn, {args.web_workers} workers, PostgreSQL, {args.threads} client "
            f"threads, answer: {name}): {http['completed']} completions in "
            f"{http['seconds']:.1f} s = {http['rate']:.1f} completions/s, "
            f"median {http['median_ms']:.1f} ms"
            + (f", other answers {http['other']}" if http["other"] else "")
        )


if __name__ == "__main__":
    patches.install()
    main()
