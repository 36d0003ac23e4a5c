"""German wording for the analysis: labels of the domain's values and sentence helpers."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

__all__ = [
    "LEVEL_EXAMPLES",
    "LEVEL_LABELS",
    "PART_LABELS",
    "TOPIC_LABELS",
    "gender",
    "join",
    "name",
    "names",
    "number",
    "quoted",
    "sentence",
    "the",
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
#: Grammatical gender of organisation nouns, by word ending (f, m, n, or p for plural).
GENDER_ENDINGS = (
    ("agentur", "f"), ("gmbh", "f"), ("stelle", "f"), ("abteilung", "f"), ("leitung", "f"),
    ("gruppe", "f"), ("struktur", "f"), ("runde", "f"), ("verwaltung", "f"), ("spitze", "f"),
    ("gesellschaft", "f"), ("hochschule", "f"), ("universität", "f"), ("initiative", "f"),
    ("genossenschaft", "f"), ("kammer", "f"), ("stiftung", "f"), ("werkstatt", "f"),
    ("koordination", "f"), ("lotsen", "p"), ("werke", "p"), ("innen", "p"), ("büro", "n"),
    ("amt", "n"), ("team", "n"), ("netzwerk", "n"), ("unternehmen", "n"), ("labor", "n"),
    ("lab", "n"), ("zentrum", "n"), ("forum", "n"), ("referat", "n"), ("dezernat", "n"),
    ("institut", "n"), ("projekt", "n"), ("management", "n"), ("rat", "m"), ("kreis", "m"),
    ("ausschuss", "m"), ("verein", "m"), ("verband", "m"), ("meister", "m"), ("betrieb", "m"),
    ("dienst", "m"), ("tag", "m"), ("vorstand", "m"), ("betreiber", "m"),
)
#: Words that name their gender exactly (short ones a suffix would match by accident).
GENDER_WORDS = {"it": "f", "ag": "f", "eg": "f"}
ARTICLES = {
    "nom": {"f": "die", "m": "der", "n": "das", "p": "die"},
    "acc": {"f": "die", "m": "den", "n": "das", "p": "die"},
    "dat": {"f": "der", "m": "dem", "n": "dem", "p": "den"},
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


def gender(label: str) -> str | None:
    """Guess the grammatical gender of an organisation's name from its head noun, or None.

    The part before " der ", " des ", " für ", "(", "|" or "," is scanned word by word; the
    first word with a known ending decides ("Südwestfalen Agentur GmbH" -> "f"). Nouns that
    decline like adjectives (Beauftragte) are left unknown on purpose.
    """
    head = label
    for cut in (" der ", " des ", " für ", "(", "|", ","):
        head = head.split(cut)[0]
    for word in head.replace("-", " ").split():
        word = word.lower().strip("„“\"'")
        if word in GENDER_WORDS:
            return GENDER_WORDS[word]
        if word.endswith(("beauftragte", "beauftragter")):
            return None
        for ending, found in GENDER_ENDINGS:
            if word.endswith(ending):
                return found
    return None


def the(G: nx.Graph, key, case: str = "nom") -> str:
    """The node's name with its definite article in ``case`` (nom, acc, dat), if known.

    ``the(G, "swa", "acc") == "die Südwestfalen Agentur GmbH"``; a name whose gender is not
    known is quoted instead („Digitaler Wandel“), which reads correctly in every case.
    """
    label = name(G, key)
    found = gender(label)
    return f"{ARTICLES[case][found]} {label}" if found else f"„{label}“"


def sentence(text: str) -> str:
    """``text`` with its first letter capitalised (for sentences that start with an article)."""
    return text[:1].upper() + text[1:]


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
