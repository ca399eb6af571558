"""Operations on both databases: backup and restore, and schema upgrades with data in them.

The upgrade test builds a database at revision 0001 (the first release's schema) holding
real cases: they are worked at head, then copied column by column into the 0001 schema,
which is then upgraded to head; every case must still verify and go on working.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PG_ADMIN_URL
from sqlalchemy import Engine, MetaData, create_engine, func, inspect, select, text

from service.cases.case_service import CaseService
from service.cli.backup import BackupError, backup, restore
from service.core.clock import FixedClock
from service.core.db import make_engine, make_sessionmaker, upgrade
from service.core.errors import OpenCaseExists
from service.core.logs import AccessJsonFormatter, JsonFormatter
from service.core.models import Case, CaseEvent
from service.demo.cases import complete_step, drive, step_payload
from service.history.replay import verify_all


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same backend as ``database_url``, dropped afterwards."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    name = f"pa_ops_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _cases(service: CaseService) -> list[int]:
    closed = drive(service, "firm_entry")
    returned = drive(service, "firm_entry", path="return_once", stop_before="written_reply")
    filed = drive(service, "firm_exit", stop_before="acceptance_check")
    return [closed, returned, filed]


def _events(engine: Engine) -> list[tuple[int, int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.hash).order_by(CaseEvent.id)
        )
        return [tuple(row) for row in rows]


def _service_on(url: str, clock: FixedClock) -> CaseService:
    return CaseService(make_sessionmaker(make_engine(url)), clock)


def test_backup_and_restore_into_an_empty_database(
    service: CaseService, database_url: str, scratch_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    _cases(service)
    engine = service.sessions.kw["bind"]
    dump = tmp_path / "backup.dump"
    backup(database_url, dump)
    assert dump.stat().st_size > 0

    restore(scratch_url, dump)
    restored = _service_on(scratch_url, clock)
    assert _events(restored.sessions.kw["bind"]) == _events(engine)
    with restored.sessions() as session:
        assert all(result.ok for result in verify_all(session))
    restored.sessions.kw["bind"].dispose()


def test_restore_over_a_database_takes_it_back_to_the_backup(
    service: CaseService, database_url: str, tmp_path: Path
) -> None:
    returned = drive(service, "firm_entry", path="return_once", stop_before="written_reply")
    engine = service.sessions.kw["bind"]
    before = _events(engine)
    dump = tmp_path / "backup.dump"
    backup(database_url, dump)
    complete_step(
        service,
        returned,
        "written_reply",
        step_payload("firm_entry", "written_reply", service.clock.now()),
    )
    drive(service, "firm_exit")
    assert _events(engine) != before

    engine.dispose()
    restore(database_url, dump)
    assert _events(engine) == before
    with service.sessions() as session:
        assert all(result.ok for result in verify_all(session))
        assert session.get(Case, returned).status == "running"


def test_restore_refuses_a_file_that_is_not_a_backup(
    database_url: str, scratch_url: str, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"not a backup at all" * 100)
    with pytest.raises(BackupError):
        restore(scratch_url, junk)
    with pytest.raises(BackupError):
        restore(scratch_url, tmp_path / "missing.dump")


def test_upgrade_from_an_empty_database_to_head(scratch_url: str) -> None:
    engine = make_engine(scratch_url)
    upgrade(engine)
    upgrade(engine)  # running it again on an up-to-date schema changes nothing
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == _head()
    assert {"cases", "case_events", "human_tasks", "notifications"} <= set(
        inspect(engine).get_table_names()
    )
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            compression = conn.scalar(
                text(
                    "SELECT attcompression FROM pg_attribute "
                    "WHERE attrelid = 'case_states'::regclass AND attname = 'state'"
                )
            )
        assert compression == "l", "engine states are compressed with lz4"
    engine.dispose()


def _head() -> str:
    from alembic.script import ScriptDirectory

    from service.core.db import alembic_config

    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()


def _copy_into_0001(source: Engine, target: Engine) -> None:
    """Every row of the 0001 tables, with only the columns those tables had at 0001."""
    old = MetaData()
    old.reflect(target)
    with source.connect() as src, target.begin() as dst:
        for table in old.sorted_tables:
            if table.name == "alembic_version":
                continue
            batch = [dict(row) for row in src.execute(select(table)).mappings()]
            if batch:
                dst.execute(table.insert(), batch)
        if target.dialect.name == "postgresql":
            for table in old.sorted_tables:
                if "id" in table.columns and table.name != "alembic_version":
                    dst.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )


def test_upgrade_from_0001_with_cases_in_it(
    service: CaseService, scratch_url: str, clock: FixedClock
) -> None:
    closed, returned, filed = _cases(service)
    events = _events(service.sessions.kw["bind"])
    target = make_engine(scratch_url)
    upgrade(target, "0001")
    _copy_into_0001(service.sessions.kw["bind"], target)

    upgrade(target)
    upgraded = CaseService(make_sessionmaker(target), clock)
    assert _events(target) == events
    with upgraded.sessions() as session:
        assert [r.case_id for r in verify_all(session) if not r.ok] == []
        assert session.scalar(select(func.count()).select_from(Case)) == 3
    complete_step(
        upgraded,
        returned,
        "written_reply",
        step_payload("firm_entry", "written_reply", clock.now()),
    )
    complete_step(
        upgraded,
        filed,
        "acceptance_check",
        step_payload("firm_exit", "acceptance_check", clock.now()),
    )
    with pytest.raises(OpenCaseExists):  # 0013 gave the open firm entry its exclusive key
        drive(upgraded, "firm_entry")
    drive(upgraded, "parking_allocation")
    with upgraded.sessions() as session:
        assert all(r.ok for r in verify_all(session))
        assert session.get(Case, closed).status == "closed"
    target.dispose()


def test_log_records_are_json_lines() -> None:
    record = logging.LogRecord("service.worker", logging.INFO, "", 0, "pass: %s", ("ok",), None)
    record.case_id = 7
    entry = json.loads(JsonFormatter().format(record))
    assert (entry["level"], entry["logger"], entry["message"], entry["case_id"]) == (
        "INFO",
        "service.worker",
        "pass: ok",
        7,
    )
    atoms = {"h": "127.0.0.1", "m": "GET", "U": '/a"b', "q": "", "s": "200", "D": "1500"}
    access = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, "%(h)s", (), None)
    access.args = atoms
    line = json.loads(AccessJsonFormatter().format(access))
    assert (line["path"], line["status"], line["duration_us"]) == ('/a"b', 200, 1500)
