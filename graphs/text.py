"""Wording of the analysis in German and English: labels, sentence templates, grammar helpers.

Every human sentence of the report is built here or from a template here, once per language
(``TEMPLATES``, ``LABELS``); the analysis modules pick the language with ``lang`` ("de", the
default, or "en") and pass the facts as placeholders. German sentences need articles by
grammatical case (:func:`the`), which English does without.
"""

from __future__ import annotations

import string
from collections.abc import Iterable

import networkx as nx

__all__ = [
    "LABELS",
    "LANGUAGES",
    "LEVEL_EXAMPLES",
    "LEVEL_LABELS",
    "PART_LABELS",
    "STATUS_LABELS",
    "TEMPLATES",
    "TOPIC_LABELS",
    "check_lang",
    "gender",
    "join",
    "label",
    "name",
    "names",
    "number",
    "percent",
    "placeholders",
    "plural",
    "quote",
    "quoted",
    "say",
    "sentence",
    "the",
]

#: Languages of the report; German is the source language and the default.
LANGUAGES = ("de", "en")

#: Language -> table -> value -> its label: ``level`` (a level as the object of a sentence,
#: "fehlt die ..."), ``level_examples`` (units on a level), ``topic``, ``part`` (part of the
#: Taktgeber score) and ``status`` (of an initiative).
LABELS = {
    "de": {
        "level": {
            "strategic": "politisch-strategische Ebene",
            "coordinating": "koordinierende Ebene",
            "operational": "Umsetzungsebene",
        },
        "level_examples": {
            "strategic": "z. B. Rat, Ausschuss, Steuerkreis",
            "coordinating": "z. B. Stabsstelle, CDO, Smart-City-Büro",
            "operational": "z. B. Fachamt, Projektgruppe, Digitallotsen",
        },
        "topic": {
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
        },
        "part": {
            "brokerage": "Vermittlung zwischen Kommunen",
            "reach": "Reichweite (Mitglieder in zwei Schritten)",
            "coverage": "Abdeckung der Teilnetze",
            "level": "passende Ebene (koordinierend)",
            "mandate": "Mandat",
            "capacity": "Kapazität (Personal)",
            "loss": "Verlust für das Netzwerk bei Ausscheiden",
        },
        "status": {"idea": "Idee", "planned": "geplant", "running": "laufend",
                   "completed": "abgeschlossen"},
    },
    "en": {
        "level": {
            "strategic": "political-strategic level",
            "coordinating": "coordinating level",
            "operational": "implementation level",
        },
        "level_examples": {
            "strategic": "e.g. council, committee, steering group",
            "coordinating": "e.g. staff unit, CDO, smart city office",
            "operational": "e.g. specialist department, project group, digital guides",
        },
        "topic": {
            "administration": "Administration",
            "data_platform": "Data platform",
            "mobility": "Mobility",
            "energy_climate": "Energy and climate",
            "education": "Education",
            "health_care": "Health and care",
            "economy": "Business",
            "participation": "Participation",
            "infrastructure_iot": "Infrastructure and IoT",
            "culture_tourism": "Culture and tourism",
            "security": "Safety and security",
            "urban_development": "Urban and village development",
        },
        "part": {
            "brokerage": "brokerage between municipalities",
            "reach": "reach (members within two steps)",
            "coverage": "coverage of the communities",
            "level": "fitting level (coordinating)",
            "mandate": "mandate",
            "capacity": "capacity (staff)",
            "loss": "loss to the network on leaving",
        },
        "status": {"idea": "idea", "planned": "planned", "running": "ongoing",
                   "completed": "completed"},
    },
}
#: The German tables under their old names.
LEVEL_LABELS = LABELS["de"]["level"]
LEVEL_EXAMPLES = LABELS["de"]["level_examples"]
TOPIC_LABELS = LABELS["de"]["topic"]
PART_LABELS = LABELS["de"]["part"]
STATUS_LABELS = LABELS["de"]["status"]

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
#: Language -> template key -> sentence (``str.format`` placeholders in braces). A key ending
#: in ``.one`` has a ``.many`` twin for plural subjects (see :func:`plural`).
TEMPLATES = {
    "de": {
        # grammar
        "and": "und",
        "more": "{names} und {rest} weitere",
        "quote": "„{text}“",
        "percent": "{value} %",
        "percent_small": "unter 1 %",
        # gap: missing_level
        "missing_level.item": "die {level} ({examples})",
        "missing_level.one": "{name} fehlt {what}. {remedies}.",
        "missing_level.many": "{name} fehlen {what}. {remedies}.",
        "missing_level.strategic": "einen Ratsbeschluss herbeiführen oder einen Steuerkreis "
                                   "einrichten",
        "missing_level.coordinating": "eine koordinierende Stelle benennen",
        "missing_level.coordinating_helper": "eine koordinierende Stelle benennen oder {helper} "
                                             "beauftragen",
        "missing_level.operational": "eine umsetzende Stelle benennen",
        # gap: isolated_member
        "isolated.remedy": "Eine Verbindung ins Netzwerk aufnehmen{helper}{initiative}.",
        "isolated.helper": ", z. B. mit {actor},",
        "isolated.initiative": " oder sich an der Initiative {initiative} beteiligen",
        "isolated.alone": "{name} hat noch keine Akteure im Netzwerk und ist mit niemandem "
                          "verbunden. Eine Ansprechstelle benennen. {remedy}",
        "isolated.single": "{name} ist mit dem übrigen Netzwerk nicht verbunden (keine "
                           "Verbindung und keine gemeinsame Initiative). {remedy}",
        "isolated.group": "{names} sind nur untereinander, aber nicht mit dem übrigen Netzwerk "
                          "verbunden. {remedy}",
        # gap: single_municipality_initiative
        "single.regional": "Die Initiative {initiative} wird von keiner Kommune mitgetragen "
                           "(nur {carriers}). Mitgliedskommunen als Partner gewinnen.",
        "single.invite": ", z. B. {names}",
        "single.one": "Die Initiative {initiatives} wird nur von {name} getragen. Weitere "
                      "Kommunen einladen{invite}, damit Aufwand und Wissen geteilt werden.",
        "single.many": "Die {count} Initiativen {initiatives} werden nur von {name} getragen. "
                       "Weitere Kommunen einladen{invite}, damit Aufwand und Wissen geteilt "
                       "werden.",
        # gap: initiative_without_lead
        "lead.nobody": "Die Initiative {initiative} ({status}) hat weder Beteiligte noch "
                       "Federführung. Eine federführende Stelle und Partner gewinnen.",
        "lead.pick": "Die Initiative {initiative} ({status}) hat keine Federführung. Eine "
                     "federführende Stelle bestimmen, z. B. {actor}.",
        # the part of the network cut off (articulation_point, bridge)
        "piece.more": "{names} und {rest} weitere Kommunen",
        "piece.actors.one": "{count} Akteur",
        "piece.actors.many": "{count} Akteure",
        # gap: articulation_point
        "articulation.own": "{own} hängt nur an {actor}: Fällt diese Stelle weg, ist {own} vom "
                            "Netzwerk abgeschnitten. Eine zweite Verbindung eines anderen "
                            "Akteurs von {own} zu anderen Kommunen knüpfen.",
        "articulation.one": "Fällt {actor} weg, ist {what} vom Netzwerk abgeschnitten. Eine "
                            "zweite, unabhängige Verbindung knüpfen (Kooperation oder "
                            "gemeinsame Initiative), damit das Netzwerk nicht an dieser einen "
                            "Stelle hängt.",
        "articulation.many": "Fällt {actor} weg, sind {what} vom Netzwerk abgeschnitten. Eine "
                             "zweite, unabhängige Verbindung knüpfen (Kooperation oder "
                             "gemeinsame Initiative), damit das Netzwerk nicht an dieser einen "
                             "Stelle hängt.",
        # gap: bridge
        "bridge.initiative.one": "{piece} ist nur über die Initiative {initiative} mit dem "
                                 "Netzwerk verbunden (Teilnahme: {actor}). Endet die Teilnahme, "
                                 "ist {piece} abgeschnitten. Eine zweite Verbindung zum übrigen "
                                 "Netzwerk knüpfen.",
        "bridge.initiative.many": "{piece} sind nur über die Initiative {initiative} mit dem "
                                  "Netzwerk verbunden (Teilnahme: {actor}). Endet die "
                                  "Teilnahme, sind {piece} abgeschnitten. Eine zweite "
                                  "Verbindung zum übrigen Netzwerk knüpfen.",
        "bridge.tie.one": "{piece} hängt nur an der Verbindung zwischen {near} und {far}: Reißt "
                          "sie ab oder fällt eine der beiden Seiten weg, ist {piece} vom "
                          "Netzwerk abgeschnitten. Eine zweite Verbindung zum übrigen Netzwerk "
                          "knüpfen.",
        "bridge.tie.many": "{piece} hängen nur an der Verbindung zwischen {near} und {far}: "
                           "Reißt sie ab oder fällt eine der beiden Seiten weg, sind {piece} "
                           "vom Netzwerk abgeschnitten. Eine zweite Verbindung zum übrigen "
                           "Netzwerk knüpfen.",
        # gap: weak_community_link
        "weak.tie": "die Verbindung zwischen {first} und {second}",
        "weak.initiative": "die gemeinsame Initiative {initiative}",
        "weak.suggestion": ", z. B. zwischen {first} und {second}",
        "weak.message": "Die Teilnetze um {first} und um {second} sind nur über {what} "
                        "verknüpft. Eine zweite Verbindung knüpfen (Kooperation oder "
                        "gemeinsame Initiative){suggestion}.",
        # gap: topic_gap
        "topic.topics.one": "beim Thema {topics}",
        "topic.topics.many": "bei den Themen {topics}",
        "topic.remedy_tie": "Eine Verbindung zwischen {first} und {second} knüpfen, z. B. als "
                            "Wissenstransfer.",
        "topic.remedy": "Eine vertrauensvolle Verbindung zu einer erfahrenen Kommune knüpfen.",
        "topic.message.one": "{topics} haben andere Mitglieder Erfahrung, aber {members} ist "
                             "über vertrauensvolle Verbindungen (Gewicht ab 3 oder gemeinsame "
                             "Initiativen) nicht zu erreichen. {remedy}",
        "topic.message.many": "{topics} haben andere Mitglieder Erfahrung, aber {members} sind "
                              "über vertrauensvolle Verbindungen (Gewicht ab 3 oder gemeinsame "
                              "Initiativen) nicht zu erreichen. {remedy}",
        # gap: overloaded_actor
        "overloaded.staff_unknown": "ohne Angabe zum Personal",
        "overloaded.staff": "mit {fte} VZÄ",
        "overloaded.hand_over": "Federführung abgeben{helper} oder die Kapazität aufstocken.",
        "overloaded.helper": ", z. B. an {actor},",
        "overloaded.pool": "Beteiligungen bündeln oder abgeben oder die Kapazität aufstocken.",
        "overloaded.message": "{actor} ist an {count} laufenden oder geplanten Initiativen "
                              "beteiligt, davon {leads} federführend, {staff}. {remedy}",
        # Taktgeber ranking
        "explain": "{name}: am stärksten bei {best} ({best_value}; {best_reason}), am "
                   "schwächsten bei {worst} ({worst_value}; {worst_reason}).",
        "explain.designated": " Durch eine beschlossene Spielregel als Taktgeber vorgesehen; "
                              "der Wert ist unverändert berechnet.",
        "explain.assumed": " Als Taktgeber angenommen: Ebene und Mandat als erfüllt gewertet "
                           "(Wert {after} statt {before}).",
        "reason.brokerage": "liegt auf {share} der kürzesten Wege zwischen Mitgliedskommunen, "
                            "{count}-mal Vermittlung zwischen Gruppen",
        "reason.reach": "erreicht {count} von {total} Mitgliedern in zwei Schritten",
        "reason.coverage": "erreicht {count} von {total} Teilnetzen",
        "reason.level.designated": "als Taktgeber angenommen",
        "reason.level.unknown": "Ebene unbekannt",
        "reason.mandate.designated": "als Taktgeber angenommen",
        "reason.mandate.full": "Mandat der politischen Ebene",
        "reason.mandate.indirect": "nur mittelbares Mandat",
        "reason.mandate.none": "kein Mandat der politischen Ebene",
        "reason.capacity": "{fte} VZÄ",
        "reason.capacity.unknown": "keine Angabe zum Personal",
        "reason.loss": "ohne sie sinkt die Erreichbarkeit um {share}",
        "reason.loss.pairs": "ohne sie wären {share} der Kommunenpaare getrennt",
        "score_explanation": (
            "Der Taktgeber-Wert (0 bis 1) ist eine gewichtete Summe aus sieben Teilen, jeder "
            "zwischen 0 und 1. Vermittlung zwischen Kommunen (25 %): wie oft die Stelle auf "
            "kürzesten Wegen zwischen Mitgliedskommunen liegt und wie oft sie zwischen fremden "
            "Gruppen vermittelt oder ihre Kommune nach außen vertritt (Gould/Fernandez), "
            "gemessen an der stärksten Stelle. Mandat (20 %): ein Auftrag der politischen Ebene "
            "(1) oder nur mittelbar, etwa über Finanzierung oder eine Berichtslinie (0,5). "
            "Kapazität (15 %): Personal in Vollzeitstellen, 2 VZÄ ergeben 0,5 und 6 VZÄ 0,75. "
            "Reichweite (10 %): Anteil der Mitglieder, die in höchstens zwei Schritten "
            "erreichbar sind. Abdeckung (10 %): Anteil der Teilnetze, "
            "die so erreicht werden. Ebene (10 %): koordinierend 1, politisch-strategisch 0,5, "
            "Umsetzung 0,25. Verlust (10 %): wie stark die Erreichbarkeit zwischen den Kommunen "
            "sinkt, wenn die Stelle wegfällt (in sehr großen Netzen: wie viele Kommunenpaare "
            "dann getrennt wären), gemessen an der wichtigsten Stelle. Wer nur gut "
            "vernetzt ist, aber weder Mandat noch Personal hat, gewinnt deshalb nicht allein "
            "durch seine Lage im Netzwerk."
        ),
        # knowledge transfer
        "transfer.note": "Bei gleich guten Wegen werden städtische vor ländlichen Quellen "
                         "bevorzugt (kreisfreie Stadt vor kreisangehöriger Stadt vor Gemeinde) "
                         "und größere vor kleineren. Als Wege zählen vertrauensvolle "
                         "Verbindungen (Gewicht ab 3, Länge 6 − Gewicht) und laufende oder "
                         "abgeschlossene gemeinsame Initiativen.",
        "transfer.shown": " Gezeigt werden die {shown} kürzesten von {total} Wegen.",
        "transfer.unreachable": " {count} Mitglieder ohne Erfahrung sind über vertrauensvolle "
                                "Verbindungen nicht erreichbar.",
        # what-if
        "whatif.without": "ohne {node}",
        "whatif.taktgeber": "mit {actor} als Taktgeber",
        "whatif.opened.one": "{count} Lücke kommt hinzu",
        "whatif.opened.many": "{count} Lücken kommen hinzu",
        "whatif.closed.one": "{count} Lücke entfällt",
        "whatif.closed.many": "{count} Lücken entfallen",
        "whatif.changed.one": "{count} Lücke ändert sich",
        "whatif.changed.many": "{count} Lücken ändern sich",
        "whatif.message": "{scenario}: {counts}.",
        "whatif.top": " Stärkster Kandidat ist dann {after} statt {before}.",
    },
    "en": {
        # grammar
        "and": "and",
        "more": "{names} and {rest} more",
        "quote": "“{text}”",
        "percent": "{value}%",
        "percent_small": "under 1%",
        # gap: missing_level
        "missing_level.item": "the {level} ({examples})",
        "missing_level.one": "{name} lacks {what}. {remedies}.",
        "missing_level.many": "{name} lacks {what}. {remedies}.",
        "missing_level.strategic": "obtain a council resolution or set up a steering group",
        "missing_level.coordinating": "name a coordinating unit",
        "missing_level.coordinating_helper": "name a coordinating unit or commission {helper}",
        "missing_level.operational": "name an implementing unit",
        # gap: isolated_member
        "isolated.remedy": "Establish a tie into the network{helper}{initiative}.",
        "isolated.helper": ", e.g. with {actor},",
        "isolated.initiative": " or join the initiative {initiative}",
        "isolated.alone": "{name} has no actors in the network yet and is connected to no one. "
                          "Name a contact point. {remedy}",
        "isolated.single": "{name} is not connected to the rest of the network (no tie and no "
                           "shared initiative). {remedy}",
        "isolated.group": "{names} are connected only to each other, not to the rest of the "
                          "network. {remedy}",
        # gap: single_municipality_initiative
        "single.regional": "No municipality takes part in the initiative {initiative} (only "
                           "{carriers}). Win member municipalities as partners.",
        "single.invite": ", e.g. {names}",
        "single.one": "The initiative {initiatives} is carried by {name} alone. Invite further "
                      "municipalities{invite}, so that effort and knowledge are shared.",
        "single.many": "The {count} initiatives {initiatives} are carried by {name} alone. "
                       "Invite further municipalities{invite}, so that effort and knowledge "
                       "are shared.",
        # gap: initiative_without_lead
        "lead.nobody": "The initiative {initiative} ({status}) has neither participants nor a "
                       "lead. Win a lead unit and partners.",
        "lead.pick": "The initiative {initiative} ({status}) has no lead. Appoint a lead unit, "
                     "e.g. {actor}.",
        # the part of the network cut off (articulation_point, bridge)
        "piece.more": "{names} and {rest} more municipalities",
        "piece.actors.one": "{count} actor",
        "piece.actors.many": "{count} actors",
        # gap: articulation_point
        "articulation.own": "{own} hangs on {actor} alone: if this unit drops out, {own} is cut "
                            "off from the network. Build a second tie from another actor of "
                            "{own} to other municipalities.",
        "articulation.one": "If {actor} drops out, {what} is cut off from the network. Build a "
                            "second, independent tie (cooperation or shared initiative) so that "
                            "the network does not hang on this one unit.",
        "articulation.many": "If {actor} drops out, {what} are cut off from the network. Build "
                             "a second, independent tie (cooperation or shared initiative) so "
                             "that the network does not hang on this one unit.",
        # gap: bridge
        "bridge.initiative.one": "{piece} is linked to the network only through the initiative "
                                 "{initiative} (participant: {actor}). If this participation "
                                 "ends, {piece} is cut off. Build a second tie to the rest of "
                                 "the network.",
        "bridge.initiative.many": "{piece} are linked to the network only through the "
                                  "initiative {initiative} (participant: {actor}). If this "
                                  "participation ends, {piece} are cut off. Build a second tie "
                                  "to the rest of the network.",
        "bridge.tie.one": "{piece} hangs on the single tie between {near} and {far}: if it "
                          "breaks or either side drops out, {piece} is cut off from the "
                          "network. Build a second tie to the rest of the network.",
        "bridge.tie.many": "{piece} hang on the single tie between {near} and {far}: if it "
                           "breaks or either side drops out, {piece} are cut off from the "
                           "network. Build a second tie to the rest of the network.",
        # gap: weak_community_link
        "weak.tie": "the tie between {first} and {second}",
        "weak.initiative": "the shared initiative {initiative}",
        "weak.suggestion": ", e.g. between {first} and {second}",
        "weak.message": "The communities around {first} and around {second} are linked only "
                        "through {what}. Build a second tie (cooperation or shared "
                        "initiative){suggestion}.",
        # gap: topic_gap
        "topic.topics.one": "in the topic {topics}",
        "topic.topics.many": "in the topics {topics}",
        "topic.remedy_tie": "Build a tie between {first} and {second}, e.g. as a knowledge "
                            "transfer.",
        "topic.remedy": "Build a trusted tie to an experienced municipality.",
        "topic.message.one": "Other members have experience {topics}, but {members} cannot be "
                             "reached over trusted ties (weight 3 or more, or shared "
                             "initiatives). {remedy}",
        "topic.message.many": "Other members have experience {topics}, but {members} cannot be "
                              "reached over trusted ties (weight 3 or more, or shared "
                              "initiatives). {remedy}",
        # gap: overloaded_actor
        "overloaded.staff_unknown": "with no staff figure given",
        "overloaded.staff": "with {fte} FTE",
        "overloaded.hand_over": "Hand over lead roles{helper} or increase the capacity.",
        "overloaded.helper": ", e.g. to {actor},",
        "overloaded.pool": "Pool or give up participations, or increase the capacity.",
        "overloaded.message": "{actor} takes part in {count} running or planned initiatives, "
                              "leading {leads} of them, {staff}. {remedy}",
        # Taktgeber ranking
        "explain": "{name}: strongest in {best} ({best_value}; {best_reason}), weakest in "
                   "{worst} ({worst_value}; {worst_reason}).",
        "explain.designated": " Designated as Taktgeber by an adopted rule; the score is "
                              "computed unchanged.",
        "explain.assumed": " Assumed as Taktgeber: level and mandate counted as fulfilled "
                           "(score {after} instead of {before}).",
        "reason.brokerage": "lies on {share} of the shortest paths between member "
                            "municipalities, mediates between groups {count} times",
        "reason.reach": "reaches {count} of {total} members in two steps",
        "reason.coverage": "reaches {count} of {total} communities",
        "reason.level.designated": "assumed as Taktgeber",
        "reason.level.unknown": "level unknown",
        "reason.mandate.designated": "assumed as Taktgeber",
        "reason.mandate.full": "mandate from the political level",
        "reason.mandate.indirect": "indirect mandate only",
        "reason.mandate.none": "no mandate from the political level",
        "reason.capacity": "{fte} FTE",
        "reason.capacity.unknown": "no staff figure given",
        "reason.loss": "without it, reachability drops by {share}",
        "reason.loss.pairs": "without it, {share} of the municipality pairs would be "
                             "disconnected",
        "score_explanation": (
            "The Taktgeber score (0 to 1) is a weighted sum of seven parts, each between 0 and "
            "1. Brokerage between municipalities (25%): how often the unit lies on shortest "
            "paths between member municipalities and how often it mediates between other "
            "groups or represents its municipality outward (Gould/Fernandez), relative to the "
            "strongest unit. Mandate (20%): a mandate from the political level (1) or only "
            "indirect, e.g. through funding or a reporting line (0.5). "
            "Capacity (15%): staff in full-time equivalents; 2 FTE give 0.5 and 6 FTE 0.75. "
            "Reach (10%): share of members reachable in at most two steps. Coverage (10%): "
            "share of the network's communities reached that way. Level (10%): coordinating 1, "
            "strategic 0.5, operational 0.25. Loss (10%): how much the reachability between the "
            "municipalities drops if the unit leaves (in very large networks: how many pairs of "
            "municipalities it would disconnect), relative to the most important unit. A unit "
            "that is merely well connected, with neither mandate nor staff, therefore cannot "
            "win on its position alone."
        ),
        # knowledge transfer
        "transfer.note": "Among equally good paths, urban sources are preferred to rural ones "
                         "(independent city before district town before municipality) and "
                         "larger to smaller ones. Paths run over trusted ties (weight 3 or "
                         "more, length 6 − weight) and running or completed shared "
                         "initiatives.",
        "transfer.shown": " Shown are the {shown} shortest of {total} paths.",
        "transfer.unreachable": " {count} members without experience cannot be reached over "
                                "trusted ties.",
        # what-if
        "whatif.without": "without {node}",
        "whatif.taktgeber": "with {actor} as Taktgeber",
        "whatif.opened.one": "{count} new gap",
        "whatif.opened.many": "{count} new gaps",
        "whatif.closed.one": "{count} gap closed",
        "whatif.closed.many": "{count} gaps closed",
        "whatif.changed.one": "{count} gap changed",
        "whatif.changed.many": "{count} gaps changed",
        "whatif.message": "{scenario}: {counts}.",
        "whatif.top": " The strongest candidate is then {after} instead of {before}.",
    },
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if the report speaks it ("de" or "en"), else raise ``ValueError``."""
    if lang not in LANGUAGES:
        raise ValueError(f"Unbekannte Sprache {lang!r}: erwartet wird "
                         f"{' oder '.join(LANGUAGES)}.")
    return lang


def say(lang: str, key: str, **values) -> str:
    """The template ``key`` in ``lang`` with its placeholders filled in.

    >>> say("en", "reason.reach", count=3, total=5)
    'reaches 3 of 5 members in two steps'
    >>> say("de", "reason.reach", count=3, total=5)
    'erreicht 3 von 5 Mitgliedern in zwei Schritten'
    """
    return TEMPLATES[check_lang(lang)][key].format(**values)


def plural(lang: str, key: str, count: int, **values) -> str:
    """``say(lang, key + ".one" or ".many")``: singular when ``count`` is 1.

    ``count`` is passed on as a placeholder too.

    >>> plural("en", "whatif.closed", 2)
    '2 gaps closed'
    """
    return say(lang, f"{key}.{'one' if count == 1 else 'many'}", count=count, **values)


def placeholders(template: str) -> set[str]:
    """The placeholder names of a template: ``placeholders("{a} und {b}") == {"a", "b"}``."""
    return {field for _text, field, _spec, _conv in string.Formatter().parse(template)
            if field is not None}


def label(lang: str, table: str, value) -> str:
    """The label of ``value`` in ``LABELS[lang][table]``, the value itself when it has none.

    >>> label("en", "topic", "mobility"), label("de", "topic", "mobility")
    ('Mobility', 'Mobilität')
    """
    return LABELS[check_lang(lang)][table].get(value, value)


def number(value: float, digits: int = 2, lang: str = "de") -> str:
    """Format ``value`` with ``digits`` decimals: German decimal comma, English point.

    >>> number(0.5), number(0.5, 1, "en")
    ('0,50', '0.5')
    """
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if check_lang(lang) == "de" else text


def percent(share: float, lang: str = "de") -> str:
    """A share as a whole percentage ("12 %", "12%"), or "under 1 %" for a tiny one.

    >>> percent(0.123), percent(0.123, "en"), percent(0.001, "en")
    ('12 %', '12%', 'under 1%')
    """
    if share >= 0.01 or share == 0:
        return say(lang, "percent", value=number(100 * share, 0, lang))
    return say(lang, "percent_small")


def join(items: Iterable[str], lang: str = "de") -> str:
    """Join as a list in running text: ``join(["A", "B", "C"]) == "A, B und C"``.

    >>> join(["A", "B", "C"], "en")
    'A, B and C'
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {say(lang, 'and')} " + items[-1]


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


def the(G: nx.Graph, key, case: str = "nom", lang: str = "de") -> str:
    """The node's name as a noun phrase in ``case`` (nom, acc, dat).

    German puts the definite article of the case before it when its gender is known:
    ``the(G, "swa", "acc") == "die Südwestfalen Agentur GmbH"``; a name whose gender is not
    known is quoted instead („Digitaler Wandel“), which reads correctly in every case.
    English uses the bare name (organisation names are proper nouns there).
    """
    label = name(G, key)
    if check_lang(lang) != "de":
        return label
    found = gender(label)
    return f"{ARTICLES[case][found]} {label}" if found else f"„{label}“"


def sentence(text: str) -> str:
    """``text`` with its first letter capitalised (for sentences that start with an article)."""
    return text[:1].upper() + text[1:]


def quote(text: str, lang: str = "de") -> str:
    """``text`` in the language's quotation marks: „text“ or “text”."""
    return say(lang, "quote", text=text)


def quoted(G: nx.Graph, key, lang: str = "de") -> str:
    """The node's name in quotation marks: „Name“ (German) or “Name” (English)."""
    return quote(name(G, key), lang)


def names(G: nx.Graph, keys: Iterable, limit: int = 5, lang: str = "de") -> str:
    """Names of ``keys`` joined as a list, at most ``limit`` then "und N weitere"."""
    keys = list(keys)
    shown = [name(G, k) for k in keys[:limit]]
    rest = len(keys) - len(shown)
    if rest > 0:
        return say(lang, "more", names=", ".join(shown), rest=rest)
    return join(shown, lang)
