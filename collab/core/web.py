"""What every page shares: the interface language, template filters and helpers, and the
security headers of every response. Wired by :func:`init_app`."""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, redirect, request, session, url_for
from jinja2 import pass_context
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, RequestRedirect

from collab.core.caching import LRU
from collab.core.localtime import local_today


def select_locale() -> str:
    """German by default; English when chosen (stored in the session)."""
    if not has_request_context():
        return "de"
    chosen = session.get("lang")
    if chosen in ("de", "en"):
        return chosen
    return "de"


def page_number() -> int:
    """The page number of a page's list (``?page=``), kept between 1 and 1,000,000: a
    mistyped or absurd number shows the nearest page instead of failing."""
    number = request.args.get("page", 1, type=int)
    return min(max(number, 1), 1_000_000)


def past_the_end(page):
    """A redirect to the last page when ``?page=`` asks for one after it (a bookmark of a
    list that has since shrunk), else None."""
    if page.pages and page.page > page.pages:
        return redirect(page_url(page.pages))
    return None


def page_url(number: int) -> str:
    """This page's URL with its query kept and ``page`` set."""
    from werkzeug.datastructures import MultiDict
    from werkzeug.urls import urlencode

    path = url_for(request.endpoint, **(request.view_args or {}))
    args = MultiDict(request.args)
    args.setlist("page", [str(number)])  # query names may equal route names (``kind``)
    return f"{path.split('?', 1)[0]}?{urlencode(args)}"


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def page_to_return_to(target: str | None) -> str | None:
    """A path on this site (:func:`safe_next`) that a browser can open: ``target`` itself
    when it answers GET, else the nearest page above it (a form's error page was rendered
    for a POST-only address such as ``…/rules/1/comments``: returning there after switching
    the language answered 405). None when there is none."""
    target = safe_next(target)
    if target is None:
        return None
    adapter = current_app.url_map.bind("localhost")
    asked = path = urlsplit(target).path
    while path:
        try:
            adapter.match(path, method="GET")
        except RequestRedirect:  # answers GET with a redirect (a trailing slash)
            pass
        except HTTPException:
            path = path.rsplit("/", 1)[0]
            continue
        return target if path == asked else path  # the query belongs to the page asked
    return None


def day(value) -> str:
    """A date as the interface language writes it: 03.10.2021 in German, Oct 3, 2021 in
    English. Takes a date or an ISO string; None stays empty."""
    import datetime as dt

    from flask_babel import format_date
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = value.date()
    if select_locale() == "de":
        return value.strftime("%d.%m.%Y")
    return format_date(value, format="medium")


class BoundedInt(IntegerConverter):
    """``<int:…>`` in every route: ids beyond a 32-bit database column do not match (404)
    instead of overflowing the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


_UNREADABLE = re.compile("[\x00\ud800-\udfff]")


def refuse_unreadable():
    """A request whose address or form holds NUL or a lone surrogate is refused (400) before
    any page or database sees it (PostgreSQL cannot even compare such a string)."""
    from flask_babel import gettext as _

    from collab.core.errors import error_response

    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.method not in ("GET", "HEAD") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        values += [*request.form.keys(), *request.form.values()]
    if any(_UNREADABLE.search(v) for v in values):
        return error_response(400, _("Die Anfrage enthält ein unzulässiges Zeichen (NUL oder "
                                     "ein einzelnes Surrogat)."))
    return None



#: the template context's name of the page's translations (:func:`init_app`)
TRANSLATIONS = "_kn_translations"


def _translations(context):
    from flask_babel import get_translations
    found = context.get(TRANSLATIONS)
    return found if found is not None else get_translations()


@pass_context
def _page_gettext(context, string):
    return _translations(context).ugettext(string)


@pass_context
def _page_ngettext(context, singular, plural, n):
    return _translations(context).ungettext(singular, plural, n)


@pass_context
def _page_pgettext(context, msgctxt, string):
    return _translations(context).upgettext(msgctxt, string)


@pass_context
def _page_npgettext(context, msgctxt, singular, plural, n):
    return _translations(context).unpgettext(msgctxt, singular, plural, n)


#: (script root, region, language, catalogue) -> the region menu's links: the same on every
#: page and for every account, and 14 ``url_for`` and 14 translations per page otherwise.
#: The catalogue object is part of the key: the cache is the process's, and two apps in one
#: process (tests) may translate a language differently.
_REGION_MENUS = LRU(512)


@pass_context
def region_menu(context, slug: str) -> list[tuple[str, str]]:
    """The links of a region's menu as ``(path, title)``, the overview first, in the page's
    language (the "Stände" link is the template's: it depends on the account)."""
    translations = _translations(context)

    def make() -> list[tuple[str, str]]:
        _ = translations.ugettext
        pages = [("objects.overview", {}, _("Übersicht")),
                 ("objects.index", {"kind": "municipalities"}, _("Kommunen")),
                 ("objects.index", {"kind": "actors"}, _("Akteure")),
                 ("objects.index", {"kind": "initiatives"}, _("Initiativen")),
                 ("objects.index", {"kind": "ties"}, _("Verbindungen")),
                 ("objects.index", {"kind": "formats"}, _("Formate")),
                 ("objects.index", {"kind": "solutions"}, _("Lösungen")),
                 ("view.page", {}, _("Netzwerk")),
                 ("view.map_page", {}, _("Karte")),
                 ("analysis.page", {}, _("Analyse")),
                 ("surveys.index", {}, _("Befragung")),
                 ("spielregeln.index", {}, _("Spielregeln")),
                 ("spielregeln.charter", {}, _("Kooperationsvereinbarung"))]
        return [(url_for(endpoint, slug=slug, **args), title) for endpoint, args, title in pages]

    return _REGION_MENUS.get((request.script_root, slug, context.get("current_lang"),
                              translations), make)


def init_app(app: Flask) -> None:
    app.add_template_filter(day, "day")
    app.before_request(refuse_unreadable)
    from urllib.parse import urlsplit
    tiles = urlsplit(app.config.get("MAP_TILES_URL") or "")
    # a configured map tile server is the one other host the pages may load images from
    tile_origin = f" {tiles.scheme}://{tiles.netloc}" if tiles.scheme in ("https", "http") \
        and tiles.netloc and "{" not in tiles.netloc else ""
    img_src = f"img-src 'self' data: blob:{tile_origin}; "

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; " + img_src + "style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
            "form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.template_filter("number")
    def number(value, decimals: int | None = None) -> str:
        """A number in the interface language's notation: 1.234,5 in German, 1,234.5 in
        English; ``decimals`` fixes the digits after the separator. None stays empty."""
        from flask_babel import format_decimal
        if value is None or value == "":
            return ""
        if decimals is None:
            return format_decimal(value)
        return format_decimal(value, format="#,##0." + "0" * decimals if decimals else "#,##0")

    @app.template_filter("labels")
    def labels(values, vocabulary) -> str:
        from collab.core.vocab import label
        return ", ".join(label(vocabulary, v) for v in values or [])

    @app.context_processor
    def inject_helpers():
        from flask_babel import get_translations

        from collab.core import permissions, vocab
        from collab.core.validation import is_url
        translations = get_translations()
        return {"vocab": vocab, "perm": permissions, "is_url": is_url,
                "label": functools.partial(vocab.label_in, translations),
                TRANSLATIONS: translations,
                "current_lang": select_locale(),
                # where the language switch returns to: the page with its query (a list's
                # page, a filter); after a POST its address (page_to_return_to checks it)
                "request_path": (request.full_path.rstrip("?") if request.method == "GET"
                                 else request.path),
                "today": local_today}  # the "Stand" line of printed pages

    # ``_()`` in a template translates through the page's translations (looked up once when
    # the page is rendered, so a forced locale, e.g. of an e-mail, is kept); templates
    # imported without context (macros) ask Flask-Babel as before
    app.jinja_env.install_gettext_callables(
        gettext=_page_gettext, ngettext=_page_ngettext, newstyle=True,
        pgettext=_page_pgettext, npgettext=_page_npgettext)

    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["region_menu"] = region_menu
