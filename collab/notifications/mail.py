"""Mails: compose (plain text and simple HTML, in the recipient's language) and send one
over SMTP (stdlib ``smtplib`` and ``email.message``), configured by ``MAIL_SERVER``,
``MAIL_PORT``, ``MAIL_USERNAME``, ``MAIL_PASSWORD``, ``MAIL_USE_TLS``, ``MAIL_FROM``."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from flask_babel import gettext as _
from markupsafe import escape


def base_url() -> str:
    """The site's address for links in mails: ``BASE_URL``, also inside a request. Never the
    request's own address: its Host (or X-Forwarded-Host) header is the client's choice, and
    a reset link sent to an account's owner would lead to the client's host."""
    return str(current_app.config.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")


def absolute_path(path: str) -> str:
    return path if "://" in path else base_url() + "/" + path.lstrip("/")


def path_for(endpoint: str, _anchor: str | None = None, **values) -> str:
    """The path of ``endpoint`` on this site, also outside a request (CLI, workers)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return path + (f"#{_anchor}" if _anchor else "")


def absolute(endpoint: str, **values) -> str:
    """An absolute URL of ``endpoint`` (also outside a request)."""
    return absolute_path(path_for(endpoint, **values))


def compose(user, subject: str, body: str, link: str | None, unsubscribe: str | None, *,
            kind_label: str = "", link_text: str | None = None) -> tuple[str, str]:
    """The plain-text and HTML bodies of a mail to ``user`` (in the current locale)."""
    hello = _("Guten Tag %(n)s,", n=user.display_name or user.login)
    link_text = link_text or _("Zur Seite")
    lines = [hello, "", body]
    if link:
        lines += ["", f"{link_text}: {link}"]
    footer = [_("Diese Nachricht kommt von Kommunalnetz.")]
    if unsubscribe:
        footer.append(_("Keine E-Mails mehr zu „%(k)s“: %(u)s", k=kind_label, u=unsubscribe))
    text = "\n".join(lines) + "\n\n-- \n" + "\n".join(footer) + "\n"
    def e(value) -> str:
        return str(escape(value))

    paragraphs = "".join("<p>" + "<br>".join(e(line) for line in p.split("\n")) + "</p>"
                         for p in body.split("\n\n"))
    html = (f'<!doctype html><html lang="{e(user.language or "de")}"><body>'
            f"<p>{e(hello)}</p>{paragraphs}")
    if link:
        html += f'<p><a href="{e(link)}">{e(link_text)}</a></p>'
    html += '<hr><p style="font-size:small">' + e(footer[0])
    if unsubscribe:
        html += (f' <a href="{e(unsubscribe)}">'
                 f'{e(_("Keine E-Mails mehr zu „%(k)s“", k=kind_label))}</a>')
    html += "</p></body></html>"
    return text, html


def message(to_addr: str, subject: str, text: str, html: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = to_addr
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="kommunalnetz")
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def send(msg: EmailMessage) -> None:
    """Send one message over SMTP (raises on failure: the caller retries)."""
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]),
                      timeout=float(config.get("MAIL_TIMEOUT", 10))) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(msg)
