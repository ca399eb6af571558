"""Backup and restore of the database: pg_dump/pg_restore, or SQLite's online backup.

PostgreSQL is dumped in pg_dump's custom format (compressed; pg_restore can restore it
into an empty database or over an existing one). SQLite is copied page by page with the
online backup API, which gives a consistent copy while the service keeps running. The
password of a PostgreSQL URL goes to the tools through PGPASSWORD, never on a command
line that other users of the machine could read. Uploaded files live in ATTACHMENT_DIR,
outside the database: back that folder up with the dump (see docs/operations.md).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    """A backup or restore could not run; the message says why in one line."""


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _libpq_env(url: URL) -> dict[str, str]:
    """The connection as libpq environment variables for pg_dump and pg_restore."""
    env = dict(os.environ)
    parts = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    env.update({key: value for key, value in parts.items() if value})
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} not found: install the PostgreSQL client") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{command[0]} failed: {last}")


def _copy_sqlite(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        try:
            src.execute("PRAGMA schema_version")
            src.backup(dst)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source}: {exc}") from exc


def backup(database_url: str, output: Path) -> None:
    """Write a consistent copy of the database to ``output``."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"no database file {source}")
        output.unlink(missing_ok=True)
        _copy_sqlite(source, output)
    elif url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={output}"], _libpq_env(url))
    else:
        raise BackupError(f"cannot back up a {url.get_backend_name()} database")


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with the backup in ``source``.

    Stop the web service and the workers first: the restored data is the truth, and a
    request running meanwhile would write into a database about to be replaced.
    """
    if not source.is_file():
        raise BackupError(f"no backup file {source}")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(source, _sqlite_path(url))
    elif url.get_backend_name() == "postgresql":
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={url.database}",
                str(source),
            ],
            _libpq_env(url),
        )
    else:
        raise BackupError(f"cannot restore a {url.get_backend_name()} database")
