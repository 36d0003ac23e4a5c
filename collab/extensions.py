"""The Flask extensions, created unbound and wired in the factory with ``init_app``."""

import sqlite3

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
#: throttles sign-in (collab.accounts.pages); storage from RATELIMIT_STORAGE_URI
#: (memory:// by default, Redis in production)
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _enforce_foreign_keys(dbapi_connection, _record) -> None:
    """SQLite checks foreign keys (and runs their ON DELETE rules) only when asked, per
    connection: ask on every connection, so that SQLite and PostgreSQL keep the same
    integrity. (The migrations switch it off while they rebuild tables, see
    migrations/env.py.)

    A database file is also switched to write-ahead logging, and a connection waits up to
    30 s for another's write: under ``make run`` the analysis thread reads a large region
    for seconds, and without WAL an edit meanwhile failed with "database is locked"."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        files = [row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"]
        if files and files[0]:  # a file, not :memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
