"""The production entry point: ``gunicorn collab.wsgi:app`` and ``flask --app collab.wsgi
<command>`` on a production host. The production configuration applies unless ``KN_ENV``
says otherwise (see :mod:`collab.config`)."""

import os

from collab import create_app
from collab.ops import logs

app = create_app(env=os.environ.get("KN_ENV") or "production")
logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
