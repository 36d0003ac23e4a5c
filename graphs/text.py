"""Wording of the analysis in German and English: labels, sentence templates, grammar helpers.

Every human sentence of the report is built here or from a template here, once per language
(``TEMPLATES``, ``LABELS``); the analysis modules pick the language with ``lang`` ("de", the
default, or "en") and pass the facts as placeholders. German sentences need articles by
grammatical case (:func:`the`), which English does without.
"""

from __future__ import annotations

import datetime as dt
import functools
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
    "day",
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
#: Taktgeber score), ``sector`` (of an actor) and ``status`` (of an initiative).
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
            "takt": "Takt (lädt regelmäßig Mitglieder ein)",
        },
        "sector": {"public": "Verwaltung", "civil_society": "Zivilgesellschaft",
                   "business": "Wirtschaft", "science": "Wissenschaft"},
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
            "takt": "beat (convenes members regularly)",
        },
        "sector": {"public": "administration", "civil_society": "civil society",
                   "business": "business", "science": "science"},
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
        "or": "oder",
        "more": "{names} und {rest} weitere",
        "quote": "„{text}“",
        "percent": "{value} %",
        "percent_small": "unter 1 %",
        # provenance (appended to a finding resting on assumed records)
        "assumed_share": " Beruht zu {share} auf angenommenen Angaben.",
        # gap: missing_data
        "missing_data.levels": "Für {name} sind diese Ebenen nur aus angenommenen Angaben "
                               "bekannt: {levels}. Bitte bestätigen Sie, welche Stellen dort "
                               "zuständig sind, oder tragen Sie sie ein.",
        "missing_data.assumed": "Für {name} liegen keine belegten Angaben vor ({what}). Bitte "
                                "bestätigen Sie, welche Stellen dort zuständig sind, oder "
                                "tragen Sie sie ein.",
        "missing_data.part_assumed": "angenommen: {levels}",
        "missing_data.part_unrecorded": "nicht erfasst: {levels}",
        "missing_data.none": "Für {name} ist noch keine Stelle erfasst. Bitte bestätigen Sie, "
                             "welche Stellen dort die politisch-strategische, die "
                             "koordinierende und die umsetzende Ebene wahrnehmen, und tragen "
                             "Sie sie ein.",
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
                     "federführende Stelle bestimmen, z. B. {actor}{why}.",
        "lead.why.experience": " (Erfahrung mit dem Thema)",
        "lead.why.declared": " (Thema nach eigener Angabe)",
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
                             "über keinen Wissenskanal (Wissenstransfer, Beratung, Kooperation, "
                             "Initiative oder wiederkehrendes Format zum Thema) zu erreichen. "
                             "{remedy}",
        "topic.message.many": "{topics} haben andere Mitglieder Erfahrung, aber {members} sind "
                              "über keinen Wissenskanal (Wissenstransfer, Beratung, Kooperation, "
                              "Initiative oder wiederkehrendes Format zum Thema) zu erreichen. "
                              "{remedy}",
        # gap: reuse_candidate
        "reuse.offer": "{solution} (im Einsatz bei {users})",
        "reuse.message": "{member} arbeitet an {initiatives}; in der Nachbarschaft läuft dazu "
                         "schon {offers}. Vor dem Eigenbau die Nachnutzung prüfen und die "
                         "Nutzer fragen.",
        # gap: overloaded_actor
        "overloaded.staff_unknown": "ohne Angabe zum Personal",
        "overloaded.staff": "mit {fte} VZÄ",
        "overloaded.hand_over": "Federführung abgeben{helper} oder die Kapazität aufstocken.",
        "overloaded.helper": ", z. B. an {actor},",
        "overloaded.pool": "Beteiligungen bündeln oder abgeben oder die Kapazität aufstocken.",
        "overloaded.message": "{actor} ist an {count} laufenden oder geplanten Initiativen "
                              "beteiligt, davon {leads} federführend, {staff}. {remedy}",
        # gap: sector_gap
        "sector.missing": "Im Netzwerk ist kein Partner aus {sectors} vertreten. Partner "
                          "gewinnen (z. B. Vereine, Unternehmen, Hochschulen der Region) und "
                          "an gemeinsamen Initiativen beteiligen.",
        "sector.idle": "Partner aus dem Bereich {sector} ({names}) gehören zum Netzwerk, "
                       "wirken aber an keiner laufenden gemeinsamen Initiative mit. Sie als "
                       "Partner in eine laufende Initiative holen.",
        # gap: no_designated_taktgeber
        "no_taktgeber.message": "Das Netzwerk hat keinen Taktgeber durch eine beschlossene "
                                "Spielregel benannt. Eine Spielregel beschließen, die den "
                                "Taktgeber benennt{candidates}.",
        "no_taktgeber.candidates": "; die stärksten Kandidaten sind derzeit {names}",
        # gap: unvoted_charter
        "unvoted.recorded.one": " {count} der gezählten Stimmen ist aus einem Dokument "
                                "übernommen, nicht auf der Plattform abgegeben.",
        "unvoted.recorded.many": " {count} der gezählten Stimmen sind aus Dokumenten "
                                 "übernommen, nicht auf der Plattform abgegeben.",
        "unvoted.never.one": "Die beschlossene Spielregel {rules} bindet auch Mitglieder, die "
                             "nie darüber abgestimmt haben: {names}. Die Zustimmung nachholen, "
                             "per Abstimmung oder mit dem Beitrittsbeschluss.{recorded}",
        "unvoted.never.many": "Die {count} beschlossenen Spielregeln {rules} binden auch "
                              "Mitglieder, die nie darüber abgestimmt haben: {names}. Die "
                              "Zustimmung nachholen, per Abstimmung oder mit dem "
                              "Beitrittsbeschluss.{recorded}",
        "unvoted.quorum.one": "Über die beschlossene Spielregel {rules} haben nur {voted} von "
                              "{eligible} stimmberechtigten Mitgliedern abgestimmt (Quorum "
                              "{quorum}); sie bindet dennoch auch {names}. Die Abstimmung "
                              "wiederholen oder die Zustimmung der übrigen Mitglieder "
                              "einholen.{recorded}",
        "unvoted.quorum.many": "Über die {count} beschlossenen Spielregeln {rules} haben nur "
                               "{voted} von {eligible} stimmberechtigten Mitgliedern "
                               "abgestimmt (Quorum {quorum}); sie binden dennoch auch {names}. "
                               "Die Abstimmung wiederholen oder die Zustimmung der übrigen "
                               "Mitglieder einholen.{recorded}",
        # gap: funding_end
        "funding.months.one": "in {count} Monat",
        "funding.months.many": "in {count} Monaten",
        "funding.soon": "in weniger als einem Monat",
        "funding.ends": "Die Förderung des Netzwerks endet am {date} ({when}), und keine "
                        "beschlossene Spielregel regelt, wie es danach weitergeht. Eine "
                        "Spielregel zur Verstetigung beschließen: wer den Takt hält, wie die "
                        "Kosten geteilt werden, welche Formate bleiben.",
        "funding.ended": "Die Förderung des Netzwerks ist am {date} ausgelaufen, und keine "
                         "beschlossene Spielregel regelt, wie es weitergeht. Eine Spielregel "
                         "zur Verstetigung beschließen: wer den Takt hält, wie die Kosten "
                         "geteilt werden, welche Formate bleiben.",
        # Taktgeber weights (criteria rules)
        "weights.mapping": "Gewichte: bitte je Teil eine Zahl angeben (z. B. brokerage: 0.3).",
        "weights.unknown": "Unbekannter Teil „{part}“ (erlaubt: {parts}).",
        "weights.value": "Das Gewicht von „{part}“ muss eine Zahl ab 0 sein.",
        "weights.sum": "Die Gewichte müssen zusammen 1 ergeben (sie ergeben {total}).",
        # Taktgeber ranking
        "explain": "{name} – Stärke: {best} mit {best_value} ({best_reason}); Schwäche: "
                   "{worst} mit {worst_value} ({worst_reason}).",
        "explain.rank_stable": " Rang {rank} auch bei ±25 % für jedes Gewicht.",
        "explain.rank_range": " Rang {best}–{worst}, wenn sich ein Gewicht um ±25 % ändert.",
        "explain.designated": " Durch eine beschlossene Spielregel als Taktgeber benannt; das "
                              "zählt als Mandat des Netzwerks, sonst ist der Wert unverändert "
                              "berechnet.",
        "explain.assumed": " Als Taktgeber angenommen: Ebene und Mandat als erfüllt gewertet "
                           "(Wert {after} statt {before}).",
        "reason.brokerage": "liegt auf {share} der kürzesten Wege zwischen Mitgliedskommunen, "
                            "{count}-mal Vermittlung zwischen Gruppen",
        "reason.reach": "erreicht {count} von {total} Mitgliedern in zwei Schritten",
        "reason.coverage": "erreicht {count} von {total} Teilnetzen des zusammenhängenden "
                           "Netzes",
        "reason.level.designated": "als Taktgeber angenommen",
        "reason.level.unknown": "Ebene unbekannt",
        "reason.mandate.designated": "als Taktgeber angenommen",
        "reason.mandate.rule": "per Spielregel als Taktgeber benannt",
        "reason.mandate.network": "Mandat der politischen Ebene mehrerer Mitglieder",
        "reason.mandate.own": "Mandat nur einer Kommune, zählt halb",
        "reason.mandate.indirect": "nur mittelbares Mandat",
        "reason.mandate.none": "kein Mandat der politischen Ebene",
        "reason.takt.one": "lädt zu {count} wiederkehrenden Format mehrerer Mitglieder ein",
        "reason.takt.many": "lädt zu {count} wiederkehrenden Formaten mehrerer Mitglieder ein",
        "reason.takt.none": "lädt zu keinem wiederkehrenden Format ein",
        "reason.capacity": "{fte} VZÄ",
        "reason.capacity.unknown": "keine Angabe zum Personal",
        "reason.loss": "ohne sie sinkt die Erreichbarkeit um {share}",
        "reason.loss.pairs": "ohne sie wären {share} der Kommunenpaare getrennt",
        "score_explanation": (
            "Der Taktgeber-Wert (0 bis 1) ist eine gewichtete Summe aus acht Teilen, jeder "
            "zwischen 0 und 1. Vermittlung zwischen Kommunen ({brokerage}): wie oft die Stelle "
            "auf kürzesten Wegen zwischen Mitgliedskommunen liegt und wie oft sie zwischen "
            "fremden Gruppen vermittelt oder ihre Kommune nach außen vertritt "
            "(Gould/Fernandez), gemessen an der stärksten Stelle. Mandat ({mandate}): ein "
            "Auftrag des Netzwerks (1: per Spielregel oder von der politischen Ebene mehrerer "
            "Mitglieder, etwa eines Kreises für seine Gemeinden), nur einer Kommune (0,5) oder "
            "nur mittelbar, etwa über Finanzierung oder eine Berichtslinie (0,25). "
            "Kapazität ({capacity}): Personal in Vollzeitstellen, 2 VZÄ ergeben 0,5 und 6 VZÄ "
            "0,75. Takt ({takt}): wiederkehrende Formate mehrerer Mitglieder, zu denen die "
            "Stelle einlädt, nach Rhythmus und Anteil der beteiligten Kommunen (monatlich mit "
            "allen: 0,75). Verlust ({loss}): wie stark die Erreichbarkeit zwischen den "
            "Kommunen sinkt, wenn die Stelle wegfällt (in sehr großen Netzen: wie viele "
            "Kommunenpaare dann getrennt wären), gemessen an der wichtigsten Stelle. Abdeckung "
            "({coverage}): Anteil der Teilnetze, die in zwei Schritten erreicht werden (nicht "
            "verbundene Mitglieder zählen nicht als Teilnetz). Reichweite ({reach}): Anteil "
            "der Mitglieder, die in höchstens zwei Schritten erreichbar sind. Ebene "
            "({level}): koordinierend 1, politisch-strategisch 0,5, Umsetzung 0,25. Die "
            "Gewichte legt das Netzwerk per Spielregel (Kriterien) fest. Wer nur gut vernetzt "
            "ist, aber weder Mandat noch Personal hat, gewinnt nicht allein durch seine Lage "
            "im Netzwerk."
        ),
        "score_explanation.zero": "zählt nicht",
        # knowledge transfer
        "transfer.note": "Als Wissenskanäle zählen Wissenstransfer-, Beratungs- und "
                         "Kooperationsbeziehungen jeden Gewichts (je stärker und "
                         "vertrauensvoller, desto kürzer der Weg), laufende oder abgeschlossene "
                         "Initiativen und wiederkehrende Formate zum Thema. Einmalige "
                         "Veranstaltungen, andere Beziehungen und Initiativen oder Formate zu "
                         "anderen Themen sind nur schwache Kanäle und haben nie Vorrang. "
                         "Erfahrung heißt: federführend, als Partner oder unterstützend an "
                         "einer laufenden oder abgeschlossenen Initiative zum Thema beteiligt. "
                         "Unter gleich guten Mentoren wird eine Kommune derselben Art "
                         "(ländlich für ländlich: Gemeinden und Städte unter 20.000 "
                         "Einwohnern) und dann die nähere vorgeschlagen.",
        "transfer.shown": " Gezeigt werden die {shown} kürzesten von {total} Wegen.",
        "transfer.weak_only": " {count} Mitglieder ohne Erfahrung sind nur über schwache "
                              "Kanäle erreichbar.",
        "transfer.unreachable.one": " {count} Mitglied ohne Erfahrung ist über keinen "
                                    "Kanal erreichbar.",
        "transfer.unreachable.many": " {count} Mitglieder ohne Erfahrung sind über keinen "
                                     "Kanal erreichbar.",
        "transfer.self_declared": " Nach eigener Angabe mit dem Thema vertraut, ohne "
                                  "Initiative dazu (daher kein Mentor): {names}.",
        # what-if
        "whatif.without": "ohne {node}",
        "whatif.taktgeber": "mit {actor} als Taktgeber",
        "whatif.opened.one": "{count} Lücke kommt hinzu",
        "whatif.opened.many": "{count} Lücken kommen hinzu",
        "whatif.closed.one": "{count} Lücke entfällt",
        "whatif.closed.many": "{count} Lücken entfallen",
        "whatif.changed.one": "{count} Lücke ändert ihre Dringlichkeit",
        "whatif.changed.many": "{count} Lücken ändern ihre Dringlichkeit",
        "whatif.went.one": "{count} Lücke betraf {node} selbst und entfällt damit",
        "whatif.went.many": "{count} Lücken betrafen {node} selbst und entfallen damit",
        "whatif.message": "{scenario}: {counts}.",
        "whatif.top": " Den höchsten Taktgeber-Wert hat dann {after} statt {before}.",
    },
    "en": {
        # grammar
        "and": "and",
        "or": "or",
        "more": "{names} and {rest} more",
        "quote": "“{text}”",
        "percent": "{value}%",
        "percent_small": "under 1%",
        # provenance (appended to a finding resting on assumed records)
        "assumed_share": " {share} of this rests on assumed records.",
        # gap: missing_data
        "missing_data.levels": "For {name} these levels are known from assumed records only: "
                               "{levels}. Please confirm which units are responsible there, "
                               "or enter them.",
        "missing_data.assumed": "For {name} there are no documented records ({what}). Please "
                                "confirm which units are responsible there, or enter them.",
        "missing_data.part_assumed": "assumed: {levels}",
        "missing_data.part_unrecorded": "not recorded: {levels}",
        "missing_data.none": "No unit of {name} is recorded yet. Please confirm which units "
                             "hold the political-strategic, the coordinating and the "
                             "implementation level there, and enter them.",
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
                     "e.g. {actor}{why}.",
        "lead.why.experience": " (experience in the topic)",
        "lead.why.declared": " (topic by its own account)",
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
                             "reached over any knowledge channel (knowledge transfer, advice, "
                             "cooperation, an initiative or a recurring format on the topic). "
                             "{remedy}",
        "topic.message.many": "Other members have experience {topics}, but {members} cannot be "
                              "reached over any knowledge channel (knowledge transfer, advice, "
                              "cooperation, an initiative or a recurring format on the topic). "
                              "{remedy}",
        # gap: reuse_candidate
        "reuse.offer": "{solution} (in use at {users})",
        "reuse.message": "{member} is working on {initiatives}; nearby, {offers} already "
                         "runs. Check re-use before building its own and ask the users.",
        # gap: overloaded_actor
        "overloaded.staff_unknown": "with no staff figure given",
        "overloaded.staff": "with {fte} FTE",
        "overloaded.hand_over": "Hand over lead roles{helper} or increase the capacity.",
        "overloaded.helper": ", e.g. to {actor},",
        "overloaded.pool": "Pool or give up participations, or increase the capacity.",
        "overloaded.message": "{actor} takes part in {count} running or planned initiatives, "
                              "leading {leads} of them, {staff}. {remedy}",
        # gap: sector_gap
        "sector.missing": "The network has no partner from {sectors}. Win partners (e.g. "
                          "associations, companies, universities of the region) and involve "
                          "them in shared initiatives.",
        "sector.idle": "Partners from {sector} ({names}) belong to the network but take part "
                       "in no running shared initiative. Bring them into a running initiative "
                       "as partners.",
        # gap: no_designated_taktgeber
        "no_taktgeber.message": "The network has not named a Taktgeber by an adopted rule. "
                                "Adopt a rule naming the Taktgeber{candidates}.",
        "no_taktgeber.candidates": "; the strongest candidates are currently {names}",
        # gap: unvoted_charter
        "unvoted.recorded.one": " {count} of the votes counted is taken from a document, "
                                "not cast on the platform.",
        "unvoted.recorded.many": " {count} of the votes counted are taken from documents, "
                                 "not cast on the platform.",
        "unvoted.never.one": "The adopted rule {rules} also binds members who never voted on "
                             "it: {names}. Obtain their consent, by a vote or with their "
                             "joining decision.{recorded}",
        "unvoted.never.many": "The {count} adopted rules {rules} also bind members who never "
                              "voted on them: {names}. Obtain their consent, by a vote or with "
                              "their joining decision.{recorded}",
        "unvoted.quorum.one": "Only {voted} of {eligible} voting members voted on the adopted "
                              "rule {rules} (quorum {quorum}); it still binds {names} too. "
                              "Repeat the vote or obtain the consent of the other "
                              "members.{recorded}",
        "unvoted.quorum.many": "Only {voted} of {eligible} voting members voted on the {count} "
                               "adopted rules {rules} (quorum {quorum}); they still bind "
                               "{names} too. Repeat the vote or obtain the consent of the "
                               "other members.{recorded}",
        # gap: funding_end
        "funding.months.one": "in {count} month",
        "funding.months.many": "in {count} months",
        "funding.soon": "in less than a month",
        "funding.ends": "The network's funding ends on {date} ({when}), and no adopted rule "
                        "says how it continues. Adopt a rule on continuation: who keeps the "
                        "beat, how costs are shared, which formats remain.",
        "funding.ended": "The network's funding ended on {date}, and no adopted rule says how "
                         "it continues. Adopt a rule on continuation: who keeps the beat, how "
                         "costs are shared, which formats remain.",
        # Taktgeber weights (criteria rules)
        "weights.mapping": "Weights: please give a number per part (e.g. brokerage: 0.3).",
        "weights.unknown": "Unknown part “{part}” (allowed: {parts}).",
        "weights.value": "The weight of “{part}” must be a number of 0 or more.",
        "weights.sum": "The weights must add up to 1 (they add up to {total}).",
        # Taktgeber ranking
        "explain": "{name} – strength: {best} at {best_value} ({best_reason}); weakness: "
                   "{worst} at {worst_value} ({worst_reason}).",
        "explain.rank_stable": " Rank {rank} even with ±25% on any weight.",
        "explain.rank_range": " Rank {best}–{worst} when any weight changes by ±25%.",
        "explain.designated": " Named Taktgeber by an adopted rule; this counts as the "
                              "network's mandate, otherwise the score is computed unchanged.",
        "explain.assumed": " Assumed as Taktgeber: level and mandate counted as fulfilled "
                           "(score {after} instead of {before}).",
        "reason.brokerage": "lies on {share} of the shortest paths between member "
                            "municipalities, mediates between groups {count} times",
        "reason.reach": "reaches {count} of {total} members in two steps",
        "reason.coverage": "reaches {count} of the connected network's {total} communities",
        "reason.level.designated": "assumed as Taktgeber",
        "reason.level.unknown": "level unknown",
        "reason.mandate.designated": "assumed as Taktgeber",
        "reason.mandate.rule": "named Taktgeber by a rule",
        "reason.mandate.network": "mandate from the political level of several members",
        "reason.mandate.own": "mandate from one municipality only, counts half",
        "reason.mandate.indirect": "indirect mandate only",
        "reason.mandate.none": "no mandate from the political level",
        "reason.takt.one": "convenes {count} recurring format of several members",
        "reason.takt.many": "convenes {count} recurring formats of several members",
        "reason.takt.none": "convenes no recurring format",
        "reason.capacity": "{fte} FTE",
        "reason.capacity.unknown": "no staff figure given",
        "reason.loss": "without it, reachability drops by {share}",
        "reason.loss.pairs": "without it, {share} of the municipality pairs would be "
                             "disconnected",
        "score_explanation": (
            "The Taktgeber score (0 to 1) is a weighted sum of eight parts, each between 0 and "
            "1. Brokerage between municipalities ({brokerage}): how often the unit lies on "
            "shortest paths between member municipalities and how often it mediates between "
            "other groups or represents its municipality outward (Gould/Fernandez), relative "
            "to the strongest unit. Mandate ({mandate}): a mandate from the network (1: by a "
            "rule, or from the political level of several members, such as a district for its "
            "municipalities), from one municipality only (0.5), or only indirect, e.g. through "
            "funding or a reporting line (0.25). Capacity ({capacity}): staff in full-time "
            "equivalents; 2 FTE give 0.5 and 6 FTE 0.75. Beat ({takt}): recurring formats of "
            "several members the unit convenes, by cadence and share of the municipalities "
            "taking part (monthly with all: 0.75). Loss ({loss}): how much the reachability "
            "between the municipalities drops if the unit leaves (in very large networks: how "
            "many pairs of municipalities it would disconnect), relative to the most important "
            "unit. Coverage ({coverage}): share of the network's communities reached in two "
            "steps (members not connected to the network are no community). Reach ({reach}): "
            "share of members reachable in at most two steps. Level ({level}): coordinating 1, "
            "strategic 0.5, operational 0.25. The network sets the weights by a rule "
            "(criteria). A unit that is merely well connected, with neither mandate nor staff, "
            "cannot win on its position alone."
        ),
        "score_explanation.zero": "does not count",
        # knowledge transfer
        "transfer.note": "Knowledge channels are knowledge-transfer, advice and cooperation "
                         "ties of any weight (the stronger and more trusted, the shorter the "
                         "path), running or completed initiatives and recurring formats on the "
                         "topic. One-off events, other ties and initiatives or formats on "
                         "other topics are weak channels only and never take precedence. "
                         "Experience means a lead, partner or supporter role in a running or "
                         "completed initiative on the topic. Among equally good mentors, one "
                         "of the same kind (rural for rural: municipalities and towns under "
                         "20,000 inhabitants) and then the nearer one is suggested.",
        "transfer.shown": " Shown are the {shown} shortest of {total} paths.",
        "transfer.weak_only": " {count} members without experience can be reached over weak "
                              "channels only.",
        "transfer.unreachable.one": " {count} member without experience cannot be reached "
                                    "over any channel.",
        "transfer.unreachable.many": " {count} members without experience cannot be reached "
                                     "over any channel.",
        "transfer.self_declared": " Familiar with the topic by their own account, without an "
                                  "initiative on it (hence no mentor): {names}.",
        # what-if
        "whatif.without": "without {node}",
        "whatif.taktgeber": "with {actor} as Taktgeber",
        "whatif.opened.one": "{count} new gap",
        "whatif.opened.many": "{count} new gaps",
        "whatif.closed.one": "{count} gap closed",
        "whatif.closed.many": "{count} gaps closed",
        "whatif.changed.one": "{count} gap changed its urgency",
        "whatif.changed.many": "{count} gaps changed their urgency",
        "whatif.went.one": "{count} gap was about {node} itself and goes with it",
        "whatif.went.many": "{count} gaps were about {node} itself and go with it",
        "whatif.message": "{scenario}: {counts}.",
        "whatif.top": " The highest Taktgeber score then has {after} instead of {before}.",
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


def join(items: Iterable[str], lang: str = "de", last: str = "and") -> str:
    """Join as a list in running text: ``join(["A", "B", "C"]) == "A, B und C"``;
    ``last="or"`` joins the last item with "oder" / "or".

    >>> join(["A", "B", "C"], "en"), join(["A", "B"], last="or")
    ('A, B and C', 'A oder B')
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {say(lang, last)} " + items[-1]


def day(date: dt.date, lang: str = "de") -> str:
    """A date as German (30.09.2026) or English text (30 September 2026).

    >>> day(dt.date(2026, 9, 30)), day(dt.date(2026, 9, 30), "en")
    ('30.09.2026', '30 September 2026')
    """
    if check_lang(lang) == "de":
        return f"{date.day:02d}.{date.month:02d}.{date.year}"
    return f"{date.day} {_MONTHS[date.month - 1]} {date.year}"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def name(G: nx.Graph, key) -> str:
    """The ``name`` attribute of node ``key`` (its key when it has none)."""
    return str(G._node[key].get("name") or key) if key in G else str(key)


@functools.lru_cache(maxsize=65536)
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
