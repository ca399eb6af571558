"""Logs as JSON lines on stdout, one object per record, for the web and the worker.

A container platform collects stdout; one JSON object per line lets it index the level,
the logger and the message without parsing free text. LOG_LEVEL sets the level
(default INFO).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else was passed in ``extra`` and is logged too.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC ISO 8601), level, logger, message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# gunicorn access-log atom → field name in the JSON line.
ACCESS_FIELDS = {
    "h": "remote",
    "m": "method",
    "U": "path",
    "q": "query",
    "s": "status",
    "B": "bytes",
    "D": "duration_us",
    "a": "agent",
}


class AccessJsonFormatter(logging.Formatter):
    """gunicorn's access records as JSON: the fields taken from its atoms, safely quoted."""

    def format(self, record: logging.LogRecord) -> str:
        atoms = record.args if isinstance(record.args, dict) else {}
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        for atom, name in ACCESS_FIELDS.items():
            value = atoms.get(atom)
            entry[name] = int(value) if name in ("status", "duration_us") and value else value
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_level() -> str:
    return os.environ.get("LOG_LEVEL", "INFO").upper()


def configure_json_logging() -> None:
    """Route the root logger to stdout as JSON lines at LOG_LEVEL."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(log_level())
