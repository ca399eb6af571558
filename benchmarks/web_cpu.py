"""Benchmark: the web worker's CPU per API request, in-process, on PostgreSQL.

The HTTP benchmarks share two cores between gunicorn, PostgreSQL and the load generator,
and this machine's speed moves from hour to hour; CPU seconds of the one process that
serves requests isolate the web worker's own cost. The Flask app runs in this process
(the test client, no sockets) against a temporary PostgreSQL database; the script
times, in process CPU (``time.process_time``): filings (answered with the case detail),
completions answered with ``Prefer: return=minimal`` and completions answered with the
case detail, each after a warm-up so statements are prepared and caches filled.

    .venv/bin/python benchmarks/web_cpu.py [--requests 300]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from flask.testing import FlaskClient
from serving import ACCEPT, FILING, Deployment, temporary_database
from sqlalchemy import select

from service.app import create_app
from service.core.models import HumanTask

WARM_UP = 30


def _token(client: FlaskClient, username: str) -> dict[str, str]:
    answer = client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": "demo12345", "name": "web_cpu"},
    )
    return {"Authorization": f"Bearer {answer.json['token']}"}


def _cpu_ms(requests: int, send: Callable[[int], int], expected: int) -> float:
    for n in range(WARM_UP):
        assert send(n) == expected
    started = time.process_time()
    for n in range(WARM_UP, WARM_UP + requests):
        status = send(n)
        if status != expected:
            raise RuntimeError(f"request {n} answered {status}, not {expected}")
    return (time.process_time() - started) * 1000 / requests


def measure(requests: int) -> dict[str, float]:
    with temporary_database() as url:
        Deployment(url, web_workers=1, workers=0).migrate()
        app = create_app({"DATABASE_URL": url})
        client = app.test_client()
        committee = _token(client, "committee")
        secretary = _token(client, "secretary")
        per_run = WARM_UP + requests
        results = {
            "filing (answer: case detail)": _cpu_ms(
                requests,
                lambda _n: client.post("/api/v1/cases", json=FILING, headers=committee).status_code,
                201,
            )
        }
        # The filing run's cases serve the minimal run; these serve the detail run.
        for _ in range(per_run):
            client.post("/api/v1/cases", json=FILING, headers=committee)
        with app.extensions["case_service"].sessions() as session:
            tasks = list(
                session.scalars(
                    select(HumanTask.id)
                    .where(HumanTask.bpmn_id == "acceptance_check", HumanTask.status == "open")
                    .order_by(HumanTask.id)
                )
            )

        def completions(first: int, headers: dict[str, str], expected: int) -> float:
            return _cpu_ms(
                requests,
                lambda n: (
                    client.post(
                        f"/api/v1/tasks/{tasks[first + n]}/complete", json=ACCEPT, headers=headers
                    ).status_code
                ),
                expected,
            )

        minimal = {**secretary, "Prefer": "return=minimal"}
        results["completion (answer: 204, return=minimal)"] = completions(0, minimal, 204)
        results["completion (answer: case detail)"] = completions(per_run, secretary, 200)
        app.extensions["case_service"].sessions.kw["bind"].dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="timed requests of each kind")
    args = parser.parse_args()
    for name, ms in measure(args.requests).items():
        print(f"web worker CPU per request, {name}: {ms:.2f} ms")


if __name__ == "__main__":
    main()
