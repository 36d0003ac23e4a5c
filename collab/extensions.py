"""The Flask extensions, created unbound and wired in the factory with ``init_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
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
