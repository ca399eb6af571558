"""Pooled PostgreSQL connections the server has closed are replaced without manual steps:
an idle one before use; a busy one after its statement fails (answered 503)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import PG_ADMIN_URL
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from service.core import db
from service.core.db import make_engine


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = make_engine(PG_ADMIN_URL)
    yield engine
    engine.dispose()


def _server_closes_the_pooled_connection(engine: Engine) -> int:
    with engine.connect() as conn:
        pid = conn.scalar(text("SELECT pg_backend_pid()"))
    outsider = create_engine(PG_ADMIN_URL, poolclass=NullPool)
    with outsider.connect() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    outsider.dispose()
    return pid


def _backend(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT pg_backend_pid()"))


def test_an_idle_connection_closed_by_the_server_is_replaced_before_use(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = _server_closes_the_pooled_connection(engine)
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 0.0)
    assert _backend(engine) != closed


def test_a_busy_connection_closed_by_the_server_fails_once_then_is_replaced(
    engine: Engine,
) -> None:
    closed = _server_closes_the_pooled_connection(engine)
    # Used a moment ago, it is handed out without a ping, and its statement fails.
    with pytest.raises(OperationalError), engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert _backend(engine) != closed
