"""Command-line interface: ``flask --app app <command>``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from collab.accounts import services as account_services
from collab.bundles import services as bundle
from collab.core import permissions as perm
from collab.core.models import Municipality, Region, User
from collab.core.permissions import SYSTEM
from collab.core.store import Conflict
from collab.core.validation import ValidationError
from collab.extensions import db

DEMO_ACCOUNTS = (
    # login, role, region, municipality, display name
    ("koordination", "coordinator", "swf5", None, "Koordination 5 für Südwestfalen"),
    ("olpe", "member", "swf5", "olpe", "Stadt Olpe"),
    ("soest", "member", "swf5", "soest", "Stadt Soest"),
    ("gast", "viewer", None, None, "Gast (Lesezugriff)"),
)
DEMO_PASSWORD = perm.DEMO_PASSWORD


def init_app(app) -> None:
    for command in (init_db, seed, import_command, export_command, create_user, create_token,
                    revoke_tokens, analyse_command, close_ballots, snapshot_command,
                    send_reminders):
        app.cli.add_command(command)


def _fail(problems) -> None:
    for p in problems:
        click.echo(f"{p.field}: {p.message}", err=True)
    sys.exit(1)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (idempotent)."""
    upgrade_schema()
    click.echo("Datenbankschema ist aktuell.")


def upgrade_schema() -> None:
    """Run the migrations; on PostgreSQL under an advisory lock, so that several hosts
    starting together upgrade one after the other (the later ones find nothing to do)."""
    from collab import ROOT

    directory = str(ROOT / "migrations")
    if db.engine.dialect.name != "postgresql":
        upgrade(directory=directory)
        return
    with db.engine.connect() as lock:
        lock.execute(sa.text("SELECT pg_advisory_lock(7310514)"))
        try:
            upgrade(directory=directory)
        finally:
            lock.execute(sa.text("SELECT pg_advisory_unlock(7310514)"))
            lock.commit()


@click.command("seed")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only when no region exists yet.")
@click.option("--no-activity", is_flag=True,
              help="Without the demo's open survey round and running ballot (seeds/demo/).")
def seed(if_empty: bool, no_activity: bool) -> None:
    """Load the bundles in seeds/ and, outside production, the demo accounts and what is
    going on in the demo when it is loaded (seeds/demo/: an open survey round, a running
    ballot; idempotent)."""
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Region)):
        click.echo("Datenbank enthält bereits Regionen; nichts geladen.")
        return
    for path in sorted(Path(current_app.config["SEEDS_DIR"]).glob("*.json")):
        doc = _keeping_held_ballots(json.loads(path.read_text(encoding="utf-8")))
        try:
            summary = bundle.import_bundle(doc, SYSTEM)
        except ValidationError as exc:
            click.echo(f"{path.name}: ungültig", err=True)
            _fail(exc.problems)
        click.echo(f"{path.name}: Region {summary['region']} "
                   f"{'geladen' if summary['changed'] else 'unverändert'}")
    if not current_app.config["DEMO_ACCOUNTS"]:
        click.echo("Produktivkonfiguration: keine Demo-Zugänge angelegt (Zugänge mit "
                   "create-user oder per Einladung).")
        return
    for login, role, slug, key, name in DEMO_ACCOUNTS:
        if db.session.scalar(sa.select(User.id).filter_by(login=login)):
            continue
        region = db.session.scalar(sa.select(Region).filter_by(slug=slug)) if slug else None
        municipality = (db.session.scalar(sa.select(Municipality).filter_by(key=key))
                        if key else None)
        # demo addresses (the reserved .example domain): with MAIL_SERVER set to a catch-all
        # server (e.g. `python -m aiosmtpd -n`) the demo's mails can be read there
        account_services.create_user(login, DEMO_PASSWORD, role, region=region,
                                     municipality=municipality, display_name=name, demo=True,
                                     email=f"{login}@demo.kommunalnetz.example")
        click.echo(f"Demo-Zugang {login} ({role}) angelegt.")
    if no_activity:
        return
    for path in sorted((Path(current_app.config["SEEDS_DIR"]) / "demo").glob("*.json")):
        for line in _demo_activity(json.loads(path.read_text(encoding="utf-8"))):
            click.echo(f"{path.name}: {line}")


def _keeping_held_ballots(doc: dict) -> dict:
    """A seed bundle with the rules its region holds on the platform with a ballot or votes
    that the bundle does not name (the demo's running ballot, one opened while the demo was
    used): a bundle cannot remove them (:func:`bundle.import_bundle` refuses to), so loading
    the seeds again keeps them as they are instead of failing."""
    from collab.core.records import rule_records

    slug = (doc.get("region") or {}).get("slug") if isinstance(doc, dict) else None
    region = db.session.scalar(sa.select(Region).filter_by(slug=slug)) \
        if isinstance(slug, str) else None
    if region is None:
        return doc
    named = {r.get("key") for r in doc.get("rules") or [] if isinstance(r, dict)}
    held = [r for r in rule_records(region)
            if r["key"] not in named and (r["status"] != "draft" or r["votes"])]
    return {**doc, "rules": [*(doc.get("rules") or []), *held]} if held else doc


def _demo_activity(spec: dict) -> list[str]:
    """Open what ``spec`` (a file of seeds/demo/) says is going on in a demo region, relative
    to today (local time), through the services a coordinator uses, as the demo account
    ``by`` (the command line without it): a survey round closing ``closes_after_days``
    from today, while the region has had no round; a proposed rule whose ballot closes
    ``closes_after_days`` from today at ``closes_at_time``, while the region has no rule of
    that title. Returns what it did."""
    import datetime as dt

    from collab.core.localtime import local_today, local_zone
    from collab.core.models import Rule, Survey, utcnow
    from collab.spielregeln import services as rules
    from collab.surveys import services as surveys

    region = db.session.scalar(sa.select(Region).filter_by(slug=spec.get("region")))
    if region is None:
        return []
    today, done = local_today(), []
    by = db.session.scalar(sa.select(User).filter_by(login=spec.get("by"))) \
        if spec.get("by") else None
    by = by or SYSTEM
    survey = spec.get("survey")
    if survey and db.session.scalar(sa.select(Survey.id).filter_by(
            region_id=region.id).limit(1)) is None:
        closes = today + dt.timedelta(days=survey["closes_after_days"])
        surveys.open_survey(region, {"closes_at": closes.isoformat()}, by)
        done.append(f"Netzwerkbefragung offen bis {closes:%d.%m.%Y}.")
    ballot = spec.get("ballot")
    if ballot and db.session.scalar(sa.select(Rule.id).filter_by(
            region_id=region.id, title=ballot["rule"]["title"]).limit(1)) is None:
        rule = rules.propose_rule(region, ballot["rule"], by)
        closes = dt.datetime.combine(today + dt.timedelta(days=ballot["closes_after_days"]),
                                     dt.time.fromisoformat(ballot["closes_at_time"]))
        rules.open_ballot(region, rule, {"closes_at": closes.isoformat(timespec="minutes")},
                          by, now=utcnow().replace(microsecond=0), zone=local_zone())
        done.append(f"Abstimmung über „{rule.title}“ läuft bis {closes:%d.%m.%Y, %H:%M} Uhr.")
    return done


@click.command("import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and report, change nothing.")
@click.option("--merge", is_flag=True,
              help="Add and update only, never remove (a single CSV sheet always merges).")
@click.option("--region", "slug", help="Region slug (needed for a CSV sheet).")
def import_command(path: str, dry_run: bool, merge: bool, slug: str | None) -> None:
    """Import a network bundle (.json), a workbook (.xlsx) or one CSV sheet (.csv); exit 1
    listing every problem when it is invalid."""
    from collab.bundles import sheets

    body = Path(path).read_bytes()
    try:
        if sheets.is_spreadsheet(body, path):
            if path.lower().endswith(".csv") and not slug:
                click.echo("--region: Eine CSV-Datei ergänzt eine Region; bitte ihr Kürzel "
                           "angeben.", err=True)
                sys.exit(1)
            summary, _doc = bundle.import_spreadsheet(body, path, SYSTEM, slug=slug,
                                                      merge=merge, dry_run=dry_run)
        else:
            if merge:
                click.echo("--merge: nur für Arbeitsmappen (.xlsx) und CSV-Dateien.", err=True)
                sys.exit(1)
            try:
                doc = json.loads(body.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                click.echo(f"$: kein gültiges JSON: {exc}", err=True)
                sys.exit(1)
            except RecursionError:
                click.echo("$: zu tief verschachtelt.", err=True)
                sys.exit(1)
            summary = bundle.import_bundle(doc, SYSTEM, dry_run=dry_run, slug=slug)
    except ValidationError as exc:
        click.echo(f"Bündel ungültig ({len(exc.problems)} Probleme); nichts geändert.", err=True)
        _fail(exc.problems)
    except Conflict as exc:
        click.echo(f"{exc.field or '$'}: {exc.message}", err=True)
        sys.exit(1)
    prefix = "Probelauf, nichts geändert: " if dry_run else ""
    click.echo(f"{prefix}Region {summary['region']}")
    for section, c in summary["changes"].items():
        click.echo(f"  {section}: {c['created']} neu, {c['updated']} geändert, "
                   f"{c['deleted']} entfernt, {c['unchanged']} unverändert")


@click.command("export")
@with_appcontext
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File (default: stdout).")
@click.option("--contact", is_flag=True, help="Include contact fields.")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default=None,
              help="json (default) or xlsx (one sheet per kind); by the file name otherwise.")
def export_command(slug: str, output: str | None, contact: bool, fmt: str | None) -> None:
    """Write a region's bundle (JSON) or workbook (XLSX)."""
    from collab.bundles import sheets

    region = db.session.scalar(sa.select(Region).filter_by(slug=slug))
    if region is None:
        click.echo(f"Region „{slug}“ gibt es nicht.", err=True)
        sys.exit(1)
    fmt = fmt or ("xlsx" if output and output.lower().endswith(".xlsx") else "json")
    doc = bundle.export_bundle(region, contact=contact)
    if fmt == "xlsx":
        if not output:
            click.echo("-o: Eine Arbeitsmappe braucht eine Datei.", err=True)
            sys.exit(1)
        Path(output).write_bytes(sheets.workbook_bytes(doc))
        click.echo(f"Arbeitsmappe der Region {slug} nach {output} geschrieben.")
        return
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Bündel der Region {slug} nach {output} geschrieben.")
    else:
        click.echo(text, nl=False)


@click.command("create-user")
@with_appcontext
@click.argument("login")
@click.option("--role", required=True, type=click.Choice(["admin", "coordinator", "member",
                                                          "viewer"]))
@click.option("--region", "slug", help="Region slug (coordinator, member).")
@click.option("--municipality", "key", help="Municipality key (member).")
@click.option("--password", help="Password (prompted when omitted).")
@click.option("--name", default="", help="Display name.")
@click.option("--email", default="", help="E-mail address (notifications, password reset).")
@click.option("--language", default="de", type=click.Choice(["de", "en"]),
              help="Language of its mails.")
@click.option("--invite", is_flag=True,
              help="Mail an invitation link to set the password instead of setting one.")
def create_user(login, role, slug, key, password, name, email, language, invite) -> None:
    """Add an account."""
    region = db.session.scalar(sa.select(Region).filter_by(slug=slug)) if slug else None
    if slug and region is None:
        click.echo(f"region: Region „{slug}“ gibt es nicht.", err=True)
        sys.exit(1)
    municipality = db.session.scalar(sa.select(Municipality).filter_by(key=key)) if key else None
    if key and municipality is None:
        click.echo(f"municipality: Kommune „{key}“ gibt es nicht.", err=True)
        sys.exit(1)
    if password is None and not invite:
        password = click.prompt("Passwort", hide_input=True, confirmation_prompt=True)
    try:
        account_services.create_user(login, None if invite else password, role, region=region,
                                     municipality=municipality, display_name=name,
                                     email=email, language=language)
    except ValidationError as exc:
        _fail(exc.problems)
    except Conflict as exc:
        click.echo(f"{exc.field}: {exc.message}", err=True)
        sys.exit(1)
    click.echo(f"Zugang {login} ({role}) angelegt.")


def _user(login: str) -> User:
    user = db.session.scalar(sa.select(User).filter_by(login=login))
    if user is None:
        click.echo(f"Zugang „{login}“ gibt es nicht.", err=True)
        sys.exit(1)
    return user


@click.command("create-token")
@with_appcontext
@click.argument("login")
def create_token(login: str) -> None:
    """Print a new API token for the account (last line of output)."""
    token = account_services.issue_token(_user(login))
    until = account_services.token_expiry(token)
    click.echo(f"Neues API-Token für {login} (wird nur jetzt angezeigt; gültig bis "
               f"{until:%Y-%m-%d} UTC):")
    click.echo(token)


@click.command("revoke-tokens")
@with_appcontext
@click.argument("login")
def revoke_tokens(login: str) -> None:
    """Revoke every API token of the account."""
    count = account_services.revoke_tokens(_user(login))
    click.echo(f"{count} Token(s) von {login} widerrufen.")


@click.command("analyse")
@with_appcontext
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the report document (JSON).")
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True,
              help="Language of the report's sentences.")
def analyse_command(slug: str, as_json: bool, lang: str) -> None:
    """Print the analysis report of a region (text, or the JSON document)."""
    from collab.analysis import reports

    region = db.session.scalar(sa.select(Region).filter_by(slug=slug))
    if region is None:
        click.echo(f"Region „{slug}“ gibt es nicht.", err=True)
        sys.exit(1)
    report = reports.region_report(region, lang=lang)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(reports.text_report(report, reports.directory(region), lang=lang), nl=False)


@click.command("close-ballots")
@with_appcontext
def close_ballots() -> None:
    """Fix the result of every Spielregeln ballot whose closing time has passed."""
    from collab.spielregeln.services import close_due_ballots

    closed = close_due_ballots()
    for rule in closed:
        click.echo(f"{rule.region.slug}/{rule.key}: {rule.status}")
    click.echo(f"{len(closed)} Abstimmung(en) abgeschlossen.")


@click.command("snapshot")
@with_appcontext
@click.argument("slug")
@click.option("--name", required=True, help="Name of the snapshot, e.g. \"Stand 2021\".")
@click.option("--date", "day", default="", help="Date it stands for (YYYY-MM-DD; default today).")
def snapshot_command(slug: str, name: str, day: str) -> None:
    """Save the region's state as a snapshot (bundle and analysis key figures)."""
    from collab.history import services as history

    region = db.session.scalar(sa.select(Region).filter_by(slug=slug))
    if region is None:
        click.echo(f"Region {slug!r} unbekannt.", err=True)
        sys.exit(1)
    try:
        snap = history.save_snapshot(region, {"name": name, "date": day}, SYSTEM)
    except ValidationError as exc:
        _fail(exc.problems)
    except Conflict as exc:  # the region holds as many snapshots as it may
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(f"Stand {snap.id} „{snap.name}“ ({snap.date.isoformat()}) gespeichert.")
    if snap.summary is None:  # no stored report of this moment: analysed here, not queued
        problem = ""
        if history.due(snap):  # not when the job just failed on it (the inline backend)
            try:
                history.fill_summary(snap.id)
            except Exception as exc:  # the snapshot stays; tried again after its back-off
                history.record_failure(snap.id)
                problem = f" ({type(exc).__name__}: {exc})"
        db.session.refresh(snap)
        if snap.summary is None:
            click.echo(f"Kennzahlen konnten nicht berechnet werden{problem}; der Stand ist "
                       "gespeichert, die Analyse wird später erneut versucht.", err=True)
            sys.exit(1)
        click.echo("Kennzahlen berechnet.")


@click.command("send-reminders")
@with_appcontext
def send_reminders() -> None:
    """Remind the municipalities that have not voted, 48 hours before a ballot closes, and
    those that have not answered a survey round closing within 48 hours (run on the
    schedule of close-ballots)."""
    from collab.spielregeln.services import remind_due_ballots
    from collab.surveys.services import remind_due_surveys

    reminded = remind_due_ballots()
    for rule, count in reminded:
        click.echo(f"{rule.region.slug}/{rule.key}: {count} Kommune(n) erinnert")
    click.echo(f"{len(reminded)} Abstimmung(en) mit Erinnerung.")
    rounds = remind_due_surveys()
    for survey, count in rounds:
        click.echo(f"{survey.region.slug}/Befragung {survey.id}: {count} Kommune(n) erinnert")
    click.echo(f"{len(rounds)} Befragung(en) mit Erinnerung.")
