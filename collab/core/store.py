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

import sqlalchemy as sa
from flask_babel import gettext as _
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


def require(allowed: bool, reason: str | None = None) -> None:
    if not allowed:
        raise Forbidden(description=reason)


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
            bump(region)
        db.session.add(Activity(
            region_id=region.id if region is not None else None,
            user_id=user.id if user is not None and user.is_authenticated else None,
            action=action, target=target, summary=summary))
        db.session.commit()
    except sa.exc.IntegrityError:
        # a concurrent request won a race the checks before could not see (a unique key,
        # one pending application): the loser gets 409, nothing is changed
        db.session.rollback()
        raise Conflict(_("Eine gleichzeitige Änderung ist Ihnen zuvorgekommen; es wurde "
                         "nichts gespeichert. Bitte laden Sie die Seite neu.")) from None
    except BaseException:
        db.session.rollback()
        raise


def bump(region: Region) -> None:
    """Raise the region's data version by one in the database itself (``data_version + 1``
    in the UPDATE), so concurrent changes each count and none is lost."""
    if region.id is None:
        region.data_version = (region.data_version or 0) + 1
    else:
        region.data_version = Region.data_version + 1


def lock(region: Region) -> None:
    """Hold the region's row until the transaction ends (``SELECT … FOR UPDATE`` on
    PostgreSQL; SQLite has one writer at a time anyway). Use cases that check and then
    write (one ballot, one pending application, one draft title, one import at a time) lock
    first and read the state they check afterwards, so concurrent requests take turns and the
    loser sees the winner's result (409)."""
    db.session.refresh(region, with_for_update=True)


def touch_other_regions(municipalities: list, region: Region | None, user: User | None,
                        action: str) -> None:
    """A shared municipality's facts changed: every other region it belongs to logs the
    change and its analysis follows (data version)."""
    from collab.core.models import RegionMembership

    for municipality in municipalities:
        for membership in db.session.scalars(sa.select(RegionMembership).filter_by(
                municipality_id=municipality.id)):
            other = membership.region
            if region is not None and other.id == region.id:
                continue
            bump(other)
            db.session.add(Activity(
                region_id=other.id,
                user_id=user.id if user is not None and user.is_authenticated else None,
                action="municipality.update", target=municipality.key,
                summary=_("%(n)s: Angaben geändert (aus %(r)s, %(a)s)", n=municipality.name,
                          r=region.name if region is not None else "-", a=action)))


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
