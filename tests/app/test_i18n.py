"""German by default, English as the second language; every visible string translatable."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from ..conftest import ROOT

CATALOGUE = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
METHODS = [("collab/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_marked_string_has_an_english_translation():
    """`make translations` has been run and the English catalogue covers every string."""
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id
                  for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = sorted(_source_messages() - translated)
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
