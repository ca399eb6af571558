"""gunicorn settings for the web service: everything from the environment, logs as JSON.

Run: gunicorn -c docker/gunicorn.conf.py "service.app:create_app()"
See docs/operations.md for the variables.
"""

import gc
import os

from service.core.logs import AccessJsonFormatter, JsonFormatter, log_level

if not os.environ.get("SECRET_KEY"):
    raise SystemExit("SECRET_KEY is not set: refusing to sign sessions with a known key")
if not os.environ.get("DATABASE_URL"):
    raise SystemExit("DATABASE_URL is not set")

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker that has served this many requests is replaced, which bounds its memory.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(_worker) -> None:
    """Exempt what start-up loaded (Flask, SQLAlchemy, the app) from garbage collection.

    Requests allocate enough to trigger a full collection every few hundred requests, and
    each one walked every start-up object too (about 70 ms in process); frozen, they are
    never scanned again.
    """
    gc.collect()
    gc.freeze()


accesslog = "-"
errorlog = "-"
loglevel = log_level().lower()
# AccessJsonFormatter takes the request's fields from gunicorn's atoms, one JSON line each.

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonFormatter}, "access": {"()": AccessJsonFormatter}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": log_level(), "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": log_level(), "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
}
