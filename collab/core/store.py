"""The one place that commits: :func:`change` runs a use case as one unit.

The use cases themselves live in each feature's ``services`` module. Every change checks
the permission again, validates with :mod:`collab.core.validation`, and runs inside
:func:`change`, which records an :class:`Activity`, bumps the region's ``data_version`` (the
analysis cache key) and commits; on any error it rolls back, so bad input changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.exceptions import Forbidden

from collab.core.models import (
    Activity,
    Region,
    User,
)
from collab.core.validation import Problem, ValidationError
from collab.extensions import db


class Conflict(Exception):
    """The change collides with existing data (a key taken, a vote already cast): 409."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def require(allowed: bool) -> None:
    if not allowed:
        raise Forbidden()


@contextmanager
def change(region: Region | None, user: User | None, action: str, target: str = "",
           summary: str = "", *, data: bool = True) -> Iterator[None]:
    """Run a change as one unit: record it, bump the region's data version, commit.

    ``data=False`` is for state that is not network data (the view's node positions): the
    change is recorded and committed, but the data version, and with it every cached
    analysis and graph of the region, stays as it is.
    Any exception rolls everything back and propagates.
    """
    try:
        yield
        if region is not None and data:
            region.data_version = (region.data_version or 0) + 1
        db.session.add(Activity(
            region_id=region.id if region is not None else None,
            user_id=user.id if user is not None and user.is_authenticated else None,
            action=action, target=target, summary=summary))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def raise_if(problems: list[Problem]) -> None:
    if problems:
        raise ValidationError(problems)


def differs(obj: Any, data: dict, names: tuple[str, ...]) -> bool:
    """Whether applying ``data`` would change any of ``names`` on ``obj`` (an update that
    changes nothing is neither written nor recorded)."""
    for name in names:
        if name not in data:
            continue
        have, want = getattr(obj, name), data[name]
        if isinstance(have, list) and isinstance(want, list | tuple):
            have, want = sorted(have), sorted(want)
        if have != want:
            return True
    return False
