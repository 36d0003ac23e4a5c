"""Gunicorn's settings for ``make serve`` and the container (``gunicorn -c`` this file):
the port from ``PORT``, workers from ``WEB_CONCURRENCY``, threads from ``KN_THREADS``,
logs as JSON lines on stdout (the app writes one access line per request itself)."""

import os

bind = os.environ.get("KN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
worker_class = "gthread"
threads = int(os.environ.get("KN_THREADS") or 4)
timeout = int(os.environ.get("KN_REQUEST_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5
# recycle workers now and then: bounds slow memory growth of long-running processes (rarely:
# a fresh worker starts with empty caches; 5,000 was under ten seconds of load)
max_requests = 100_000
max_requests_jitter = 10_000
accesslog = None
errorlog = "-"
loglevel = os.environ.get("KN_LOG_LEVEL", "info").lower()
proc_name = "kommunalnetz"
if (os.environ.get("KN_LOG_FORMAT") or "json") == "json":
    logconfig_dict = {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": "collab.ops.logs.JsonFormatter"}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json",
                                "stream": "ext://sys.stdout"}},
        "loggers": {"gunicorn.error": {"handlers": ["stdout"], "level": loglevel.upper(),
                                       "propagate": False}},
        "root": {"handlers": ["stdout"], "level": loglevel.upper()},
    }


def post_worker_init(worker):
    """Move everything loaded at start (modules, the app) out of the garbage collector's
    reach: its full collections then walk only what requests made (caches of large
    networks), not the whole process again and again."""
    import gc

    gc.freeze()
