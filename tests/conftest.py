"""Fixtures: every database test runs once on SQLite and once on PostgreSQL.

``TEST_DATABASES`` (default "sqlite,postgresql") names the backends. PostgreSQL is
never skipped: if it is asked for and cannot be reached, the tests fail.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Engine, create_engine, text
from werkzeug.serving import make_server

from service.app import create_app
from service.cases.case_service import CaseService
from service.core.clock import FixedClock
from service.core.db import make_engine, make_sessionmaker, upgrade
from service.core.models import Base
from service.demo.district import load_demo
from workflows.engine import patches
from workflows.work_calendar import SHANGHAI

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CHROMIUM = Path("/usr/bin/chromium")
BACKENDS = [b.strip() for b in os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",")]


def pytest_configure(config: pytest.Config) -> None:
    """The engine's patches to SpiffWorkflow, applied once as every entry point does."""
    patches.install()


def _postgres_database() -> tuple[str, Engine]:
    name = f"pa_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return name, admin


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    """A freshly migrated database of each backend, for the whole session."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        url = f"sqlite:///{path}"
        upgrade(make_engine(url))
        yield url
        return
    name, admin = _postgres_database()
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db_engine(database_url: str) -> Iterator[Engine]:
    """The session's database emptied of rows, so each test starts from the demo data."""
    engine = make_engine(database_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """Monday 2026-03-02 09:00 in Shanghai: an ordinary working day."""
    return FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def service(db_engine: Engine, clock: FixedClock) -> CaseService:
    svc = CaseService(make_sessionmaker(db_engine), clock)
    svc.deploy_models()
    with svc.transaction() as session:
        load_demo(session)
    return svc


# -- the browser tests: Debian's Chromium and the app served on a free local port ----


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is missing at /usr/bin/chromium: run ./setup.sh "
            "(apt-get install chromium fonts-noto-cjk)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--lang=zh-CN",
            ],
            env={**os.environ, "LANGUAGE": "zh_CN", "LANG": "zh_CN.UTF-8"},
        )
        yield browser
        browser.close()


@pytest.fixture
def site(service: CaseService, tmp_path: Path) -> Iterator[str]:
    app = create_app({"TESTING": True, "ATTACHMENT_DIR": str(tmp_path / "files")}, service=service)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
