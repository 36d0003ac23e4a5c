"""German wording for the analysis: labels of the domain's values and sentence helpers."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

__all__ = [
    "ACTOR_TYPE_LABELS",
    "LEVEL_EXAMPLES",
    "LEVEL_LABELS",
    "PART_LABELS",
    "TOPIC_LABELS",
    "accusative",
    "join",
    "name",
    "names",
    "number",
    "quoted",
]

#: Level -> its German name as the object of a sentence ("fehlt die ...").
LEVEL_LABELS = {
    "strategic": "politisch-strategische Ebene",
    "coordinating": "koordinierende Ebene",
    "operational": "Umsetzungsebene",
}
#: Level -> examples of units on it.
LEVEL_EXAMPLES = {
    "strategic": "z. B. Rat, Ausschuss, Steuerkreis",
    "coordinating": "z. B. Stabsstelle, CDO, Smart-City-Büro",
    "operational": "z. B. Fachamt, Projektgruppe, Digitallotsen",
}
TOPIC_LABELS = {
    "administration": "Verwaltung",
    "data_platform": "Datenplattform",
    "mobility": "Mobilität",
    "energy_climate": "Energie und Klima",
    "education": "Bildung",
    "health_care": "Gesundheit und Pflege",
    "economy": "Wirtschaft",
    "participation": "Beteiligung",
    "infrastructure_iot": "Infrastruktur und IoT",
    "culture_tourism": "Kultur und Tourismus",
    "security": "Sicherheit",
    "urban_development": "Stadt- und Ortsentwicklung",
}
ACTOR_TYPE_LABELS = {
    "council": "Rat", "committee": "Ausschuss", "steering_group": "Steuerkreis",
    "administration_head": "Verwaltungsspitze", "cdo": "Digitalisierungsbeauftragte/CDO",
    "staff_unit": "Stabsstelle", "smart_city_office": "Smart-City-Büro",
    "digital_office": "Amt für Digitalisierung", "project_matrix": "Projekt-Matrix-Struktur",
    "project_group": "Projektgruppe", "department": "Fachamt", "digital_pilot": "Digitallotsen",
    "agency": "Digitalagentur", "municipal_company": "Kommunales Unternehmen",
    "advisory_board": "Beirat", "topic_sponsor": "Themenpat:in", "association": "Verein/Verband",
    "business": "Unternehmen", "research": "Wissenschaft/Forschung", "other": "Sonstige",
}
#: Actor type -> definite article in the accusative (for "... beauftragen").
ACCUSATIVE = {
    "council": "den", "committee": "den", "steering_group": "den", "administration_head": "die",
    "cdo": "die", "staff_unit": "die", "smart_city_office": "das", "digital_office": "das",
    "project_matrix": "die", "project_group": "die", "department": "das", "digital_pilot": "die",
    "agency": "die", "municipal_company": "das", "advisory_board": "den", "topic_sponsor": "die",
    "association": "den", "business": "das", "research": "die",
}
#: Part of the Taktgeber score -> German label.
PART_LABELS = {
    "brokerage": "Vermittlung zwischen Kommunen",
    "reach": "Reichweite (Mitglieder in zwei Schritten)",
    "coverage": "Abdeckung der Teilnetze",
    "level": "passende Ebene (koordinierend)",
    "mandate": "Mandat",
    "capacity": "Kapazität (Personal)",
    "loss": "Verlust für das Netzwerk bei Ausscheiden",
}


def number(value: float, digits: int = 2) -> str:
    """Format ``value`` the German way (decimal comma): ``number(0.5) == "0,50"``."""
    return f"{value:.{digits}f}".replace(".", ",")


def join(items: Iterable[str]) -> str:
    """Join German style: ``join(["A", "B", "C"]) == "A, B und C"``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " und " + items[-1]


def name(G: nx.Graph, key) -> str:
    """The ``name`` attribute of node ``key`` (its key when it has none)."""
    return str(G.nodes[key].get("name") or key) if key in G else str(key)


def accusative(G: nx.Graph, key) -> str:
    """The actor's name with its accusative article ("die Südwestfalen Agentur")."""
    article = ACCUSATIVE.get(G.nodes[key].get("actor_type")) if key in G else None
    return f"{article} {name(G, key)}" if article else f"„{name(G, key)}“"


def quoted(G: nx.Graph, key) -> str:
    """The node's name in German quotation marks: „Name“."""
    return f"„{name(G, key)}“"


def names(G: nx.Graph, keys: Iterable, limit: int = 5) -> str:
    """Names of ``keys`` joined German style, at most ``limit`` then "und N weitere"."""
    keys = list(keys)
    shown = [name(G, k) for k in keys[:limit]]
    rest = len(keys) - len(shown)
    if rest > 0:
        return ", ".join(shown) + f" und {rest} weitere"
    return join(shown)
