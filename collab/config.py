"""Configuration from the environment: defaults per environment (development or production),
then the conventional names platforms set (``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``),
then every ``KN_<NAME>`` variable (Flask's ``from_prefixed_env("KN")``; values that parse
as JSON are taken as JSON). README, "Operations", has the table of settings.

Outside development the application refuses to start without ``SECRET_KEY`` (workers that
generated their own keys would sign each other's sessions and CSRF tokens with different
keys), without ``DATABASE_URL`` and without ``REDIS_URL``.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

ENVIRONMENTS = ("development", "production")

#: conventional variables (as platforms and our Makefile set them) -> config key
ALIASES = {"SECRET_KEY": "SECRET_KEY", "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
           "REDIS_URL": "REDIS_URL", "MAIL_SERVER": "MAIL_SERVER", "MAIL_PORT": "MAIL_PORT",
           "MAIL_USERNAME": "MAIL_USERNAME", "MAIL_PASSWORD": "MAIL_PASSWORD",
           "MAIL_USE_TLS": "MAIL_USE_TLS", "MAIL_FROM": "MAIL_FROM",
           "BASE_URL": "BASE_URL",
           "MAP_TILES_URL": "MAP_TILES_URL", "MAP_TILES_ATTRIBUTION": "MAP_TILES_ATTRIBUTION"}


class ConfigError(RuntimeError):
    """The configuration cannot serve: the message says which variable to set."""


def environment(explicit: str | None = None) -> str:
    env = explicit or os.environ.get("KN_ENV") or "development"
    if env not in ENVIRONMENTS:
        raise ConfigError(f"KN_ENV={env!r}: expected one of {', '.join(ENVIRONMENTS)}")
    return env


def _dev_secret_key(instance_path: str) -> str:
    """Development only: a key generated once and kept in instance/. Created atomically
    (O_EXCL), so processes starting together all read the one key that was written first."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".secret_key.{os.getpid()}")
        tmp.write_text(secrets.token_hex(32))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # fails if another process was first: then read theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def database_url(url: str) -> str:
    """SQLAlchemy's spelling of a database URL (``postgres://`` and ``postgresql://`` use
    psycopg 3)."""
    if url.startswith("postgres://"):  # the old scheme name some hosts hand out
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def defaults(instance_path: str, env: str) -> dict:
    production = env == "production"
    return {
        "ENV": env,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(Path(instance_path) / "kommunalnetz.sqlite"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True} if production else {},
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",  # times are shown and entered in local time
        "LANGUAGES": ("de", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,  # bundles of national scale
        "PER_PAGE": 25,
        # sign-in throttling (Flask-Limiter): memory:// per process, or redis://… shared
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_LIMIT": "10 per 15 minutes",
        # the demo (make run, tests): demo accounts keep the password "demo"; otherwise
        # passwords need at least 10 characters
        "DEMO": os.environ.get("DEMO", "").lower() in ("1", "true", "yes"),
        "TOKEN_DAYS": 365,
        "SEEDS_DIR": "",  # set by the factory (the checkout's or the installed package's)
        # --- operations ---
        "REDIS_URL": None,
        # how reports are computed: "redis" (RQ workers), "thread" (one worker thread in
        # this process, `make run`), "inline" (at once, in the asking request: tests)
        "ANALYSIS_QUEUE": None,
        "ANALYSIS_QUEUE_NAME": "kommunalnetz-analysis",
        "ANALYSIS_JOB_TIMEOUT": 900,  # seconds one report may take before RQ stops it
        # seconds between two reports of one region (what-if, language): edits in quick
        # succession are analysed together, the last report shown meanwhile
        "ANALYSIS_MIN_INTERVAL": 2.0 if production else 0.0,
        # the analysis worker's CPU priority (nice, 0 to 19): on a host shared with the web
        # workers, pages go first and reports take the CPU time that is left
        "ANALYSIS_NICE": 10,
        # snapshots a region keeps at most (each holds the region's whole bundle): saving
        # one more is refused until the coordinator deletes older ones
        "SNAPSHOT_LIMIT": 100,
        "DEMO_ACCOUNTS": not production,  # seed the demo accounts; let password "demo" in
        "PROXY_FIX": 1 if production else 0,  # proxies in front that set X-Forwarded-*
        "HSTS_SECONDS": 31536000 if production else 0,  # sent only over TLS
        "LOG_FORMAT": "json" if production else "text",
        # --- mail (collab.notifications): without MAIL_SERVER mails go to the log and the
        # outbox page; sent by the workers of ANALYSIS_QUEUE, never inside a request ---
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_USE_TLS": False,
        "MAIL_FROM": "Kommunalnetz <noreply@localhost>",
        "MAIL_TIMEOUT": 10,  # seconds per SMTP conversation
        "MAIL_MAX_ATTEMPTS": 5,  # then the mail is marked failed (the outbox shows why)
        # the site's address for every link in a mail (never the request's Host header,
        # which a client chooses); required in production
        "BASE_URL": "" if production else f"http://127.0.0.1:{os.environ.get('PORT') or 5000}",
        "RESET_LIMIT": "5 per 15 minutes",  # "Passwort vergessen" per address and login
        "LOG_LEVEL": "INFO",
    }


def load(instance_path: str, env: str | None = None) -> dict:
    """The configuration in force, before a test's overrides (see :func:`check`)."""
    env = environment(env)
    values = defaults(instance_path, env)
    for variable, key in ALIASES.items():
        if os.environ.get(variable):
            values[key] = os.environ[variable]
    return values


def finish(config, instance_path: str) -> None:
    """After every source was applied: normalise, derive, and refuse what cannot serve."""
    env = config["ENV"]
    config["SQLALCHEMY_DATABASE_URI"] = database_url(config["SQLALCHEMY_DATABASE_URI"])
    config["MAIL_PORT"] = int(config.get("MAIL_PORT") or 25)
    if isinstance(config.get("MAIL_USE_TLS"), str):
        config["MAIL_USE_TLS"] = config["MAIL_USE_TLS"].lower() in ("1", "true", "yes", "on")
    if not config.get("ANALYSIS_QUEUE"):
        config["ANALYSIS_QUEUE"] = ("inline" if config.get("TESTING") else
                                    "redis" if config.get("REDIS_URL") else "thread")
    if config["ANALYSIS_QUEUE"] not in ("redis", "thread", "inline"):
        raise ConfigError("KN_ANALYSIS_QUEUE: expected redis, thread or inline")
    if config["ANALYSIS_QUEUE"] == "redis" and not config.get("REDIS_URL"):
        raise ConfigError("KN_ANALYSIS_QUEUE=redis needs REDIS_URL")
    if env == "production" and not config.get("TESTING"):
        missing = [name for name, present in (
            ("SECRET_KEY", config.get("SECRET_KEY")),
            ("DATABASE_URL", os.environ.get("DATABASE_URL")
             or os.environ.get("KN_SQLALCHEMY_DATABASE_URI")),
            ("REDIS_URL", config.get("REDIS_URL")),
            ("BASE_URL", config.get("BASE_URL"))) if not present]
        if missing:
            raise ConfigError(
                "production configuration: set " + ", ".join(missing) + " (see README, "
                "Operations); refusing to start")
        if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", str(config["BASE_URL"])):
            raise ConfigError("BASE_URL: the site's address as its users reach it, e.g. "
                              "https://kommunalnetz.example.de")
        if len(config["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY: at least 32 characters (e.g. `python3 -c "
                              "'import secrets; print(secrets.token_hex(32))'`)")
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _dev_secret_key(instance_path)
