"""German dictionary order of names (DIN 5007, variant 1) for lists and select boxes.

Names sort by :func:`collation_key`: letters with accents or umlauts as their base letter
(ä as a, ö as o, ü as u, é as e), ß as ss, case ignored, so that "Märkischer Kreis" comes
before "Menden". Byte order (SQLite's, and PostgreSQL's with the C locale) put every umlaut
after z; a PostgreSQL cluster with a German or English locale sorted differently again.

Lists paginated by the database (municipalities, actors, initiatives, formats, solutions)
order by a stored column ``sort_name`` holding this key (:func:`sort_name_of`), compared
byte by byte on SQLite and PostgreSQL alike (see :data:`SortName`); it is filled on every
write of a name (:func:`keep_sort_name`). Short lists built in Python sort with
:func:`by_name`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event

__all__ = ["SORT_NAME_LENGTH", "SortName", "by_name", "collation_key", "keep_sort_name",
           "sort_name_default", "sort_name_of", "with_sort_name"]

T = TypeVar("T")

#: the stored key's length: a name has at most 200 characters; ß and ligatures grow
SORT_NAME_LENGTH = 400

#: the stored key's type: byte (code point) order on both databases, whatever the locale
#: PostgreSQL's cluster was created with (SQLite compares bytes: its BINARY collation)
SortName = sa.String(SORT_NAME_LENGTH).with_variant(
    sa.String(SORT_NAME_LENGTH, collation="C"), "postgresql")


def collation_key(name: str) -> str:
    """A German sort key: accents and umlauts dropped (ä as a), ß as ss, casefolded.

    >>> sorted(["mendigital GmbH", "Menden", "Märkischer Kreis", "Olpe", "Übach"],
    ...        key=collation_key)
    ['Märkischer Kreis', 'Menden', 'mendigital GmbH', 'Olpe', 'Übach']
    >>> collation_key("Straße") == collation_key("STRASSE")
    True
    """
    folded = unicodedata.normalize("NFKD", name or "").casefold()
    return "".join(c for c in folded if not unicodedata.combining(c))


def sort_name_of(name: str | None) -> str:
    """The stored ``sort_name`` of ``name`` (its :func:`collation_key`, cut to the column)."""
    return collation_key(name or "")[:SORT_NAME_LENGTH]


def by_name(items: Iterable[T], name: Callable[[T], str] = lambda x: x.name,
            then: Callable[[T], Any] = lambda x: "") -> list[T]:
    """``items`` in German dictionary order of ``name``; equal keys by ``then`` (e.g. the
    record's key, as the database lists order: the same order every time), else as given."""
    return sorted(items, key=lambda x: (collation_key(name(x)), then(x)))


def sort_name_default(context) -> str:
    """The column default of ``sort_name`` in any INSERT that gives a ``name`` but no
    ``sort_name`` (a bulk Core insert; ORM objects have theirs from :func:`keep_sort_name`)."""
    return sort_name_of(context.get_current_parameters().get("name"))


def keep_sort_name(model: type) -> type:
    """Class decorator: whenever ``model.name`` is set on an object (constructor or
    assignment), its ``sort_name`` follows. Bulk UPDATE statements give both columns
    themselves (:func:`with_sort_name`)."""
    @event.listens_for(model.name, "set", propagate=True)
    def _follow(target, value, _old, _initiator):
        target.sort_name = sort_name_of(value)
    return model


def with_sort_name(row: dict) -> dict:
    """A row of a bulk INSERT or UPDATE with its ``sort_name`` when it sets ``name``."""
    if "name" in row:
        row["sort_name"] = sort_name_of(row["name"])
    return row
