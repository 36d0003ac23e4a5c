"""The one place that commits: :func:`change` runs a use case as one unit.

The use cases themselves live in each feature's ``services`` module. Every change checks
the permission again, validates with :mod:`collab.core.validation`, and runs inside
:func:`change`, which records an :class:`Activity`, bumps the region's ``data_version`` (the
analysis cache key) and commits; on any error it rolls back, so bad input changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden, NotFound

from collab.core.models import (
    Activity,
    Region,
    User,
    utcnow,
)
from collab.core.validation import Problem, ValidationError
from collab.extensions import db


class Conflict(Exception):
    """The change collides with existing data (a key taken, a vote already cast): 409."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


class Busy(Exception):
    """Another writer held the database for longer than a writer waits (SQLite's busy
    timeout of 30 s, a lock timeout or deadlock on PostgreSQL): nothing was saved, and the
    same request will most likely succeed in a moment (503, not 500)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


#: what PostgreSQL answers a writer it made give up: lock timeout, deadlock, serialization
BUSY_SQLSTATES = ("55P03", "40P01", "40001")


def database_busy(exc: sa.exc.OperationalError) -> bool:
    """Whether ``exc`` says the database was busy with another writer (and not broken)."""
    return ("database is locked" in str(exc.orig) or "database table is locked" in str(exc.orig)
            or getattr(exc.orig, "sqlite_errorname", None) in ("SQLITE_BUSY", "SQLITE_LOCKED")
            or getattr(exc.orig, "sqlstate", None) in BUSY_SQLSTATES)


@contextmanager
def busy_is_retry() -> Iterator[None]:
    """Turn a writer's wait for a busy database that ran out into :class:`Busy`, after the
    transaction is rolled back (for a page that answers it itself, e.g. keeping a long form
    filled in; elsewhere :mod:`collab.core.errors` answers any such wait with 503)."""
    try:
        yield
    except sa.exc.OperationalError as exc:
        if not database_busy(exc):
            raise
        db.session.rollback()
        raise busy_now() from None


def busy_now() -> Busy:
    """The :class:`Busy` of a writer that waited for the database in vain."""
    return Busy(_("Die Datenbank ist gerade mit einer anderen Änderung beschäftigt; es wurde "
                  "nichts gespeichert. Bitte versuchen Sie es gleich noch einmal."))


def require(allowed: bool, reason: str | None = None) -> None:
    if not allowed:
        raise Forbidden(description=reason)


#: the object kinds whose changes record what they replaced (network records), so that
#: they can be undone from the activity log (:mod:`collab.history.services`)
TRACKED = ("municipality.", "actor.", "initiative.", "tie.", "format.", "region.update")


def tracked(action: str) -> bool:
    return action.startswith(TRACKED)


def record_diff(before: dict, after: dict) -> dict[str, dict[str, list]]:
    """The bundle records that differ between two :func:`network_records` documents:
    ``{section: {key: [before or None, after or None]}}`` (the region as section "region")."""
    diff: dict[str, dict[str, list]] = {}
    if before.get("region") != after.get("region"):
        diff["region"] = {"region": [before.get("region"), after.get("region")]}
    for section in ("municipalities", "actors", "initiatives", "ties", "formats"):
        old = {r["key"]: r for r in before.get(section, [])}
        new = {r["key"]: r for r in after.get(section, [])}
        found = {k: [old.get(k), new.get(k)] for k in sorted(old.keys() | new.keys())
                 if old.get(k) != new.get(k)}
        if found:
            diff[section] = found
    return diff


#: changes of one record and the bundle section that holds it: only that record is read
#: before and after, not the whole region (seconds at national scale). An edit never changes
#: the record's key; a new actor or tie, and a deleted tie, touch no other record (a survey
#: answer creates hundreds of them, and reading the growing region twice for each took
#: minutes)
ONE_RECORD = {"municipality.update": "municipalities", "actor.update": "actors",
              "initiative.update": "initiatives", "tie.update": "ties",
              "format.update": "formats", "actor.create": "actors", "tie.create": "ties",
              "tie.delete": "ties"}


def _records(region: Region, only: tuple[str, str] | None = None) -> dict:
    from collab.core.records import network_records

    return network_records(region, contact=True, only=only)


#: whether a :func:`change` is open in this context (an inner one does not commit)
_open_change: ContextVar[bool] = ContextVar("kommunalnetz_open_change", default=False)


@contextmanager
def change(region: Region | None, user: User | None, action: str, target: str = "",
           summary: str = "", *, data: bool = True, before: dict | None = None,
           params: dict | None = None, undo_of: int | None = None) -> Iterator[None]:
    """Run a change as one unit: record it, bump the region's data version, commit.

    ``data=False`` is for state that is not network data (the view's node positions): the
    change is recorded and committed, but the data version, and with it every cached
    analysis and graph of the region, stays as it is.
    ``before`` is what the change replaces, kept in the activity log to undo it; for the
    network objects (:data:`TRACKED`) it is found here: the records that differ before and
    after. ``params`` are the values the entry is written from in the reader's language;
    ``undo_of`` the entry an undo undid.
    Any exception rolls everything back and propagates.

    A change inside another (a use case made of several, such as a survey answer that
    creates actors and ties) records its entry and bumps the version as usual, but leaves
    the commit to the outermost one: all of it is saved, or on any error none of it.
    """
    nested = _open_change.get()
    token = _open_change.set(True)
    try:
        only = (ONE_RECORD[action], target) if action in ONE_RECORD and target else None
        records = _records(region, only) if (
            before is None and region is not None and region.id is not None
            and tracked(action)) else None
        yield
        if records is not None:
            db.session.flush()
            diff = record_diff(records, _records(region, only))
            before = {"records": diff} if diff else None
        if region is not None and data:
            bump(region)
        db.session.add(Activity(
            region_id=region.id if region is not None else None,
            user_id=user.id if user is not None and user.is_authenticated else None,
            action=action, target=target, summary=summary, params=params, before=before,
            undo_of=undo_of))
        if nested:
            db.session.flush()
        else:
            db.session.commit()
    except sa.exc.IntegrityError:
        if nested:  # the outermost change rolls back and answers
            raise
        # a concurrent request won a race the checks before could not see (a unique key,
        # one pending application): the loser gets 409, nothing is changed
        db.session.rollback()
        raise Conflict(_("Eine gleichzeitige Änderung ist Ihnen zuvorgekommen; es wurde "
                         "nichts gespeichert. Bitte laden Sie die Seite neu.")) from None
    except BaseException:
        if not nested:
            db.session.rollback()
        raise
    finally:
        _open_change.reset(token)


def bump(region: Region) -> None:
    """Raise the region's data version by one in the database itself (``data_version + 1``
    in the UPDATE), so concurrent changes each count and none is lost, and note when its
    data changed (``data_changed_at``, the reports' "Datenstand")."""
    region.data_changed_at = utcnow()
    if region.id is None:
        region.data_version = (region.data_version or 0) + 1
    else:
        region.data_version = Region.data_version + 1


def lock(region: Region) -> None:
    """Hold the region's row until the transaction ends. Use cases that check and then write
    (one ballot, one pending application, one draft title, one import at a time, one open
    survey round) lock first and read the state they check afterwards, so concurrent
    requests take turns and the loser sees the winner's result (409).

    PostgreSQL: ``SELECT … FOR UPDATE``. SQLite takes no lock for a read, so there the
    region's row is claimed by a write that changes nothing (:func:`claim`): it waits for
    the one writer, and the reads after it see that writer's commit."""
    if db.session.get_bind().dialect.name == "sqlite":
        claim(region)
        db.session.refresh(region)
    else:
        db.session.refresh(region, with_for_update=True)


def claim(obj: Any) -> None:
    """Hold ``obj``'s row for the rest of the transaction before deleting it, or answer 404
    when a concurrent request deleted it meanwhile.

    Two deletes of one object at once both loaded it before either committed; without this
    the second deleted nothing and still logged (and offered to undo) a deletion. A write
    that changes nothing (the row's id set to itself) takes the row's write lock: on
    PostgreSQL it waits for the other transaction and then finds the row gone; on SQLite it
    waits for the one writer, in a transaction that starts with it and so sees the other's
    commit."""
    obj = obj._get_current_object() if hasattr(obj, "_get_current_object") else obj  # current_user
    table = type(obj).__table__
    claimed = db.session.execute(sa.update(table).where(table.c.id == obj.id)
                                 .values({table.c.id: table.c.id})).rowcount
    if claimed != 1:
        raise NotFound()


def lock_pending(region: Region, request: Any, decided: str) -> None:
    """Before a request (to join, to take part, to re-use) is decided: lock the region (see
    :func:`lock`), read the request again and refuse with ``decided`` (409) when it was
    decided meanwhile; approved and declined at once, the second decision loses."""
    lock(region)
    db.session.refresh(request)
    if request.status != "pending":
        raise Conflict(decided, field="status")


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
                params={"text": "shared", "name": municipality.name,
                        "region": region.name if region is not None else "-",
                        "action": action},
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


#: a write of at least this many records refreshes PostgreSQL's table statistics
BULK_RECORDS = 1000


def refresh_statistics(tables: list[str]) -> None:
    """After a bulk write (a national import: tens of thousands of rows) the query planner
    learns the tables' new sizes now. PostgreSQL would plan by the old ones until
    autovacuum's next round (the overview's queries took twice as long); SQLite, which has
    no statistics until ANALYZE, walked a national network's 32,000 actors by name for a
    page of the matrix (90 ms instead of 14 ms for the overview)."""
    preparer = db.session.get_bind().dialect.identifier_preparer
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE " + ", ".join(preparer.quote(t) for t in tables)))
    else:
        for table in tables:
            db.session.execute(sa.text("ANALYZE " + preparer.quote(table)))
    db.session.commit()
