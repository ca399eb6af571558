"""What the HTTP benchmarks and the fault suite share: the service run as the containers run it.

``Deployment`` migrates a database with ``prior-approval init-db`` (the compose file's
``migrate`` step), loads the demo people, starts gunicorn with docker/gunicorn.conf.py
and ``prior-approval worker`` processes, all on 127.0.0.1. ``Client`` is one user's
keep-alive connection to the API.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from service.cases.case_service import CaseService
from service.core.clock import Clock
from service.core.db import make_engine, make_sessionmaker
from service.demo.district import load_demo

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# Parking allocation: not an exclusive matter, so any number may be open at one estate.
FILING: dict[str, Any] = {
    "matter_type": "parking_allocation",
    "estate": "E01",
    "request": {
        "title": "关于车位分配方案的请示",
        "reasons": "业主排队等候车位，需要制定分配方案",
        "legal_basis": "民法典第二百七十六条",
        "plan": "分配方案见附件",
        "affected_area": "12345.67",
        "affected_owners": 120,
        "attachments": [],
        "sub_type": "allocation",
        "spaces_planned": 120,
        "spaces_common_land": 30,
        "spaces_civil_defence": 40,
        "owners_waiting": 15,
        "non_owner_leases": 0,
        "committee_members_total": 7,
        "committee_members_present": 6,
        "committee_members_agreeing": 5,
    },
}
ACCEPT = {"data": {"acceptance_decision": "accept"}}


@contextmanager
def temporary_database(admin_url: str = PG_ADMIN) -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    name = f"pa_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS in /proc/<pid>/status), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@dataclass
class Deployment:
    """gunicorn and worker processes against one database, as docker/compose.yaml runs them."""

    url: str
    web_workers: int = 4
    workers: int = 2
    worker_interval: float = 1.0
    port: int = field(default_factory=free_port)
    web: subprocess.Popen | None = None
    background: list[subprocess.Popen] = field(default_factory=list)
    log: Path = field(default_factory=lambda: Path(f"/tmp/pa_bench_{uuid.uuid4().hex[:6]}.log"))

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "SECRET_KEY": "benchmark-only-secret",
            "WEB_CONCURRENCY": str(self.web_workers),
            "BIND": f"127.0.0.1:{self.port}",
            "LOG_LEVEL": "WARNING",
            "ATTACHMENT_DIR": f"/tmp/pa_bench_attachments_{self.port}",
        }

    def migrate(self) -> None:
        """``prior-approval init-db`` (the migrate service), then the demo people."""
        subprocess.run([str(BIN / "prior-approval"), "init-db"], env=self.env(), check=True)
        service = CaseService(make_sessionmaker(make_engine(self.url)), Clock())
        with service.transaction() as session:
            load_demo(session)
        service.sessions.kw["bind"].dispose()

    def start_web(self) -> None:
        with self.log.open("a") as out:
            self.web = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "--config",
                    str(ROOT / "docker" / "gunicorn.conf.py"),
                    "service.app:create_app()",
                ],
                cwd=ROOT,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.wait_until_up()

    def start_worker(self) -> subprocess.Popen:
        with self.log.open("a") as out:
            process = subprocess.Popen(
                [
                    str(BIN / "prior-approval"),
                    "worker",
                    "--interval",
                    str(self.worker_interval),
                ],
                cwd=ROOT,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.background.append(process)
        return process

    def start(self) -> None:
        self.start_web()
        for _ in range(self.workers):
            self.start_worker()

    def web_worker_pids(self) -> list[int]:
        return children(self.web.pid) if self.web else []

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.web and self.web.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self) -> None:
        for process in [self.web, *self.background]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [self.web, *self.background]:
            if process is None:
                continue
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Client:
    """One user: a keep-alive connection and a bearer token; reconnects after errors."""

    def __init__(self, base: str, username: str, password: str = "demo12345") -> None:
        self.host, self.port = base.removeprefix("http://").split(":")
        self.connection: http.client.HTTPConnection | None = None
        self.token = ""
        status, body = self.call(
            "POST",
            "/api/v1/auth/token",
            {"username": username, "password": password, "name": "bench"},
            auth=False,
        )
        if status != 201:
            raise RuntimeError(f"cannot sign in as {username}: {status} {body}")
        self.token = body["token"]

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        auth: bool = True,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """(status, parsed JSON or None); status 0 when the connection failed."""
        headers = {"Content-Type": "application/json", **(headers or {})}
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, int(self.port), timeout=60)
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, None
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def percentile(samples: list[float], share: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * share + 0.5) - 1))]
