"""The network view's data, shared by its page and the API: the region's graphs (cached
per data version), query checking, vis-network data with saved positions and analysis marks,
and GraphML/GEXF exports.

The graph data (nodes, edges, aggregation, layout) is read straight from the database with
:mod:`collab.core.records`; the analysis marks (Taktgeber, gaps, transfer routes) need the
region's report. Both are cached per database, region, data version and query, as
:mod:`collab.analysis.reports` caches the report.
"""

from __future__ import annotations

import io
import json
import math
import time
from collections.abc import Callable

import networkx as nx
import sqlalchemy as sa
from flask import (
    Response,
    current_app,
    url_for,
)
from flask_babel import gettext as _

import graphs
from collab.analysis import reports
from collab.core import permissions as perm
from collab.core import vocab
from collab.core.caching import (
    LRU,
    Freshest,
    Shared,
    digest,
    in_background,
    version_key,
)
from collab.core.collation import collation_key
from collab.core.localtime import local_today
from collab.core.models import (
    Actor,
    Initiative,
    NodePosition,
    Participation,
    Region,
    RegionMembership,
)
from collab.core.records import network_records
from collab.core.validation import Problem, ValidationError
from collab.extensions import db
from collab.objects.kinds import KINDS
from graphs import vis
from graphs.report import gc_paused
from graphs.transfer import transfer_paths

#: built graphs kept per process (region and data version; the view's graph and, for the
#: exports, the multigraph)
GRAPH_CACHE_SIZE = 4
#: vis data kept per process (region, data version, query; with marks also the language)
DATA_CACHE_SIZE = 32
#: above this many municipalities or initiatives the filter fields offer no option list
CHOICE_LIST_MAX = 500


#: a graph slower than this to build (a national network: about a second) is rebuilt in the
#: background after a change while the last one is served (see :class:`Freshest`)
SLOW_BUILD_SECONDS = 0.5
#: and rebuilt at most every so many seconds (each process builds its own)
SLOW_REBUILD_INTERVAL = 15.0

_graphs = LRU(GRAPH_CACHE_SIZE)
_views = Freshest(GRAPH_CACHE_SIZE, SLOW_BUILD_SECONDS, SLOW_REBUILD_INTERVAL)
_data = LRU(DATA_CACHE_SIZE)
_pictures = Freshest(DATA_CACHE_SIZE, SLOW_BUILD_SECONDS, SLOW_REBUILD_INTERVAL)
#: Layouts by graph content, shared by all processes and hosts (Redis): an unchanged network
#: is laid out once, not once per worker and again after each worker's restart.
_layouts = Shared("layout", 8, 24 * 3600,
                  dumps=lambda pos: json.dumps({n: list(p) for n, p in pos.items()}),
                  loads=lambda raw: {n: tuple(p) for n, p in json.loads(raw).items()})


#: The pictures (:func:`plain_data`) by region, data version and query, shared by all
#: processes and hosts: drawn once after each edit, not once per web worker.
_shared_pictures = Shared("picture", 8, 3600, dumps=json.dumps, loads=json.loads)


def clear_caches() -> None:
    """Forget every cached graph and vis data (tests; data changed behind our back)."""
    _graphs.clear()
    _views.clear()
    _data.clear()
    _pictures.clear()
    _layouts.clear()
    _shared_pictures.clear()
    _documents.clear()
    _label_sets.clear()


def region_network(region: Region, *, fresh: bool = False) -> nx.Graph:
    """The region's network graph as the view draws it (:func:`graphs.vis.view_graph` of
    :func:`collab.core.records.network_records`), cached until its data version changes.
    Its ``provenance`` graph attribute is the records' :func:`provenance_index`, its
    ``data_version`` the version it was built from: for a network slow to build (national)
    the previous graph is served while the new one is built in the background, so its
    version may be behind the region's: for seconds after an edit, up to
    ``SLOW_REBUILD_INTERVAL`` under a stream of edits (:class:`Freshest`). ``fresh``: the
    graph of the region's current version, built at once when the held one is older."""
    def build(current: Region) -> tuple[int, nx.Graph]:
        version = current.data_version or 0
        with gc_paused():
            records = network_records(current)
            U = vis.view_graph(records)
            U.graph["provenance"] = provenance_index(records)
            U.graph["data_version"] = version
            return version, U

    family = (current_app.config["SQLALCHEMY_DATABASE_URI"], region.id, "view")
    if fresh:
        return _views.current(family, region.data_version or 0, lambda: build(region))[1]
    return _views.get(family, region.data_version or 0, lambda: build(region),
                      in_background(region, build))[1]


def _graph_key(region: Region, U: nx.Graph) -> tuple:
    """The cache key of what is derived from ``U`` (its region and data version)."""
    return (current_app.config["SQLALCHEMY_DATABASE_URI"], region.id, U.graph["data_version"])


#: how the view draws what rests on assumed records: pale, and edges dashed
ASSUMED_NODE_OPACITY = 0.45
ASSUMED_EDGE_OPACITY = 0.35
ASSUMED_EDGE_DASHES = [2, 5]


def provenance_index(records: dict) -> dict:
    """Where the view's nodes and edges come from: ``nodes`` maps a municipality (its
    membership) or actor key to its provenance; ``edges`` maps an unordered pair of keys to
    the provenances of the ties between two actors, or of an actor's participation in an
    initiative."""
    nodes = {m["key"]: m.get("provenance", "documented") for m in records["municipalities"]}
    nodes.update({a["key"]: a.get("provenance", "documented") for a in records["actors"]})
    edges: dict[frozenset, set] = {}
    for t in records["ties"]:
        edges.setdefault(frozenset((t["source"], t["target"])), set()).add(
            t.get("provenance", "documented"))
    for i in records["initiatives"]:
        for p in i["participants"]:
            edges.setdefault(frozenset((p["actor"], i["key"])), set()).add(
                p.get("provenance", "documented"))
    return {"nodes": nodes, "edges": edges}


def with_provenance(data: dict, index: dict) -> dict:
    """Mark the vis data's items by provenance (changes ``data``, made fresh by
    :func:`graphs.vis.vis_data`): each node's ``info.provenance``; a node or an edge that
    rests only on assumed records is drawn pale (nodes) or pale and dashed (edges) and
    carries ``provenance: "assumed"``. Ties of several provenances between the same two
    actors count as assumed only when all of them are."""
    for node in data["nodes"]:
        found = index["nodes"].get(node["id"])
        if found is None or node.get("info", {}).get("aggregate"):
            continue
        node["info"] = {**node.get("info", {}), "provenance": found}
        if found == "assumed":
            node["provenance"] = "assumed"
            node["opacity"] = ASSUMED_NODE_OPACITY
    for edge in data["edges"]:
        found = index["edges"].get(frozenset((edge.get("from"), edge.get("to"))))
        if found and found == {"assumed"}:
            edge["provenance"] = "assumed"
            colour = edge.get("color")
            edge["color"] = {"color": colour, "opacity": ASSUMED_EDGE_OPACITY} if isinstance(
                colour, str) else colour
            edge["dashes"] = ASSUMED_EDGE_DASHES
    return data


def region_multigraph(region: Region) -> nx.MultiDiGraph:
    """The region's graph (:func:`graphs.build_graph`) for the GraphML and GEXF exports,
    cached like :func:`region_network`."""
    def make():
        with gc_paused():
            return graphs.build_graph(network_records(region))
    return _graphs.get((*version_key(region), "multi"), make)


def region_transfer(region: Region) -> list:
    """The region's knowledge-transfer paths (:func:`graphs.transfer.transfer_paths`, as the
    analysis finds them) for the routes a topic filter shows, cached like
    :func:`region_network`. Computed from the graph alone, so a topic view is drawn whole
    without waiting for the analysis; on today's date like the analysis (a format that has
    ended is a weak channel there), so both find the same paths."""
    today = local_today().isoformat()

    def make():
        with gc_paused():
            return transfer_paths(region_multigraph(region), region_network(region),
                                  today=today)
    return _graphs.get((*version_key(region), "transfer", today), make)


def saved_positions(region: Region) -> dict[str, tuple[float, float]]:
    rows = db.session.execute(sa.select(NodePosition.node_key, NodePosition.x, NodePosition.y)
                              .where(NodePosition.region_id == region.id))
    return {key: (x, y) for key, x, y in rows}


def view_args(args) -> dict:
    """The view's query parameters, unchecked: filters (repeatable), ``ego``, ``expand``
    (repeatable), ``metric``."""
    filters = {name: [v for v in args.getlist(name) if v] for name in vis.FILTERS}
    return {"filters": {k: v for k, v in filters.items() if v},
            "ego": args.get("ego") or None,
            "expand": [v for v in args.getlist("expand") if v],
            "metric": args.get("metric") or "degree"}


def _field_titles() -> dict:
    """The German names of the query's fields, as the page's filter form labels them."""
    return {"type": _("Art"), "level": _("Ebene"), "sector": _("Sektor"),
            "tier": _("Stufe"), "topic": _("Handlungsfeld"), "initiative": _("Initiative"),
            "municipality": _("Kommune"), "ego": _("Ego-Ansicht einer Kommune"),
            "expand": _("Aufklappen"), "metric": _("Größe nach")}


def _choices() -> dict:
    """The allowed values of the fields that take a vocabulary value."""
    return {"type": ("municipality", "actor", "initiative"), "level": tuple(vocab.LEVELS),
            "sector": tuple(vocab.SECTORS), "tier": tuple(vocab.TIERS),
            "topic": tuple(vocab.TOPICS), "metric": vis.METRICS}


def query_problems(U: nx.Graph | Callable[[], nx.Graph], chosen: dict) -> list[Problem]:
    """Every value of the query ``chosen`` (:func:`view_args`) that does not fit (``U``:
    the region's graph, or what gives it, asked only for node-valued fields): a
    vocabulary value that does not exist, an ``initiative`` or ``municipality`` that is no
    such node of the region, an ``ego`` that is no node, an ``expand`` that is neither a
    municipality nor a Kreis of the region. Each problem names its field in German."""
    titles, labels = _field_titles(), _labels()
    problems = []
    given = {**chosen["filters"], "metric": [chosen["metric"]],
             "ego": [chosen["ego"]] if chosen["ego"] else [], "expand": chosen["expand"]}
    for name, allowed in _choices().items():
        for value in given.get(name, []):
            if value not in allowed:
                # each allowed value as a reader knows it, with what to write: "Mobilität
                # (mobility)"
                named = labels.get(name, {})
                problems.append(Problem(name, _(
                    "%(p)s: unbekannter Wert „%(v)s“; erlaubt: %(a)s.", p=titles[name],
                    v=value, a=", ".join(f"{named[c]} ({c})" if named.get(c, c) != c else c
                                         for c in allowed))))
    if not any(given.get(name) for name in ("initiative", "municipality", "ego", "expand")):
        return problems
    if callable(U):
        U = U()
    nodes = U.nodes
    kreise = None
    for name in ("initiative", "municipality", "ego", "expand"):
        for value in given.get(name, []):
            type_ = nodes[value]["type"] if value in nodes else None
            if name == "initiative" and type_ != "initiative":
                message = _("%(p)s: „%(v)s“ ist keine Initiative dieses Netzwerks.",
                            p=titles[name], v=value)
            elif name == "municipality" and type_ != "municipality":
                message = _("%(p)s: „%(v)s“ ist keine Kommune dieses Netzwerks.",
                            p=titles[name], v=value)
            elif name == "ego" and type_ is None:
                message = _("%(p)s: „%(v)s“ ist kein Knoten dieses Netzwerks.",
                            p=titles[name], v=value)
            elif name == "expand" and type_ != "municipality":
                if kreise is None:
                    kreise = {vis.kreis_id(d) for _n, d in U.nodes(data=True)
                              if d["type"] == "municipality"}
                if value in kreise:
                    continue
                message = _("%(p)s: „%(v)s“ ist weder eine Kommune noch ein Kreis dieses "
                            "Netzwerks.", p=titles[name], v=value)
            else:
                continue
            problems.append(Problem(name, message))
    return problems


def checked_query(region: Region, args) -> dict:
    """The view's query (:func:`view_args`) after every value is checked
    (:func:`query_problems`); raises :class:`ValidationError` with all problems."""
    chosen = view_args(args)
    problems = query_problems(lambda: region_network(region), chosen)
    if problems:
        raise ValidationError(problems)
    return chosen


def _transfer(region: Region, chosen: dict) -> list:
    """The transfer entries a query's routes come from: the region's with a topic filter,
    none without (so the visible set never depends on the analysis report)."""
    return region_transfer(region) if chosen["filters"].get("topic") else []


def visible_set(region: Region, chosen: dict) -> set:
    """The nodes the view shows for the checked query ``chosen``: the same set
    (:func:`graphs.vis.visible_nodes`) that :func:`plain_data` and :func:`marked_data`
    draw, for the exports."""
    visible, _routes = vis.visible_nodes(region_network(region), chosen["filters"],
                                         ego=chosen["ego"], transfer=_transfer(region, chosen))
    return visible


#: the vocabulary's labels per language (the same for every request in one language)
_label_sets: dict[str, dict] = {}


def _labels() -> dict:
    """The labels of the vocabularies the view shows, in the interface language (shared:
    callers must not change them)."""
    from flask_babel import get_locale

    lang = str(get_locale())
    if lang not in _label_sets:
        _label_sets[lang] = _make_labels()
    return _label_sets[lang]


def _make_labels() -> dict:
    return {name: {k: str(v) for k, v in vocabulary.items()} for name, vocabulary in (
        ("type", {"municipality": _("Kommune"), "actor": _("Akteur"),
                  "initiative": _("Initiative"), "kreis": _("Kreis")}),
        ("level", vocab.LEVELS), ("sector", vocab.SECTORS), ("tier", vocab.TIERS),
        ("topic", vocab.TOPICS), ("actor_type", vocab.ACTOR_TYPES),
        ("kind", vocab.MUNICIPALITY_KINDS), ("status", vocab.INITIATIVE_STATUSES),
        ("tie_kind", vocab.TIE_KINDS), ("role", vocab.PARTICIPATION_ROLES),
        ("provenance", vocab.PROVENANCES),
        ("state", {code: name for code, (_ags, name) in vocab.STATES.items()}))}


def _query_key(chosen: dict) -> tuple:
    return (tuple(sorted((k, tuple(v)) for k, v in chosen["filters"].items())),
            chosen["ego"], tuple(chosen["expand"]), chosen["metric"])


def plain_data(region: Region, chosen: dict) -> dict:
    """The vis data of the checked query ``chosen`` (:func:`checked_query`) without the
    analysis marks (:func:`graphs.vis.vis_data`; a topic's transfer routes are drawn, from
    :func:`region_transfer`), with the ``data_version`` it was drawn from. Shared: callers
    must not change it.

    Drawn once per region, data version and query for all processes and hosts
    (:data:`_shared_pictures`): after an edit one web worker draws the new picture and the
    others read it, instead of each building the graph and drawing it again; a process
    that holds an earlier picture serves that one meanwhile rather than wait (its
    ``data_version`` tells; data.json marks it ``stale`` and the page asks again). Like
    the graph, a large network's previous picture is served while the new one is drawn in
    the background (a national picture takes seconds)."""
    uri, query = current_app.config["SQLALCHEMY_DATABASE_URI"], _query_key(chosen)

    def draw(current: Region) -> dict:
        start = time.perf_counter()
        with gc_paused():
            U = region_network(current, fresh=True)
            picture = with_provenance(
                vis.vis_data(U=U, transfer=_transfer(current, chosen),
                             layouts=_layouts.get, **chosen), U.graph["provenance"])
        picture["data_version"] = U.graph["data_version"]
        return {"picture": picture, "seconds": time.perf_counter() - start}

    def tagged(made: dict) -> tuple[int, dict, float]:  # as Freshest takes it
        return made["picture"]["data_version"], made["picture"], made["seconds"]

    family = (uri, region.id, query)

    def make(current: Region) -> tuple[int, dict, float]:
        # while another process draws this version, the last picture held here is served
        # (marked stale; the page asks again) instead of waiting for it: under a stream of
        # edits every data.json request would otherwise wait for a drawing
        held = _pictures.held(family)
        return tagged(_shared_pictures.get(
            (uri, current.id, current.data_version or 0, query), lambda: draw(current),
            busy=(lambda: {"picture": held[1], "seconds": held[2]}) if held else None))

    def remake(current: Region) -> tuple[int, dict, float]:
        # in the background, for a picture slow to draw: the newest one any process drew
        # in the last interval (under a stream of edits each would otherwise draw its own
        # version in turn), else drawn here
        return tagged(_shared_pictures.recent((uri, current.id, "newest", query),
                                              lambda: draw(current), SLOW_REBUILD_INTERVAL))

    return _pictures.get(family, region.data_version or 0,
                         lambda: make(region), in_background(region, remake))[1]


def marked_data(region: Region, chosen: dict, report: dict, report_key: tuple) -> dict:
    """The vis data of ``chosen`` with the analysis marks of ``report`` (the region's report
    in one language, from :func:`collab.analysis.reports.latest`), cached like
    :func:`plain_data` and per report (``report_key``: its data version and language)."""
    U = region_network(region)

    def make():
        transfer = _transfer(region, chosen)
        with gc_paused():
            return with_provenance(vis.vis_data(U=U, report=report, transfer=transfer,
                                                layouts=_layouts.get, **chosen),
                                   U.graph["provenance"])
    return _data.get((*_graph_key(region, U), _query_key(chosen), report_key), make)


def decorated(data: dict, region: Region, chosen: dict, positions: dict | None = None) -> dict:
    """``data`` with the saved positions (``positions``, else read), the URLs of the nodes'
    pages, the vocabulary's labels and the query (a new dict; the cached one stays as it
    is)."""
    doc = vis.with_positions(data, saved_positions(region) if positions is None else positions)
    base = url_for("objects.overview", slug=region.slug)
    doc["urls"] = {"municipality": f"{base}/municipalities/", "actor": f"{base}/actors/",
                   "initiative": f"{base}/initiatives/", "format": f"{base}/formats/"}
    doc["labels"] = _labels()
    doc["query"] = chosen
    return doc


#: data.json bodies without the viewer's part, by picture, positions, language and address
_documents = LRU(16)


def picture_document(region: Region, chosen: dict, picture: dict) -> str:
    """``picture`` (:func:`plain_data`) as :func:`decorated` makes it, encoded as JSON,
    encoded once per picture, saved positions, language and address: a national picture
    is over half a megabyte, and encoding it was most of a data.json request."""
    from flask_babel import get_locale

    positions = saved_positions(region)
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], region.id, _query_key(chosen),
           picture["data_version"], str(get_locale()),
           url_for("objects.overview", slug=region.slug),
           digest(sorted(positions.items())))
    return _documents.get(key, lambda: json.dumps(
        decorated(picture, region, chosen, positions), separators=(",", ":")))


def graph_payload(region: Region, args, *, lang: str = "de") -> dict | None:
    """The vis-network data of ``region`` for the query ``args`` with the analysis marks
    (gap messages and explanations in ``lang``; of the newest stored report), saved
    positions, the vocabulary's labels and the URLs of the nodes' pages: the API's document
    (raises :class:`ValidationError` for bad query values first). None while the region
    has no report yet (its computation is queued)."""
    chosen = checked_query(region, args)
    latest = reports.latest(region, lang=lang)
    if latest.report is None:
        return None
    return decorated(marked_data(region, chosen, latest.report,
                                 (latest.report_version, lang)), region, chosen)


def editable_keys(user, region: Region) -> bool | list[str]:
    """Which nodes' edit forms ``user`` may open: True for all (the coordinator, admins),
    else the sorted keys of the municipalities, actors and initiatives that
    ``KINDS[...].can_edit`` allows.

    Only the region's manager edits without speaking for a municipality, and a member
    speaks for its own one only, so the candidates asked about are the member's
    municipality, its actors and the initiatives they take part in.
    """
    if perm.can_manage_region(user, region):
        return True
    if not perm.is_member_of(user, region) or user.municipality_id is None:
        return []
    own = user.municipality_id
    memberships = db.session.scalars(sa.select(RegionMembership).where(
        RegionMembership.region_id == region.id, RegionMembership.municipality_id == own)).all()
    actors = db.session.scalars(sa.select(Actor).where(
        Actor.region_id == region.id, Actor.municipality_id == own)).all()
    initiatives = db.session.scalars(
        sa.select(Initiative).where(Initiative.id.in_(
            sa.select(Participation.initiative_id).where(
                Participation.actor_id.in_([a.id for a in actors]))))).all() if actors else []
    keys = []
    for name, objects in (("municipalities", memberships), ("actors", actors),
                          ("initiatives", initiatives)):
        kind = KINDS[name]
        keys += [kind.key_of(o) for o in objects if kind.can_edit(user, region, o)]
    return sorted(keys)


def _rgb(colour: str) -> tuple[int, int, int] | None:
    if isinstance(colour, str) and len(colour) == 7 and colour.startswith("#"):
        try:
            return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
        except ValueError:
            return None
    return None


def with_picture(H: nx.Graph, picture: dict, fmt: str) -> None:
    """Give the exported nodes the view's picture, so Gephi shows what the view shows: the
    name as ``label``, the colour and the position (and size) of the view's drawing. GEXF
    carries them as its ``viz:`` elements; GraphML as the attributes ``label``, ``x``,
    ``y``, ``size``, ``r``, ``g``, ``b`` and ``color`` that Gephi's GraphML import reads.
    Nodes the view draws only inside an aggregate keep their name and no position."""
    drawn = {n["id"]: n for n in picture.get("nodes") or []}
    for n, d in H.nodes(data=True):
        d["label"] = str(d.get("name") or n)
        item = drawn.get(n)
        if item is None:
            continue
        colour = item.get("color")
        rgb = _rgb(colour.get("background") if isinstance(colour, dict) else colour)
        x, y, size = float(item.get("x", 0.0)), float(item.get("y", 0.0)), float(
            item.get("size", 10))
        if fmt == "gexf":
            viz = {"position": {"x": x, "y": -y, "z": 0.0}, "size": size}
            if rgb:
                viz["color"] = {"r": rgb[0], "g": rgb[1], "b": rgb[2], "a": 1.0}
            d["viz"] = viz
        else:
            d.update({"x": x, "y": -y, "size": size})
            if rgb:
                d.update({"r": rgb[0], "g": rgb[1], "b": rgb[2],
                          "color": "#{:02x}{:02x}{:02x}".format(*rgb)})


#: export formats: writer and media type
EXPORT_FORMATS = {"graphml": (nx.write_graphml, "application/graphml+xml"),
                  "gexf": (nx.write_gexf, "application/gexf+xml")}


def export_response(region: Region, args, fmt: str) -> Response:
    """The region's graph (the bundle's nodes and edges with all their attributes) as a
    GraphML or GEXF download, narrowed to the nodes the view shows for the query ``args``
    (:func:`visible_set`) and every edge between them; raises :class:`ValidationError`
    for bad query values."""
    writer, media_type = EXPORT_FORMATS[fmt]
    chosen = checked_query(region, args)
    keep = visible_set(region, chosen)
    H = graphs.exportable(region_multigraph(region).subgraph(keep))
    picture = vis.with_positions(plain_data(region, chosen), saved_positions(region))
    with_picture(H, picture, fmt)
    buffer = io.BytesIO()
    writer(H, buffer)
    return Response(buffer.getvalue(), mimetype=media_type, headers={
        "Content-Disposition": f'attachment; filename="{region.slug}-netzwerk.{fmt}"'})


#: how far (in degrees of latitude) the regional bodies without a seat are spread around the
#: middle of the region, so their markers do not cover one another
BODY_RING = 0.06


#: the map's size measures ("Größe nach"), the network view's metrics
MAP_METRICS = vis.METRICS


def map_sizes(U: nx.Graph, n, report: dict | None, scores: dict, gaps: dict) -> dict:
    """A member's values for each of :data:`MAP_METRICS`: its connections, population,
    its actors' capacity (FTE), and, from the analysis ``report`` (None: not there yet),
    the best Taktgeber score of it and its actors and the number of their gaps, as the
    network view counts them for a municipality drawn with its actors."""
    nodes = U.nodes
    own = [n] + [a for a in U.neighbors(n) if nodes[a]["type"] == "actor"
                 and nodes[a].get("municipality") == n]
    capacity = sum(float(nodes[a].get("capacity_fte") or 0) for a in own[1:])
    return {"degree": U.degree(n), "population": nodes[n].get("population") or 0,
            "capacity": round(capacity, 2),
            "taktgeber": max((scores[k] for k in own if k in scores), default=0.0)
            if report is not None else None,
            "gaps": sum(gaps.get(k, 0) for k in own) if report is not None else None}


def map_data(region: Region, chosen: dict, report: dict | None = None) -> dict:
    """The map's data for the checked query ``chosen`` (:func:`checked_query`): the same
    visible nodes as the network view (:func:`visible_set`), placed by their coordinates.

    ``municipalities``: each visible member with coordinates (``lat``, ``lon``, ``tier``,
    ``kind``, ``population``, ``district``, its visible ``actors`` by name); ``bodies``: the
    visible regional bodies (actors of a Landkreis at the Kreis' coordinates, actors of no
    municipality around the middle of the region, ``seat`` saying which); ``initiatives``:
    each visible initiative at the middle of its carriers, with the ``carriers`` (the places
    of its participants) its lines run to; ``routes``: a topic's transfer routes as point
    lists with the names along them; ``missing``: visible members without coordinates.
    Each member carries ``sizes`` (:func:`map_sizes`), the values the markers are sized by
    ("Größe nach"); only its Taktgeber score and gap count need the analysis ``report``
    (None until there is one)."""
    U = region_network(region)
    nodes = U.nodes
    visible, routes = vis.visible_nodes(U, chosen["filters"], ego=chosen["ego"],
                                        transfer=_transfer(region, chosen))
    coords = {n: (float(d["lat"]), float(d["lon"])) for n, d in U.nodes(data=True)
              if d["type"] == "municipality" and d.get("lat") is not None
              and d.get("lon") is not None}
    if coords:
        centre = (sum(c[0] for c in coords.values()) / len(coords),
                  sum(c[1] for c in coords.values()) / len(coords))
    else:
        centre = (51.16, 10.45)  # the middle of Germany
    seatless = sorted((n for n, d in U.nodes(data=True)
                       if d["type"] == "actor" and not d.get("municipality")), key=str)
    place: dict = {}
    for n in coords:
        place[n] = coords[n]
    for i, n in enumerate(seatless):
        angle = 2 * math.pi * i / max(1, len(seatless))
        place[n] = (round(centre[0] + BODY_RING * math.sin(angle), 5),
                    round(centre[1] + BODY_RING * 1.6 * math.cos(angle), 5))
    for n, d in U.nodes(data=True):
        if d["type"] == "actor" and d.get("municipality") in coords:
            place[n] = coords[d["municipality"]]

    def name(n):
        return str(nodes[n].get("name") or n)

    def body(n):
        return not nodes[n].get("municipality") or (
            nodes[nodes[n]["municipality"]].get("kind") == "landkreis")

    scores = {e["key"]: float(e["score"]) for e in (report or {}).get("taktgeber") or ()}
    gap_counts: dict = {}
    for gap in (report or {}).get("gaps") or ():
        for key in gap.get("keys") or ():
            gap_counts[key] = gap_counts.get(key, 0) + 1
    municipalities, missing = [], []
    for n in sorted((n for n in visible if nodes[n]["type"] == "municipality"), key=str):
        d = nodes[n]
        if n not in coords:
            missing.append(name(n))
            continue
        actors = sorted((name(a) for a in U.neighbors(n)
                         if a in visible and nodes[a]["type"] == "actor"),
                        key=lambda a: (collation_key(a), a))
        municipalities.append({
            "key": n, "name": name(n), "lat": coords[n][0], "lon": coords[n][1],
            "tier": d.get("tier"), "kind": d.get("kind"), "population": d.get("population"),
            "district": d.get("district"), "provenance": d.get("provenance"),
            "actors": actors, "sizes": map_sizes(U, n, report, scores, gap_counts)})
    bodies = []
    for n in sorted((n for n in visible if nodes[n]["type"] == "actor" and body(n)), key=str):
        if n not in place:
            continue
        d = nodes[n]
        bodies.append({"key": n, "name": name(n), "lat": place[n][0], "lon": place[n][1],
                       "level": d.get("level"), "actor_type": d.get("actor_type"),
                       "sector": d.get("sector"),
                       "seat": "kreis" if d.get("municipality") else "region",
                       "municipality": name(d["municipality"]) if d.get("municipality")
                       else None})
    initiatives: list = []
    crowded: dict = {}
    for n in sorted((n for n in visible if nodes[n]["type"] == "initiative"), key=str):
        carriers: dict = {}
        for a in U.neighbors(n):
            if nodes[a]["type"] != "actor" or a not in place:
                continue
            owner = nodes[a].get("municipality")
            at = owner if owner in coords else a
            found = carriers.setdefault(at, {"key": at, "name": name(at), "lat": place[a][0],
                                             "lon": place[a][1], "actors": []})
            found["actors"].append(name(a))
        if not carriers:
            continue
        points = list(carriers.values())
        d = nodes[n]
        lat = sum(p["lat"] for p in points) / len(points)
        lon = sum(p["lon"] for p in points) / len(points)
        spot = (round(lat, 2), round(lon, 2))
        if len({(p["lat"], p["lon"]) for p in points}) == 1 or spot in crowded:
            # on top of its only carrier (or of another initiative): set beside it
            crowded[spot] = crowded.get(spot, 0) + 1
            angle = math.pi / 4 + crowded[spot] * 2 * math.pi / 7
            lat += 0.035 * math.sin(angle)
            lon += 0.055 * math.cos(angle)
        else:
            crowded[spot] = 0
        initiatives.append({
            "key": n, "name": name(n), "topic": d.get("topic"), "status": d.get("status"),
            "lat": round(lat, 5), "lon": round(lon, 5),
            "carriers": sorted(points, key=lambda p: (collation_key(p["name"]), p["name"]))})
    drawn_routes = []
    for route in routes:
        points: list = []
        for n in route:
            at = place.get(n)
            if at is None and nodes[n]["type"] == "initiative":
                found = next((i for i in initiatives if i["key"] == n), None)
                at = (found["lat"], found["lon"]) if found else None
            if at is not None and (not points or points[-1] != list(at)):
                points.append(list(at))
        if len(points) >= 2:
            drawn_routes.append({"points": points, "names": [name(n) for n in route]})
    return {"municipalities": municipalities, "bodies": bodies, "initiatives": initiatives,
            "analysed": report is not None,
            "routes": drawn_routes, "missing": missing, "centre": list(centre),
            "counts": {"total": len(U), "visible": len(visible)}, "labels": _labels(),
            "colours": {"tier": vis.TIER_COLOURS, "level": vis.LEVEL_COLOURS,
                        "initiative": vis.INITIATIVE_COLOUR, "route": vis.ROUTE_COLOUR},
            "urls": {"municipality": url_for("objects.detail", slug=region.slug,
                                             kind="municipalities", key="__KEY__"),
                     "actor": url_for("objects.detail", slug=region.slug, kind="actors",
                                      key="__KEY__"),
                     "initiative": url_for("objects.detail", slug=region.slug,
                                           kind="initiatives", key="__KEY__"),
                     "ego": url_for("view.page", slug=region.slug) + "?ego=__KEY__"},
            "query": chosen}
