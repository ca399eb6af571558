"""Database connection and schema migrations.

SQLite (a file, zero set-up) is the embedded default; PostgreSQL is production. The
schema is created and upgraded only through alembic migrations, on both.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

# The session a page or an API handler holds and hands to the service functions, and the
# database errors the HTTP edge answers: named here so neither imports SQLAlchemy.
DatabaseError = exc.DBAPIError

DEFAULT_URL = "sqlite:///instance/prior_approval.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def database_url() -> str:
    return os.environ.get("DATABASE_URL", DEFAULT_URL)


def make_engine(url: str | None = None) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout for concurrent use."""
    url = url or database_url()
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    engine = create_engine(url)
    _ping_when_idle(engine)
    return engine


# A pooled connection unused for this long is pinged before it is handed out.
IDLE_BEFORE_PING = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has sat idle.

    A connection that sat in the pool may have been closed by PostgreSQL (a restart, an
    idle timeout) or the network; it is tested and replaced before a request sees it.
    ``pool_pre_ping`` did this on every checkout, two round trips per API request (the
    token check and the request's transaction each take a connection). A connection in
    steady use that breaks fails its statement instead: SQLAlchemy then discards every
    pooled connection opened before the failure, the request is answered 503 with
    Retry-After, and the next one gets a fresh connection.
    """

    @event.listens_for(engine, "checkin")
    def _note_return(_dbapi_connection, record) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < IDLE_BEFORE_PING:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool replaces the connection and checks out another.
            raise exc.DisconnectionError() from error


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (creates it on an empty database)."""
    command.upgrade(alembic_config(engine), revision)


def database_failure(error: DatabaseError) -> str:
    """What a failed statement means for the caller: "conflict" when a write lost a race
    with another one, "unavailable" when the database cannot answer now, "invalid" for a
    value the database refuses to store."""
    if isinstance(error, exc.IntegrityError):
        return "conflict"
    if isinstance(error, exc.OperationalError):
        return "unavailable"
    return "invalid"
