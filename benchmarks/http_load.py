"""Benchmark: concurrent users filing and completing over HTTP under gunicorn on PostgreSQL.

Runs what the containers run (docker/compose.yaml): ``prior-approval init-db`` on a new
PostgreSQL database, gunicorn with docker/gunicorn.conf.py and ``--web-workers``
workers, and ``--workers`` background worker processes. Each client thread is one pair
of users: the owners' committee files a case (POST /api/v1/cases) and the party
secretary completes its acceptance check (POST /api/v1/tasks/<id>/complete), over and
over for ``--seconds``. Prints completions/s, filings/s, p50/p95 latency of each, and the
resident memory (VmRSS) of every gunicorn worker after the load.

    .venv/bin/python benchmarks/http_load.py [--web-workers 4] [--clients 8] [--seconds 30]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import Counter

from serving import ACCEPT, FILING, Client, Deployment, percentile, rss_mb, temporary_database


def run(web_workers: int, workers: int, clients: int, seconds: float) -> None:
    with temporary_database() as url:
        deployment = Deployment(url, web_workers=web_workers, workers=workers)
        deployment.migrate()
        deployment.start()
        try:
            filings: list[float] = []
            completions: list[float] = []
            failures: Counter[str] = Counter()
            lock = threading.Lock()
            ready = threading.Barrier(clients + 1)
            stop_at = [0.0]

            def user() -> None:
                committee = Client(deployment.base, "committee")
                secretary = Client(deployment.base, "secretary")
                ready.wait()
                while time.monotonic() < stop_at[0]:
                    started = time.perf_counter()
                    status, body = committee.call("POST", "/api/v1/cases", FILING)
                    filed = time.perf_counter()
                    if status != 201:
                        with lock:
                            failures[f"file {status}"] += 1
                        continue
                    task_id = body["open_tasks"][0]["id"]
                    status, _body = secretary.call(
                        "POST", f"/api/v1/tasks/{task_id}/complete", ACCEPT
                    )
                    done = time.perf_counter()
                    with lock:
                        filings.append(filed - started)
                        if status == 200:
                            completions.append(done - filed)
                        else:
                            failures[f"complete {status}"] += 1

            threads = [threading.Thread(target=user) for _ in range(clients)]
            for thread in threads:
                thread.start()
            stop_at[0] = time.monotonic() + seconds
            ready.wait()
            began = time.perf_counter()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - began
            rss = [rss_mb(pid) for pid in deployment.web_worker_pids()]
        finally:
            deployment.stop()
    print(
        f"HTTP load: gunicorn {web_workers} workers + {workers} background workers, "
        f"PostgreSQL, {clients} concurrent users, {elapsed:.1f} s"
    )
    print(
        f"  completions: {len(completions)} = {len(completions) / elapsed:.1f}/s, "
        f"p50 {percentile(completions, 0.5) * 1000:.1f} ms, "
        f"p95 {percentile(completions, 0.95) * 1000:.1f} ms (target >= 300/s)"
    )
    print(
        f"  filings:     {len(filings)} = {len(filings) / elapsed:.1f}/s, "
        f"p50 {percentile(filings, 0.5) * 1000:.1f} ms, "
        f"p95 {percentile(filings, 0.95) * 1000:.1f} ms"
    )
    print(
        f"  requests:    {(len(completions) + len(filings)) / elapsed:.1f}/s"
        + (f"; failures {dict(failures)}" if failures else "; no failures")
    )
    print(
        "  web worker RSS after load: "
        + ", ".join(f"{mb:.0f} MB" for mb in rss)
        + f" (max {max(rss, default=0):.0f} MB, target <= 150 MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="background worker processes")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    run(args.web_workers, args.workers, args.clients, args.seconds)


if __name__ == "__main__":
    main()
