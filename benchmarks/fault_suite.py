"""Fault and load suite: concurrent clients, killed processes, a restarted PostgreSQL.

Not part of the test suite: it runs for minutes, on 127.0.0.1 only. It runs the service as
the containers do (``prior-approval init-db``, gunicorn with docker/gunicorn.conf.py,
``prior-approval worker`` processes; see serving.py) on a new database, and then:

* ``--clients`` threads (default 16), signed in as four party secretaries of community
  C01, claim and complete the same few acceptance checks at random for ``--seconds``,
  while one more client files cases to keep the pool full. Every answer is counted.
* Meanwhile a chaos thread sends SIGKILL, every few seconds, to a random gunicorn worker
  (the master starts a new one), to a background worker (restarted here), and once to
  the gunicorn master with all its workers (restarted here).
* With ``--postgres-restart CLUSTER`` (e.g. ``15/faulttest``: a throwaway cluster
  created for this, never the main one) it also restarts that PostgreSQL cluster during
  the load, with ``--admin-url`` pointing at it, and checks that requests during the
  outage get 503 or 409 (never 500) and succeed again afterwards.

Afterwards it compares what clients were told with the history in the database — no
acknowledged action lost, none done twice, every task completed at most once — and runs
``prior-approval verify`` on every case. Exit status 1 when any check fails.

    .venv/bin/python benchmarks/fault_suite.py [--clients 16] [--seconds 180]
    .venv/bin/python benchmarks/fault_suite.py --seconds 60 --no-kill \\
        --postgres-restart 15/faulttest \\
        --admin-url postgresql+psycopg://postgres@127.0.0.1:5499/postgres
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from serving import (
    ACCEPT,
    BIN,
    FILING,
    PG_ADMIN,
    Client,
    Deployment,
    temporary_database,
)
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from service.core.models import Place, RoleGrant, User

SECRETARIES = [f"fault_sec{n}" for n in range(1, 5)]
POOL = 8  # open tasks the clients fight over at any time


@dataclass
class Ledger:
    """What the clients were told, by task."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    completed: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    claimed: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    unknown: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    filed: int = 0
    outage_statuses: Counter[int] = field(default_factory=Counter)
    last_ok: float = 0.0
    outage_end: float = 0.0


class Pool:
    """The open acceptance checks the clients work on; the filer keeps it topped up."""

    def __init__(self) -> None:
        self.tasks: list[int] = []
        self.lock = threading.Lock()

    def pick(self) -> int | None:
        with self.lock:
            return random.choice(self.tasks) if self.tasks else None

    def add(self, task_id: int) -> None:
        with self.lock:
            self.tasks.append(task_id)

    def done(self, task_id: int) -> None:
        with self.lock:
            if task_id in self.tasks:
                self.tasks.remove(task_id)

    def size(self) -> int:
        with self.lock:
            return len(self.tasks)


def add_secretaries(url: str) -> None:
    """Four more party secretaries of C01, so that claims by different people collide."""
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        c01 = session.scalar(select(Place.id).where(Place.code == "C01"))
        for name in SECRETARIES:
            user = User(
                username=name,
                display_name=name,
                password_hash=generate_password_hash("demo12345"),
                active=True,
            )
            session.add(user)
            session.flush()
            session.add(RoleGrant(user_id=user.id, role="party_secretary", place_id=c01))
    engine.dispose()


def signed_in(base: str, username: str, stop: threading.Event) -> Client | None:
    """Sign in, retrying while the service is down (a kill may hit the sign-in)."""
    while not stop.is_set():
        try:
            return Client(base, username)
        except (RuntimeError, OSError):
            time.sleep(0.5)
    return None


def worker_client(
    base: str, username: str, pool: Pool, ledger: Ledger, stop: threading.Event, outage
) -> None:
    client = signed_in(base, username, stop)
    while client is not None and not stop.is_set():
        task_id = pool.pick()
        if task_id is None:
            time.sleep(0.05)
            continue
        action = random.choice(("claim", "complete"))
        path = f"/api/v1/tasks/{task_id}/{action}"
        status, _body = client.call("POST", path, ACCEPT if action == "complete" else None)
        with ledger.lock:
            ledger.statuses[f"{action} {status}"] += 1
            if status == 200:
                ledger.last_ok = time.monotonic()
            if outage.is_set():
                ledger.outage_statuses[status] += 1
            if status == 0 or status >= 500:
                ledger.unknown[action] += 1
            elif status == 200 and action == "complete":
                ledger.completed[task_id].append(username)
            elif status == 200:
                ledger.claimed[task_id].add(username)
        if status == 200 and action == "complete":
            pool.done(task_id)
        elif status == 409 and action == "complete":
            _retire_if_closed(client, task_id, pool)
        elif status in (0, 503):
            time.sleep(0.1)


def _retire_if_closed(client: Client, task_id: int, pool: Pool) -> None:
    """A 409 may mean someone else completed it: then it leaves the pool."""
    status, body = client.call("GET", f"/api/v1/tasks/{task_id}")
    if status == 200 and body.get("status") != "open":
        pool.done(task_id)


def filer(base: str, pool: Pool, ledger: Ledger, stop: threading.Event) -> None:
    client = signed_in(base, "committee", stop)
    while client is not None and not stop.is_set():
        if pool.size() >= POOL:
            time.sleep(0.02)
            continue
        status, body = client.call("POST", "/api/v1/cases", FILING)
        with ledger.lock:
            ledger.statuses[f"file {status}"] += 1
            if status == 201:
                ledger.filed += 1
            elif status == 0 or status >= 500:
                ledger.unknown["file"] += 1
        if status == 201:
            pool.add(body["open_tasks"][0]["id"])
        elif status in (0, 503):
            time.sleep(0.1)


def chaos(deployment: Deployment, stop: threading.Event, kills: Counter[str]) -> None:
    """SIGKILL a gunicorn worker or a background worker every few seconds; the master once."""
    master_killed = False
    began = time.monotonic()
    while not stop.wait(random.uniform(2, 6)):
        roll = random.random()
        if not master_killed and time.monotonic() - began > 20:
            victims = [deployment.web.pid, *deployment.web_worker_pids()]
            for pid in victims:
                _kill(pid)
            deployment.web.wait()
            deployment.start_web()
            kills["gunicorn master and workers"] += 1
            master_killed = True
        elif roll < 0.6:
            pids = deployment.web_worker_pids()
            if pids and _kill(random.choice(pids)):
                kills["gunicorn worker"] += 1
        else:
            process = random.choice(deployment.background)
            if _kill(process.pid):
                process.wait()
                deployment.background.remove(process)
                deployment.start_worker()
                kills["background worker"] += 1


def _kill(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False


def restart_postgres(
    cluster: str, outage: threading.Event, stop: threading.Event, ledger: Ledger
) -> None:
    """Stop the throwaway cluster for a few seconds mid-run, then start it again."""
    version, name = cluster.split("/")
    if stop.wait(15):
        return
    outage.set()
    subprocess.run(["pg_ctlcluster", version, name, "stop", "-m", "fast"], check=True)
    time.sleep(5)
    subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)
    time.sleep(2)
    outage.clear()
    ledger.outage_end = time.monotonic()


def check(url: str, ledger: Ledger) -> list[str]:
    """Compare what clients were told with the history; returns the problems found."""
    problems: list[str] = []
    engine = create_engine(url)
    with engine.connect() as conn:
        completions = Counter(
            dict(
                conn.execute(
                    text(
                        "SELECT t.id, count(*) FROM case_events e JOIN human_tasks t "
                        "ON t.case_id = e.case_id AND t.bpmn_id = e.task_bpmn_id "
                        "WHERE e.kind = 'task_completed' AND t.bpmn_id = 'acceptance_check' "
                        "GROUP BY t.id"
                    )
                ).all()
            )
        )
        claims = defaultdict(list)
        for task_id, username in conn.execute(
            text(
                "SELECT CAST(e.data ->> 'task_id' AS integer), u.username FROM case_events e "
                "JOIN users u ON u.id = e.actor_id WHERE e.kind = 'task_claimed'"
            )
        ):
            claims[task_id].append(username)
        filed = conn.scalar(text("SELECT count(*) FROM case_events WHERE kind = 'case_filed'"))
        completed_rows = dict(
            conn.execute(
                text(
                    "SELECT id, completed_by FROM human_tasks "
                    "WHERE bpmn_id = 'acceptance_check' AND status = 'completed'"
                )
            ).all()
        )
    engine.dispose()
    for task_id, users in ledger.completed.items():
        if len(users) > 1:
            problems.append(f"task {task_id} completed for {len(users)} clients: {users}")
        if completions.get(task_id, 0) != 1:
            problems.append(
                f"task {task_id}: client told done, {completions.get(task_id, 0)} events"
            )
    for task_id, count in completions.items():
        if count > 1:
            problems.append(f"task {task_id} has {count} completion events")
    unacknowledged = sum(1 for t in completions if t not in ledger.completed)
    if unacknowledged > ledger.unknown["complete"]:
        problems.append(
            f"{unacknowledged} completions nobody was told of, only "
            f"{ledger.unknown['complete']} answers lost"
        )
    if len(completed_rows) != len(completions):
        problems.append(f"{len(completed_rows)} completed task rows, {len(completions)} events")
    for task_id, users in claims.items():
        if len(users) > 1:
            problems.append(f"task {task_id} claimed {len(users)} times: {users}")
    for task_id, users in ledger.claimed.items():
        if len(users) > 1:
            problems.append(f"task {task_id} claimed by {sorted(users)}: each was told yes")
        if task_id not in claims:
            problems.append(f"task {task_id}: claim acknowledged, no claim event")
        elif set(claims[task_id]) != users:
            problems.append(f"task {task_id}: told {users}, history says {claims[task_id]}")
    if filed < ledger.filed or filed - ledger.filed > ledger.unknown["file"]:
        problems.append(f"{ledger.filed} filings acknowledged, {filed} case_filed events")
    print(
        f"history: {filed} cases filed ({ledger.filed} acknowledged), "
        f"{sum(completions.values())} completions ({sum(map(len, ledger.completed.values()))} "
        f"acknowledged, {unacknowledged} unacknowledged), "
        f"{sum(map(len, claims.values()))} claims ({len(ledger.claimed)} acknowledged)"
    )
    return problems


def verify(deployment: Deployment) -> tuple[bool, str]:
    done = subprocess.run(
        [str(BIN / "prior-approval"), "verify"],
        env=deployment.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    summary = done.stdout.strip().splitlines()[-2:] or [done.stderr]  # cases, then the log
    return done.returncode == 0, "; ".join(line.strip() for line in summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-kill", action="store_true", help="no SIGKILLs")
    parser.add_argument("--postgres-restart", metavar="VERSION/CLUSTER", default=None)
    parser.add_argument("--admin-url", default=PG_ADMIN)
    args = parser.parse_args()
    if args.postgres_restart and ":5432/" in args.admin_url:
        parser.error("--postgres-restart needs a throwaway cluster, not the one on port 5432")

    with temporary_database(args.admin_url) as url:
        deployment = Deployment(url, web_workers=args.web_workers, workers=args.workers)
        deployment.migrate()
        add_secretaries(url)
        deployment.start()
        ledger, pool, kills = Ledger(), Pool(), Counter()
        stop, outage = threading.Event(), threading.Event()
        threads = [threading.Thread(target=filer, args=(deployment.base, pool, ledger, stop))]
        for n in range(args.clients):
            username = SECRETARIES[n % len(SECRETARIES)]
            threads.append(
                threading.Thread(
                    target=worker_client,
                    args=(deployment.base, username, pool, ledger, stop, outage),
                )
            )
        if not args.no_kill:
            threads.append(threading.Thread(target=chaos, args=(deployment, stop, kills)))
        if args.postgres_restart:
            threads.append(
                threading.Thread(
                    target=restart_postgres, args=(args.postgres_restart, outage, stop, ledger)
                )
            )
        began = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
        answers = dict(ledger.statuses)
        workers_alive = sum(p.poll() is None for p in deployment.background)
        deployment.stop()
        print(
            f"{args.clients} clients + 1 filer for {elapsed:.0f} s; kills: {dict(kills) or 'none'}"
        )
        print(f"answers: {dict(sorted(answers.items()))}")
        print(f"background workers running at the end: {workers_alive} of {args.workers}")
        if workers_alive < args.workers:
            problems_seen = ["a background worker exited on its own"]
        else:
            problems_seen = []
        problems = problems_seen + check(url, ledger)
        if args.postgres_restart:
            print(f"answers while PostgreSQL was down: {dict(ledger.outage_statuses)}")
            if any(status >= 500 and status != 503 for status in ledger.outage_statuses):
                problems.append("a request during the outage got a 5xx other than 503")
            if not ledger.outage_end or ledger.last_ok <= ledger.outage_end:
                problems.append("no request succeeded after PostgreSQL came back")
            else:
                print("requests succeeded again after PostgreSQL came back")
        if any(key.endswith(" 500") for key in ledger.statuses):
            problems.append("some requests got 500")
        ok, summary = verify(deployment)
        print(f"prior-approval verify: {summary}")
        if not ok:
            problems.append("verify found broken cases")
    for problem in problems:
        print("PROBLEM:", problem)
    print("fault suite: " + ("FAILED" if problems else "passed: 0 lost, 0 doubled, all verify"))
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    main()
