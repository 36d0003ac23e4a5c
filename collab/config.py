"""Configuration from the environment, with defaults for a local start."""

import os
import secrets
from pathlib import Path


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "kommunalnetz.sqlite")
    if url.startswith("postgres://"):  # the old scheme name some hosts hand out
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def load(instance_path: str) -> dict:
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",  # times are shown and entered in local time
        "LANGUAGES": ("de", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,  # bundles of national scale
        "PER_PAGE": 25,
        # sign-in throttling (Flask-Limiter): memory:// per process, or redis://… shared
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_LIMIT": "10 per 15 minutes",
        # the demo (make run, tests): demo accounts keep the password "demo"; otherwise
        # passwords need at least 10 characters
        "DEMO": os.environ.get("DEMO", "").lower() in ("1", "true", "yes"),
        "TOKEN_DAYS": 365,
        "SEEDS_DIR": str(Path(__file__).resolve().parent.parent / "seeds"),
    }
