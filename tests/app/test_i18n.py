"""German by default, English as the second language; every visible string translatable."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import sqlalchemy as sa
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from collab.core.models import Municipality, ReuseRequest, Solution
from collab.extensions import db

from ..conftest import ROOT

R = "/regions/swf5"
CATALOGUE = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
METHODS = [("collab/**.py", "python"), ("templates/**.html", "jinja2")]
#: the keywords of `make translations` (a context comes first in pgettext's arguments)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3),
            "_lp": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}


def _source_messages() -> set[tuple[str | None, str]]:
    """(context, message) of every marked string (context None without one)."""
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def test_every_marked_string_has_an_english_translation():
    """`make translations` has been run and the English catalogue covers every string, each
    message context on its own (pgettext: one German word, two meanings)."""
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    translated = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id)
                  for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = sorted(_source_messages() - translated, key=lambda x: (x[1], x[0] or ""))
    assert not missing, f"{len(missing)} strings without English translation: {missing[:20]}"


def test_pages_speak_german_by_default_and_english_on_request(as_user):
    """The language switch turns the same page into English, and back."""
    user = as_user("koordination")
    page = user.get("/regions/swf5").get_data(as_text=True)
    assert "Ebenen der Mitglieder" in page and 'lang="de"' in page
    user.post("/lang/en", {"next": "/regions/swf5"}, csrf_from="/regions/swf5")
    page = user.get("/regions/swf5").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Ebenen der Mitglieder" not in page
    assert "Municipalities" in page
    user.post("/lang/de", {"next": "/regions/swf5"}, csrf_from="/regions/swf5")
    assert "Ebenen der Mitglieder" in user.get("/regions/swf5").get_data(as_text=True)


def test_validation_messages_follow_the_language(as_user):
    """A form error appears in English for an English-speaking user."""
    user = as_user("koordination")
    user.post("/lang/en", {"next": "/"}, csrf_from="/regions/swf5")
    page = user.post("/regions/swf5/municipalities/new",
                     {"key": "", "name": ""}, csrf_from="/regions/swf5/municipalities/new")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Angabe fehlt" not in text


def test_region_menu_follows_the_language_and_marks_the_page(as_user):
    """The region menu is built once per region and language: the English menu after the
    German one, the current page marked in both, the overview only on itself."""
    user = as_user("koordination")
    page = user.get("/regions/swf5/actors").get_data(as_text=True)
    assert '<a href="/regions/swf5/actors" aria-current="page">Akteure</a>' in page
    assert '<a href="/regions/swf5">Übersicht</a>' in page
    user.post("/lang/en", {"next": "/regions/swf5"}, csrf_from="/regions/swf5")
    page = user.get("/regions/swf5/actors").get_data(as_text=True)
    assert '<a href="/regions/swf5/actors" aria-current="page">Actors</a>' in page
    assert "Akteure</a>" not in page
    page = user.get("/regions/swf5").get_data(as_text=True)
    assert '<a href="/regions/swf5" aria-current="page">Overview</a>' in page


def test_region_menu_is_cached_per_app_catalogue(as_user, monkeypatch):
    """The menu's cache is the process's: its key holds the catalogue the page translates
    with, so a menu another app made with another catalogue for the same language (a test
    app's, here a stand-in) is never served (the English menu once read "⟦Akteure⟧" after
    such a test); within one app the menu is built once per language."""
    from collab.core import web
    from collab.core.caching import LRU

    monkeypatch.setattr(web, "_REGION_MENUS", LRU(512))
    poisoned = [("/regions/swf5/actors", "⟦Akteure⟧")]
    web._REGION_MENUS.get(("", "swf5", "en"), lambda: poisoned)
    web._REGION_MENUS.get(("", "swf5", "en", object()), lambda: poisoned)
    user = as_user("koordination")
    user.post("/lang/en", {"next": "/regions/swf5"}, csrf_from="/regions/swf5")
    for _n in range(3):
        page = user.get("/regions/swf5/actors").get_data(as_text=True)
        assert '<a href="/regions/swf5/actors" aria-current="page">Actors</a>' in page
        assert "⟦" not in page
    built = [k for k, menu in web._REGION_MENUS.items.items()
             if k[:3] == ("", "swf5", "en") and menu is not poisoned]
    assert len(built) == 1, built  # once, though asked three times


def test_switching_language_after_a_form_error_returns_to_a_page(as_user):
    """A form's error page is rendered for a POST-only address (a rule's comments): the
    language switch returns to the page above it instead of a 405; a list page keeps its
    query; another host is never a target."""
    olpe = as_user("olpe")
    refused = olpe.post("/regions/swf5/rules/1/comments", {"text": ""},
                        csrf_from="/regions/swf5/rules/1")
    page = refused.get_data(as_text=True)
    assert 'name="next" value="/regions/swf5/rules/1/comments"' in page
    switched = olpe.post("/lang/en", {"next": "/regions/swf5/rules/1/comments"},
                         csrf_from="/regions/swf5/rules/1")
    assert switched.status_code == 302
    assert switched.headers["Location"].endswith("/regions/swf5/rules/1")
    assert olpe.get(switched.headers["Location"]).status_code == 200
    listed = olpe.get("/regions/swf5/actors?page=2").get_data(as_text=True)
    assert 'name="next" value="/regions/swf5/actors?page=2"' in listed
    kept = olpe.post("/lang/de", {"next": "/regions/swf5/actors?page=2"},
                     csrf_from="/regions/swf5")
    assert kept.headers["Location"].endswith("/regions/swf5/actors?page=2")
    away = olpe.post("/lang/de", {"next": "//evil.example/x"}, csrf_from="/regions/swf5")
    assert "evil.example" not in away.headers["Location"]


def _pdftext(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_a_word_of_two_meanings_reads_as_meant_in_english(app, api, as_user, tmp_path):
    """"angenommen" as a provenance is an assumption ("assumed"), as the status of a request
    a granted one ("approved"); "Stand" heads a status column ("Status") and an open
    ballot's tally ("So far"). The English pages and PDF report say each as it is meant."""
    olpe = as_user("olpe")
    olpe.post("/lang/en", {"next": "/"})
    actor = olpe.get(f"{R}/actors/olpe-digital").get_data(as_text=True)
    assert "prov-assumed\">assumed</span>" in actor and "accepted" not in actor
    report = _pdftext(olpe.get(f"{R}/report.pdf").get_data(), tmp_path)
    provenance = " ".join(report.split("Provenance of the records:")[1].split()[:12])
    assert "assumed" in provenance and "accepted" not in report, provenance

    with app.app_context():  # Olpe's request for the Dorf-Dashboards, granted
        db.session.add(ReuseRequest(
            solution=db.session.scalar(sa.select(Solution).filter_by(key="dorf-dashboards")),
            municipality=db.session.scalar(sa.select(Municipality).filter_by(key="olpe")),
            status="approved"))
        db.session.commit()
        db.session.remove()
    requests = olpe.get(f"{R}/solutions/dorf-dashboards").get_data(
        as_text=True).split('id="nachnutzung"')[1]
    assert "Olpe – approved" in requests and "assumed" not in requests

    rule_id = api("olpe").post(f"{R}/rules", {"title": "Jour fixe",
                                              "text": "Einmal im Monat."}).get_json()["id"]
    assert api("koordination").post(f"{R}/rules/{rule_id}/ballot",
                                    {"closes_at": "2099-06-30T18:00"}).status_code == 200
    assert api("olpe").post(f"{R}/rules/{rule_id}/votes", {"vote": "yes"}).status_code == 201
    ballot = olpe.get(f"{R}/rules/{rule_id}").get_data(as_text=True)
    assert "<strong>So far:</strong> 1 yes" in ballot and "Stage" not in ballot
    rules = olpe.get(f"{R}/rules").get_data(as_text=True)
    assert "<th>Status</th>" in rules and "Stage" not in rules
