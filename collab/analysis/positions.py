"""Saved node positions of the network view (the coordinator's layout)."""


from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from collab.core import permissions as perm
from collab.core.models import (
    NodePosition,
    Region,
    User,
    utcnow,
)
from collab.core.store import Conflict, change, differs, raise_if, require  # noqa: F401
from collab.core.validation import Problem, ValidationError
from collab.extensions import db

# --- network view -----------------------------------------------------------------------------

#: at most this many node positions are saved in one request
MAX_POSITIONS = 50_000
#: coordinates beyond this magnitude are refused (the view's layouts stay within a few
#: thousand units)
MAX_COORDINATE = 1e6


def save_positions(region: Region, positions: Any, user: User | None, *,
                   known: set | None = None) -> int:
    """Save node positions of the region's network view: ``{"node key": [x, y], ...}``.

    Only the coordinator (or an admin) may. ``known`` are the keys the view can draw (node
    keys and aggregate ids); other keys are refused. Existing positions of the same keys are
    replaced, others kept. Returns the number saved.
    """
    require(perm.can_save_positions(user, region))
    problems: list[Problem] = []
    if not isinstance(positions, dict) or not positions:
        raise ValidationError([Problem("positions", _(
            "Positionen: ein nicht leeres Objekt {\"Schlüssel\": [x, y]} erwartet."))])
    if len(positions) > MAX_POSITIONS:
        raise ValidationError([Problem("positions", _(
            "Positionen: höchstens %(n)d auf einmal.", n=MAX_POSITIONS))])
    clean_positions: dict[str, tuple[float, float]] = {}
    for key, value in positions.items():
        field = f"positions.{key}"
        if not isinstance(key, str) or not key or len(key) > 130 or (
                known is not None and key not in known):
            problems.append(Problem(field, _("Unbekannter Knoten: %(key)s", key=key)))
            continue
        if (not isinstance(value, list | tuple) or len(value) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool)
                           and math.isfinite(v) and abs(v) <= MAX_COORDINATE for v in value)):
            problems.append(Problem(field, _(
                "Position von %(key)s: zwei Zahlen [x, y] erwartet (Betrag höchstens "
                "1.000.000).", key=key)))
            continue
        clean_positions[key] = (float(value[0]), float(value[1]))
    raise_if(problems)
    existing = {p.node_key: p for p in db.session.scalars(
        sa.select(NodePosition).where(NodePosition.region_id == region.id,
                                      NodePosition.node_key.in_(list(clean_positions))))} \
        if len(clean_positions) <= 5000 else {
        p.node_key: p for p in db.session.scalars(
            sa.select(NodePosition).where(NodePosition.region_id == region.id))}
    before = {"positions": {key: [existing[key].x, existing[key].y] if key in existing
                            else None for key in clean_positions}}
    with change(region, user, "view.positions", region.slug,
                _("%(n)d Knotenpositionen der Netzwerkansicht gespeichert",
                  n=len(clean_positions)), data=False, before=before,
                params={"text": "positions", "n": len(clean_positions)}):
        now = utcnow()
        for key, (x, y) in clean_positions.items():
            row = existing.get(key)
            if row is None:
                db.session.add(NodePosition(region_id=region.id, node_key=key, x=x, y=y,
                                            saved_at=now))
            else:
                row.x, row.y, row.saved_at = x, y, now
    return len(clean_positions)
