"""The report speaks German (default) or English: same facts, only the sentences differ."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import networkx as nx
import pytest

from graphs import SCORE_EXPLANATION, WEIGHTS, analyse
from graphs.taktgeber import score_explanation
from graphs.text import (
    LABELS,
    LANGUAGES,
    TEMPLATES,
    check_lang,
    join,
    names,
    number,
    percent,
    placeholders,
    say,
    the,
)

from .bundles import actor, clean_network, initiative
from .test_gaps import hub_network

SEED = Path(__file__).resolve().parents[2] / "seeds" / "swf5.json"


def without_text(report: dict) -> dict:
    """The report with every human sentence blanked (gap messages, explanations, transfer
    labels and notes, the what-if message) and without the timings."""
    doc = copy.deepcopy({k: v for k, v in report.items() if k != "timings_ms"})

    def blank_gaps(gaps):
        for gap in gaps:
            gap["message"] = None

    blank_gaps(doc["gaps"])
    for row in doc["taktgeber"]:
        row["explanation"] = None
    for topic in doc["transfer"]:
        topic["label"] = topic["note"] = None
    if doc["whatif"]:
        doc["whatif"]["message"] = None
        blank_gaps(doc["whatif"]["gaps_closed"] + doc["whatif"]["gaps_opened"])
        for gap in doc["whatif"]["gaps_changed"]:
            gap["message"] = None
    return doc


def texts(report: dict) -> list[str]:
    """Every human sentence of the report."""
    found = [g["message"] for g in report["gaps"]]
    found += [r["explanation"] for r in report["taktgeber"]]
    found += [t["note"] for t in report["transfer"]]
    if report["whatif"]:
        found.append(report["whatif"]["message"])
    return found


def test_every_template_has_both_languages_with_the_same_placeholders():
    """No German sentence lacks its English twin, and both fill in the same facts."""
    assert LANGUAGES == ("de", "en")
    assert set(TEMPLATES["de"]) == set(TEMPLATES["en"])
    for key, german in TEMPLATES["de"].items():
        assert placeholders(german) == placeholders(TEMPLATES["en"][key]), key
    for key in TEMPLATES["de"]:
        if key.endswith(".one"):
            assert key[:-4] + ".many" in TEMPLATES["de"], key
    for table, values in LABELS["de"].items():
        assert set(values) == set(LABELS["en"][table]), table


def test_placeholders_are_read_from_the_template():
    assert placeholders("{name} fehlt {what}.") == {"name", "what"}
    assert placeholders("und") == set()


def test_score_explanation_comes_from_the_templates():
    """The explanation names the weights in force: the default ones, or a criteria rule's
    (a part it leaves out "zählt nicht")."""
    assert SCORE_EXPLANATION == {lang: score_explanation(WEIGHTS, lang) for lang in LANGUAGES}
    assert "Mandat (20 %)" in SCORE_EXPLANATION["de"] and "Takt (10 %)" in \
        SCORE_EXPLANATION["de"]
    assert "Mandate (20%)" in SCORE_EXPLANATION["en"]
    custom = score_explanation({"brokerage": 0.6, "loss": 0.4})
    assert "Vermittlung zwischen Kommunen (60 %)" in custom and "Mandat (zählt nicht)" in custom
    assert placeholders(TEMPLATES["de"]["score_explanation"]) == set(WEIGHTS)


def test_numbers_lists_and_names_per_language():
    """Decimal comma in German, point in English; "und" against "and"; German articles."""
    assert number(1.25, 1) == "1,2" and number(1.25, 1, "en") == "1.2"
    assert number(1234.5, 1, "de") == "1234,5" and number(1234.5, 1, "en") == "1234.5"
    assert percent(0.5) == "50 %" and percent(0.5, "en") == "50%"
    assert percent(0.004) == "unter 1 %" and percent(0.004, "en") == "under 1%"
    assert percent(0.0, "en") == "0%"
    assert join(["A", "B", "C"]) == "A, B und C" and join(["A", "B"], "en") == "A and B"
    G = nx.Graph()
    G.add_nodes_from([("swa", {"name": "Südwestfalen Agentur GmbH"}),
                      ("dw", {"name": "Digitaler Wandel"})])
    assert the(G, "swa", "dat") == "der Südwestfalen Agentur GmbH"
    assert the(G, "swa", "dat", "en") == "Südwestfalen Agentur GmbH"
    assert the(G, "dw") == "„Digitaler Wandel“" and the(G, "dw", "acc", "en") == "Digitaler Wandel"
    G.add_nodes_from(f"n{i}" for i in range(7))
    assert names(G, [f"n{i}" for i in range(7)], 5, "en") == "n0, n1, n2, n3, n4 and 2 more"
    assert names(G, [f"n{i}" for i in range(7)], 5) == "n0, n1, n2, n3, n4 und 2 weitere"


@pytest.mark.parametrize("lang", ["fr", "EN", "", None])
def test_unknown_language_is_rejected(lang):
    with pytest.raises(ValueError, match="Sprache"):
        analyse(clean_network(), lang=lang)
    with pytest.raises(ValueError):
        check_lang(lang)
    with pytest.raises(ValueError):
        say(lang, "and")


def test_german_is_the_default():
    b = hub_network()
    assert without_text(analyse(b)) == without_text(analyse(b, lang="de"))
    assert texts(analyse(b)) == texts(analyse(b, lang="de"))


def test_english_gap_messages_on_hand_built_networks():
    """The planted gaps of test_gaps read as expected in English."""
    hub = analyse(hub_network(), lang="en")["gaps"]
    assert [g["message"] for g in hub] == [
        "If Projektgruppe Anbindung drops out, Ee and Gg are cut off from the network. Build a "
        "second, independent tie (cooperation or shared initiative) so that the network does "
        "not hang on this one unit."]
    b = clean_network()
    b["actors"] = [a for a in b["actors"] if a["key"] != "bb-digital"]
    b["ties"] = [t for t in b["ties"] if "bb-digital" not in (t["source"], t["target"])]
    assert [g["message"] for g in analyse(b, lang="en")["gaps"]] == [
        "Bb lacks the coordinating level (e.g. staff unit, CDO, smart city office). Name a "
        "coordinating unit or commission Stabsstelle aa.",
        "Bb hangs on Fachamt bb alone: if this unit drops out, Bb is cut off from the network. "
        "Build a second tie from another actor of Bb to other municipalities."]
    b = clean_network()
    b["initiatives"] += [initiative(f"x{i}", "education", "running", ("bb-amt", "lead"),
                                    ("cc-amt", "partner")) for i in range(4)]
    overloaded = [g["message"] for g in analyse(b, lang="en")["gaps"]
                  if g["kind"] == "overloaded_actor"]
    assert overloaded == [
        "Fachamt bb takes part in 5 running or planned initiatives, leading 4 of them, with "
        "1.0 FTE. Hand over lead roles or increase the capacity."]


def test_english_topic_labels_and_status():
    """Transfer labels and an initiative's status are translated, the topic key is not."""
    b = clean_network()
    b["actors"].append(actor("solo", "aa", "operational", "department", topics=["mobility"]))
    b["initiatives"].append(initiative("leer", "security", "running", ("aa-digital", "partner"),
                                       ("bb-digital", "partner")))
    de, en = analyse(b), analyse(b, lang="en")
    assert [t["topic"] for t in en["transfer"]] == [t["topic"] for t in de["transfer"]]
    assert ("mobility", "Mobility") in [(t["topic"], t["label"]) for t in en["transfer"]]
    assert ("mobility", "Mobilität") in [(t["topic"], t["label"]) for t in de["transfer"]]
    lead = next(g["message"] for g in en["gaps"] if g["kind"] == "initiative_without_lead")
    assert lead.startswith("The initiative “Initiative leer” (ongoing) has no lead.")


@pytest.mark.skipif(not SEED.exists(), reason="seeds/swf5.json not written yet")
@pytest.mark.parametrize("whatif", [{}, {"without": "swa"}])
def test_english_report_equals_german_apart_from_text(whatif):
    """Same keys, numbers, order and gaps; every sentence differs and is filled in."""
    bundle = json.loads(SEED.read_text())
    de, en = analyse(bundle, **whatif), analyse(bundle, lang="en", **whatif)
    assert without_text(en) == without_text(de)
    german, english = texts(de), texts(en)
    assert len(english) == len(german) > 20
    assert all(e != g for e, g in zip(english, german, strict=True))
    assert not any("{" in t or "}" in t for t in english)
    german_words = (" fehlt ", " fehlen ", "Verbindung", "Lücke", "Federführung", " VZÄ",
                    " abgeschnitten", "Teilnetz", " z. B. ", "Mitglieder")
    assert not any(word in t for t in english for word in german_words)
    if whatif:
        assert en["whatif"]["message"].startswith("Without Südwestfalen Agentur GmbH: ")
        assert de["whatif"]["message"].startswith("Ohne die Südwestfalen Agentur GmbH: ")


def test_the_unreachable_members_of_a_topic_agree_with_their_count():
    """QA: "1 Mitglieder ohne Erfahrung sind über keinen Kanal erreichbar"."""
    from graphs.text import plural

    assert plural("de", "transfer.unreachable", 1) == \
        " 1 Mitglied ohne Erfahrung ist über keinen Kanal erreichbar."
    assert plural("de", "transfer.unreachable", 3) == \
        " 3 Mitglieder ohne Erfahrung sind über keinen Kanal erreichbar."
    assert plural("en", "transfer.unreachable", 1) == \
        " 1 member without experience cannot be reached over any channel."
