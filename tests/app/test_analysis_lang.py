"""The analysis report in the reader's language: the page follows the interface language, the
API takes ``?lang=en``, the command line ``--lang en``; German stays the default."""

from __future__ import annotations

import json

import pytest
from markupsafe import escape

import graphs
from collab.analysis import reports

R = "/regions/swf5"


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts and ends without cached reports."""
    reports.clear_cache()
    yield
    reports.clear_cache()


def english(browser):
    """Switch the browser's interface to English."""
    browser.post("/lang/en", {"next": f"{R}/analysis"}, csrf_from="/regions/swf5")
    return browser


def strip_text(doc: dict) -> dict:
    """The report without its sentences and timings (what must not depend on the language)."""
    doc = json.loads(json.dumps({k: v for k, v in doc.items() if k != "timings_ms"}))
    for gap in doc["gaps"]:
        del gap["message"]
    for row in doc["taktgeber"]:
        del row["explanation"]
    for topic in doc["transfer"]:
        del topic["label"], topic["note"]
    return doc


def test_page_in_english_shows_english_gap_sentences(as_user, api):
    """After switching to English, the gaps, the candidates' explanations and the score's
    explanation read in English, exactly as the API's ?lang=en report has them."""
    en = api("gast").get(f"{R}/analysis?lang=en").get_json()
    de = api("gast").get(f"{R}/analysis").get_json()
    browser = english(as_user("koordination"))
    html = browser.get(f"{R}/analysis").get_data(as_text=True)
    assert 'lang="en"' in html
    high = [g for g in en["gaps"] if g["severity"] == "high"]
    assert high, "the demo region has urgent gaps"
    for gap in high[:5]:
        assert str(escape(gap["message"])) in html
    german = {g["message"] for g in de["gaps"]}
    assert not any(str(escape(m)) in html for m in german)
    assert str(escape(en["taktgeber"][0]["explanation"])) in html
    assert "strength:" in html
    assert str(escape(graphs.SCORE_EXPLANATION["en"])) in html
    missing = next(g for g in en["gaps"] if g["kind"] == "missing_level")
    assert " lacks the " in missing["message"]


def test_page_language_switches_back_to_german(as_user):
    """The cached English report is not served to a German reader (language in the key)."""
    browser = english(as_user("gast"))
    assert "strength:" in browser.get(f"{R}/analysis").get_data(as_text=True)
    browser.post("/lang/de", {"next": f"{R}/analysis"}, csrf_from="/regions/swf5")
    html = browser.get(f"{R}/analysis").get_data(as_text=True)
    assert "Stärke:" in html and "strength:" not in html


def test_whatif_on_english_page(as_user):
    """The what-if comparison sentence follows the interface language too."""
    html = english(as_user("olpe")).get(f"{R}/analysis?without=swa").get_data(as_text=True)
    assert "Without Südwestfalen Agentur GmbH: " in html
    assert "Ohne die Südwestfalen Agentur GmbH" not in html


def test_api_lang(api):
    """?lang=en gives the same document with English sentences; ?lang=de is the default;
    any other language is a 422 naming the field."""
    client = api("soest")
    de = client.get(f"{R}/analysis").get_json()
    assert client.get(f"{R}/analysis?lang=de").get_json()["gaps"] == de["gaps"]
    en = client.get(f"{R}/analysis?lang=en").get_json()
    assert strip_text(en) == strip_text(de)
    assert [g["message"] for g in en["gaps"]] != [g["message"] for g in de["gaps"]]
    gone = client.get(f"{R}/analysis?without=swa&lang=en").get_json()
    assert gone["whatif"]["message"].startswith("Without Südwestfalen Agentur GmbH")
    for bad in ("fr", "EN", "english"):
        response = client.get(f"{R}/analysis?lang={bad}")
        assert response.status_code == 422
        details = response.get_json()["details"]
        assert [d["field"] for d in details] == ["lang"]
        assert bad in details[0]["message"]


def test_openapi_documents_lang(api):
    entry = api(None).get("/openapi.json").get_json()["paths"]["/regions/{slug}/analysis"]
    lang = next(p for p in entry["parameters"] if p["name"] == "lang")
    assert lang["in"] == "query" and lang["schema"] == {"enum": ["de", "en"], "default": "de"}


def test_cli_lang(runner, api):
    """`flask analyse swf5 --lang en` prints the report in English; the JSON document equals
    the API's ?lang=en; an unknown language is refused by the option."""
    result = runner.invoke(args=["analyse", "swf5", "--lang", "en"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Analysis of the region swf5")
    report = api("gast").get("/regions/swf5/analysis").get_json()
    assert report["taktgeber"][0]["key"] == "swa"
    assert f"1. Südwestfalen Agentur GmbH (swa): score {report['taktgeber'][0]['score']:.2f}" in out
    share = round(100 * report["weights"]["brokerage"])
    assert f"Brokerage between municipalities 1.00 × {share}%" in out
    assert "Knowledge transfer:" in out
    result = runner.invoke(args=["analyse", "swf5", "--lang", "en", "--json"])
    printed = json.loads(result.output)
    reports.clear_cache()
    served = api("gast").get(f"{R}/analysis?lang=en").get_json()
    assert strip_text(printed) == strip_text(served)
    assert [g["message"] for g in printed["gaps"]] == [g["message"] for g in served["gaps"]]
    assert all(g["message"] in out for g in served["gaps"])
    assert runner.invoke(args=["analyse", "swf5", "--lang", "fr"]).exit_code == 2


def test_every_gap_kind_has_a_title_in_both_languages(app):
    """The page titles each kind of gap the analysis finds; a kind without a title showed
    its code ("reuse_candidate") in both languages."""
    from flask_babel import force_locale

    import graphs
    from collab.analysis.pages import GAP_KINDS

    assert set(GAP_KINDS) == set(graphs.GAP_KINDS)
    with app.test_request_context():
        for lang in ("de", "en"):
            with force_locale(lang):
                assert all(str(GAP_KINDS[k]) and "_" not in str(GAP_KINDS[k])
                           for k in graphs.GAP_KINDS)
        with force_locale("en"):
            assert str(GAP_KINDS["reuse_candidate"]) == "A neighbour's solution to re-use"
