"""The domain model: regions, municipalities, actors, initiatives, ties, accounts."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from collab.core.collation import SortName, keep_sort_name, sort_name_default
from collab.core.vocab import DIRECTED_TIE_KINDS
from collab.extensions import db


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Region(db.Model):
    """A regional network such as "5 für Südwestfalen"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable identifier used in URLs and bundles
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: display name
    name: Mapped[str] = mapped_column(sa.String(200))
    #: free text about the network and the sources of its data
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: how Spielregeln are decided: consensus, majority, two_thirds
    decision_rule: Mapped[str] = mapped_column(sa.String(20), default="consensus")
    #: share of voting municipalities that must vote for a ballot to count (0..1)
    quorum: Mapped[float] = mapped_column(default=0.5)
    #: tiers whose municipalities vote, comma-separated
    voting_tiers: Mapped[str] = mapped_column(sa.String(60), default="pioneer,member")
    #: incremented on every change of the region's data; keys the analysis cache
    data_version: Mapped[int] = mapped_column(default=0)
    #: when the region's data last changed (UTC; with data_version, in store.bump): the
    #: "Datenstand" of its reports (None: not known, no change since this was recorded)
    data_changed_at: Mapped[dt.datetime | None]
    #: end of the network's funding, if known
    funded_until: Mapped[dt.date | None]

    memberships: Mapped[list[RegionMembership]] = relationship(
        back_populates="region", cascade="all, delete-orphan")

    @property
    def voting_tier_list(self) -> list[str]:
        return [t for t in self.voting_tiers.split(",") if t]

    def __repr__(self) -> str:
        return f"<Region {self.slug}>"


@keep_sort_name
class Municipality(db.Model):
    """A Kommune (Stadt, Gemeinde, Landkreis); it can belong to several regions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable identifier, unique across the platform (e.g. "olpe")
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: official name
    name: Mapped[str] = mapped_column(sa.String(200))
    #: the name's German sort key (collab.core.collation), kept by keep_sort_name
    sort_name: Mapped[str] = mapped_column(SortName, default=sort_name_default)
    #: kreisfreie_stadt, kreisangehoerige_stadt, gemeinde, verbandsgemeinde, landkreis
    kind: Mapped[str] = mapped_column(sa.String(30))
    #: Amtlicher Gemeindeschlüssel, 8 digits, unique
    ags: Mapped[str] = mapped_column(sa.String(8), unique=True)
    #: Kreis the municipality belongs to ("" for kreisfreie Städte)
    district: Mapped[str] = mapped_column(sa.String(200), default="")
    #: federal state code (NW, TH, ...)
    state: Mapped[str] = mapped_column(sa.String(2))
    #: inhabitants
    population: Mapped[int] = mapped_column(default=0)
    #: area in square kilometres
    area_km2: Mapped[float | None]
    #: latitude (WGS84)
    lat: Mapped[float | None]
    #: longitude (WGS84)
    lon: Mapped[float | None]
    #: free text, including the sources of the figures
    description: Mapped[str] = mapped_column(sa.Text, default="")

    memberships: Mapped[list[RegionMembership]] = relationship(
        back_populates="municipality", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Municipality {self.key}>"


class RegionMembership(db.Model):
    """A municipality's membership in a regional network, with its tier."""

    __table_args__ = (sa.UniqueConstraint("region_id", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the network
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    #: the member
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    #: pioneer, member, supporter
    tier: Mapped[str] = mapped_column(sa.String(20), default="member")
    #: date of joining, if known
    since: Mapped[dt.date | None]
    #: the document the member joined with: council_decision, letter_of_intent (or none)
    joined_by: Mapped[str | None] = mapped_column(sa.String(30))
    #: of the membership: documented, self_reported, confirmed or assumed (see vocab.PROVENANCES)
    provenance: Mapped[str] = mapped_column(sa.String(20), default="documented",
                                            server_default="documented")
    #: where it comes from: a URL or a document reference ("" when none)
    source: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    region: Mapped[Region] = relationship(back_populates="memberships")
    municipality: Mapped[Municipality] = relationship(back_populates="memberships")


@keep_sort_name
class Actor(db.Model):
    """An organisation unit or partner acting in a region (council, CDO, agency, ...)."""

    __table_args__ = (sa.UniqueConstraint("region_id", "key"),
                      # a region's actors of some municipalities, or its regional bodies
                      # (the overview's level matrix at national scale)
                      sa.Index("ix_actor_region_municipality", "region_id", "municipality_id"),
                      # a page of a region's actors by name (lists, API) without sorting all
                      sa.Index("ix_actor_region_sort_name", "region_id", "sort_name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the region it acts in
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    #: stable identifier within the region
    key: Mapped[str] = mapped_column(sa.String(64))
    #: name of the unit or organisation
    name: Mapped[str] = mapped_column(sa.String(200))
    #: the name's German sort key (collab.core.collation), kept by keep_sort_name
    sort_name: Mapped[str] = mapped_column(SortName, default=sort_name_default)
    #: organisation model or partner type (see vocab.ACTOR_TYPES)
    type: Mapped[str] = mapped_column(sa.String(30))
    #: strategic, coordinating, operational
    level: Mapped[str] = mapped_column(sa.String(20))
    #: public, civil_society, business, science
    sector: Mapped[str] = mapped_column(sa.String(20), default="public")
    #: the municipality it acts for; none for a regional body
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id"), index=True)
    #: topics of expertise (list of topic codes)
    topics: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: staff capacity in full-time equivalents
    capacity_fte: Mapped[float | None]
    #: free text
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: optional contact (a role address preferably); left out of exports unless asked for
    contact: Mapped[str] = mapped_column(sa.String(200), default="")
    #: documented, self_reported, confirmed or assumed (see vocab.PROVENANCES)
    provenance: Mapped[str] = mapped_column(sa.String(20), default="documented",
                                            server_default="documented")
    #: where it comes from: a URL or a document reference ("" when none)
    source: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    region: Mapped[Region] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    participations: Mapped[list[Participation]] = relationship(
        back_populates="actor", cascade="all, delete-orphan")
    #: formats it takes part in (its rows go with it)
    formats: Mapped[list[Format]] = relationship(
        secondary="format_participant", back_populates="participants")
    #: formats it convenes (they stay, without convenor, when it goes)
    convened: Mapped[list[Format]] = relationship(back_populates="convenor")

    def __repr__(self) -> str:
        return f"<Actor {self.key}>"


@keep_sort_name
class Initiative(db.Model):
    """A shared project or measure (e.g. a regional data platform)."""

    __table_args__ = (sa.UniqueConstraint("region_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the region it belongs to
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    #: stable identifier within the region
    key: Mapped[str] = mapped_column(sa.String(64))
    #: title
    name: Mapped[str] = mapped_column(sa.String(200))
    #: the name's German sort key (collab.core.collation), kept by keep_sort_name
    sort_name: Mapped[str] = mapped_column(SortName, default=sort_name_default)
    #: Handlungsfeld (see vocab.TOPICS)
    topic: Mapped[str] = mapped_column(sa.String(30))
    #: idea, planned, running, completed
    status: Mapped[str] = mapped_column(sa.String(20), default="idea")
    #: free text
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: start date
    start: Mapped[dt.date | None]
    #: end date
    end: Mapped[dt.date | None]
    #: joint (shared work) or local (a municipality's own project inside the network)
    scope: Mapped[str] = mapped_column(sa.String(10), default="joint", server_default="joint")
    #: how it is funded (free text)
    funding: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    region: Mapped[Region] = relationship()
    participations: Mapped[list[Participation]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan",
        order_by="Participation.id")

    def __repr__(self) -> str:
        return f"<Initiative {self.key}>"


class Participation(db.Model):
    """An actor's part in an initiative."""

    __table_args__ = (sa.UniqueConstraint("initiative_id", "actor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the initiative
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id"), index=True)
    #: the actor taking part
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("actor.id"), index=True)
    #: lead, partner, supporter, observer
    role: Mapped[str] = mapped_column(sa.String(20), default="partner")
    #: documented, self_reported, confirmed or assumed (see vocab.PROVENANCES)
    provenance: Mapped[str] = mapped_column(sa.String(20), default="documented",
                                            server_default="documented")
    #: where it comes from: a URL or a document reference ("" when none)
    source: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    initiative: Mapped[Initiative] = relationship(back_populates="participations")
    actor: Mapped[Actor] = relationship(back_populates="participations")


class Tie(db.Model):
    """A relation between two actors (cooperation, mandate, reporting, ...)."""

    __table_args__ = (
        sa.UniqueConstraint("region_id", "key"),
        sa.CheckConstraint("source_id <> target_id", name="tie_not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the region it belongs to
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    #: stable identifier within the region
    key: Mapped[str] = mapped_column(sa.String(160))
    #: the actor the tie starts from
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("actor.id"), index=True)
    #: the actor the tie points to
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("actor.id"), index=True)
    #: cooperation, mandate, reporting, advice, funding, knowledge_transfer
    kind: Mapped[str] = mapped_column(sa.String(30), default="cooperation")
    #: strength 1 (weak) to 5 (strong)
    weight: Mapped[int] = mapped_column(default=3)
    #: free text
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: trust between the two, 1 to 5, from the relationship survey (none when not asked)
    trust: Mapped[int | None]
    #: value of the relationship, 1 to 5, from the relationship survey
    value: Mapped[int | None]
    #: documented, self_reported, confirmed or assumed (see vocab.PROVENANCES)
    provenance: Mapped[str] = mapped_column(sa.String(20), default="documented",
                                            server_default="documented")
    #: where it comes from: a URL or a document reference ("" when none); a tie's
    #: "source" is its source actor, so the bundle calls this "reference"
    reference: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    region: Mapped[Region] = relationship()
    source: Mapped[Actor] = relationship(foreign_keys=[source_id])
    target: Mapped[Actor] = relationship(foreign_keys=[target_id])

    @property
    def directed(self) -> bool:
        return self.kind in DIRECTED_TIE_KINDS


#: the actors taking part in a format
format_participant = sa.Table(
    "format_participant", db.metadata,
    sa.Column("format_id", sa.ForeignKey("format.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("actor_id", sa.ForeignKey("actor.id", ondelete="CASCADE"), primary_key=True),
)


@keep_sort_name
class Format(db.Model):
    """A meeting the network holds (jour fixe, steering round, working group, ...)."""

    __table_args__ = (sa.UniqueConstraint("region_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the region that holds it
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    #: stable identifier within the region (own namespace)
    key: Mapped[str] = mapped_column(sa.String(64))
    #: name of the meeting
    name: Mapped[str] = mapped_column(sa.String(200))
    #: the name's German sort key (collab.core.collation), kept by keep_sort_name
    sort_name: Mapped[str] = mapped_column(SortName, default=sort_name_default)
    #: jour_fixe, steering_round, working_group, conference, training, other
    kind: Mapped[str] = mapped_column(sa.String(20), default="other")
    #: weekly, biweekly, monthly, quarterly, yearly, once
    cadence: Mapped[str] = mapped_column(sa.String(20), default="monthly")
    #: the actor that convenes it (none when unknown)
    convenor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("actor.id", ondelete="SET NULL"), index=True)
    #: Handlungsfeld it is about, if one
    topic: Mapped[str | None] = mapped_column(sa.String(30))
    #: first meeting (for "once": its date)
    since: Mapped[dt.date | None]
    #: last meeting, if it ended
    until: Mapped[dt.date | None]
    #: free text
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: documented, self_reported, confirmed or assumed (see vocab.PROVENANCES)
    provenance: Mapped[str] = mapped_column(sa.String(20), default="documented",
                                            server_default="documented")
    #: where it comes from: a URL or a document reference ("" when none)
    source: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    region: Mapped[Region] = relationship()
    convenor: Mapped[Actor | None] = relationship(back_populates="convened")
    participants: Mapped[list[Actor]] = relationship(
        secondary=format_participant, back_populates="formats", order_by="Actor.key")
    #: invitations of other municipalities' actors (they go with it)
    invitations: Mapped[list[FormatInvitation]] = relationship(
        back_populates="format", cascade="all, delete-orphan", passive_deletes=True,
        order_by="FormatInvitation.id")

    def __repr__(self) -> str:
        return f"<Format {self.key}>"


class Rule(db.Model):
    """A rule of collaboration (Spielregel) proposed in a region."""

    __table_args__ = (sa.UniqueConstraint("region_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the region whose rule it is
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    #: stable identifier within the region
    key: Mapped[str] = mapped_column(sa.String(64))
    #: short title
    title: Mapped[str] = mapped_column(sa.String(200))
    #: the rule's current text
    text: Mapped[str] = mapped_column(sa.Text, default="")
    #: draft, voting, adopted, rejected
    status: Mapped[str] = mapped_column(sa.String(20), default="draft")
    #: when it was proposed
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: general, taktgeber (designates the actor it concerns as the network's Taktgeber),
    #: criteria (sets the Taktgeber weights) or continuation (after the funding ends)
    kind: Mapped[str] = mapped_column(sa.String(20), default="general")
    #: a criteria rule's Taktgeber weights {part: share}, summing to 1
    weights: Mapped[dict | None] = mapped_column(sa.JSON)
    #: the account that proposed it (none when imported)
    proposer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: the municipality the proposer spoke for (none for the coordinator)
    proposer_municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id"))
    #: the actor the rule concerns, if any
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("actor.id", ondelete="SET NULL"), index=True)
    #: the initiative the rule concerns, if any
    initiative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("initiative.id", ondelete="SET NULL"), index=True)
    #: the tie kind the rule concerns, if any (cooperation, mandate, ...)
    tie_kind: Mapped[str | None] = mapped_column(sa.String(30))
    #: when the coordinator opened the ballot
    opened_at: Mapped[dt.datetime | None]
    #: when the ballot closes (UTC)
    closes_at: Mapped[dt.datetime | None]
    #: when the result was fixed (adopted or rejected)
    decided_at: Mapped[dt.datetime | None]
    #: decision rule in force when the ballot opened (consensus, majority, two_thirds)
    decision_rule: Mapped[str | None] = mapped_column(sa.String(20))
    #: quorum in force when the ballot opened (share of voting municipalities)
    quorum: Mapped[float | None]
    #: the final tally {yes, no, abstain, eligible, voted}, fixed with the result
    tally: Mapped[dict | None] = mapped_column(sa.JSON)
    #: who may vote on the ballot: the ids (sorted) of the region's voting municipalities
    #: when it opened, fixed for its whole course (a member joining, leaving or changing
    #: tier later changes neither the count nor who may vote); null without a ballot on the
    #: platform (a draft, a rule decided before it)
    electorate: Mapped[list | None] = mapped_column(sa.JSON)
    #: when the members that had not voted were reminded (48 hours before closing)
    reminded_at: Mapped[dt.datetime | None]
    #: earlier ballots on this rule, oldest first: each {number, version, opened_at,
    #: closes_at, decided_at, result, decision_rule, quorum, tally, votes: [...]}; a ballot
    #: moves here when its rejected rule is revised for a new ballot (never changed after)
    ballot_history: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")

    region: Mapped[Region] = relationship()
    votes: Mapped[list[Vote]] = relationship(
        back_populates="rule", cascade="all, delete-orphan", order_by="Vote.id")
    proposer: Mapped[User | None] = relationship(foreign_keys=[proposer_id])
    proposer_municipality: Mapped[Municipality | None] = relationship()
    actor: Mapped[Actor | None] = relationship()
    initiative: Mapped[Initiative | None] = relationship()
    versions: Mapped[list[RuleVersion]] = relationship(
        back_populates="rule", cascade="all, delete-orphan", order_by="RuleVersion.number")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="rule", cascade="all, delete-orphan", order_by="Comment.id")

    def __repr__(self) -> str:
        return f"<Rule {self.key}>"


class Vote(db.Model):
    """One member municipality's vote on a rule."""

    __table_args__ = (sa.UniqueConstraint("rule_id", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the rule voted on
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("rule.id"), index=True)
    #: the voting municipality
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"))
    #: yes, no, abstain
    vote: Mapped[str] = mapped_column(sa.String(10))
    #: the reason (required for no)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: when it was cast
    cast_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the account that recorded it (the member's own, or the coordinator's for a proxy vote)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: for a vote recorded on the municipality's behalf: its council decision or letter
    reference: Mapped[str] = mapped_column(sa.Text, default="")
    #: taken from a document of a decision made before the platform (imported with a new
    #: rule): shown as such, never as the municipality's own vote on the platform
    recorded: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    rule: Mapped[Rule] = relationship(back_populates="votes")
    municipality: Mapped[Municipality] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class User(UserMixin, db.Model):
    """An account; a member account speaks for one municipality of one region."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: login name
    login: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: werkzeug password hash
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    #: admin, coordinator, member, viewer
    role: Mapped[str] = mapped_column(sa.String(20), default="viewer")
    #: the region a coordinator or member works in
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id"))
    #: the municipality a member speaks for
    municipality_id: Mapped[int | None] = mapped_column(sa.ForeignKey("municipality.id"))
    #: display name (a role, e.g. "Digitalisierung Stadt Olpe")
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    #: created at
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: false once the coordinator deactivated it: no sign-in, no session, no API token
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    #: part of every session's id: raised by logout, a password change and a deactivation,
    #: which ends every session signed in before
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: e-mail address for notifications, invitations and password resets ("" for none)
    email: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    #: language of its mails: de, en
    language: Mapped[str] = mapped_column(sa.String(5), default="de", server_default="de")
    #: how it wants to hear of each kind of notification {kind: immediately|daily|off};
    #: kinds not named: immediately
    notification_choices: Mapped[dict] = mapped_column(sa.JSON, default=dict,
                                                       server_default="{}")

    region: Mapped[Region | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses to sign in an inactive account."""
        return bool(self.active)

    def get_id(self) -> str:
        """The session's id: account and session version ("7:3"); a session whose version
        is no longer the account's is no session."""
        return f"{self.id}:{self.session_version or 0}"

    def end_sessions(self) -> None:
        """End every session of this account (the current one too)."""
        self.session_version = (self.session_version or 0) + 1

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.login}>"


class ApiToken(db.Model):
    """A bearer token for the API; only its SHA-256 hash is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the account it acts for
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    #: SHA-256 of the token, hex
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: first characters of the token, to recognise it in lists
    prefix: Mapped[str] = mapped_column(sa.String(12))
    #: created at
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: set when revoked; a revoked token authenticates nobody
    revoked_at: Mapped[dt.datetime | None]
    #: when it stops working (default: a year after it was created)
    expires_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User) -> tuple[ApiToken, str]:
        """A new token row and the plain token (shown once, never stored)."""
        plain = "kn_" + secrets.token_urlsafe(32)
        return cls(user=user, token_hash=cls.hash(plain), prefix=plain[:10]), plain


class Activity(db.Model):
    """One recorded change: who did what to which object, and when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the region concerned (none for platform-wide changes)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id"), index=True)
    #: the acting account (none for the command line)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: when
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    #: what happened, e.g. "actor.update", "bundle.import", "rule.vote"
    action: Mapped[str] = mapped_column(sa.String(40))
    #: the object's key or id as text
    target: Mapped[str] = mapped_column(sa.String(200), default="")
    #: a short German description of the change (old rows; new rows also keep ``params``)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    #: the values the entry is written from at read time, in the reader's language
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    #: what the change replaced, to undo it: ``{"records": {section: {key: [before, after]}}}``
    #: (bundle records, null where there was none) or ``{"positions": {...}}`` (the view's
    #: node positions before, null for a node that had none)
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    #: the entry this one undid (an undo is logged like every change and can be undone)
    undo_of: Mapped[int | None] = mapped_column(sa.ForeignKey("activity.id"))

    user: Mapped[User | None] = relationship()


class Snapshot(db.Model):
    """The region's state under a name and date: its bundle (with contacts) and the analysis
    summary of that moment. Kept until the coordinator deletes it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the region whose state it is
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    #: the name it was saved under ("Ende Strategiephase 2021")
    name: Mapped[str] = mapped_column(sa.String(120))
    #: the date it stands for (default: the day it was saved)
    date: Mapped[dt.date]
    #: when it was saved
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: who saved it (none for the command line)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: "manual", or "import"/"restore"/"undo" for the ones saved automatically before
    kind: Mapped[str] = mapped_column(sa.String(20), default="manual")
    #: the region's bundle at that moment (with contacts)
    bundle: Mapped[dict] = mapped_column(sa.JSON)
    #: key figures of the analysis at that moment (summary, Taktgeber ranking, gaps); None
    #: (SQL NULL) until the snapshot job has analysed it, when no stored report could give
    #: them at once
    summary: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True), nullable=True)
    #: how many times the snapshot job failed to analyse it (0 once it has its figures); the
    #: job tries again after a back-off, and gives up after a few
    #: (:data:`collab.history.services.BACKOFF`)
    summary_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: when its last failed analysis ended (None: none failed)
    summary_failed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)

    created_by: Mapped[User | None] = relationship()


class NodePosition(db.Model):
    """A node's saved place in the network view of a region (set by its coordinator)."""

    __table_args__ = (sa.UniqueConstraint("region_id", "node_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the region whose view it is
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    #: the node's bundle key (municipality, actor or initiative), or an aggregate's id
    node_key: Mapped[str] = mapped_column(sa.String(130))
    #: horizontal position in the view's coordinates
    x: Mapped[float]
    #: vertical position in the view's coordinates
    y: Mapped[float]
    #: when it was saved
    saved_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# --- Spielregeln: rule versions, discussion, joining ---------------------------------------------


class RuleVersion(db.Model):
    """One version of a rule's title and text; a revision adds the next number."""

    __table_args__ = (sa.UniqueConstraint("rule_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the rule
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("rule.id"), index=True)
    #: 1 for the proposal, then 2, 3, ...
    number: Mapped[int]
    #: the title of this version
    title: Mapped[str] = mapped_column(sa.String(200))
    #: the text of this version
    text: Mapped[str] = mapped_column(sa.Text, default="")
    #: the account that wrote it
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: when it was written
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    rule: Mapped[Rule] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship()


class Comment(db.Model):
    """A contribution to the discussion of a rule."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the rule discussed
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("rule.id"), index=True)
    #: the account that wrote it
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: the comment (plain text)
    text: Mapped[str] = mapped_column(sa.Text)
    #: when it was written
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    rule: Mapped[Rule] = relationship(back_populates="comments")
    user: Mapped[User | None] = relationship()


class RequestDecision:
    """What every request someone decides on carries: its state, the reason, who asked,
    who decided and when (mixed into :class:`JoinRequest` and :class:`InitiativeJoinRequest`)."""

    #: pending, approved, declined
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    #: the decider's reason (required when declining)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: the account that asked
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: the account that decided
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: when it was filed
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: when it was decided
    decided_at: Mapped[dt.datetime | None]

    @declared_attr
    def requested_by(cls) -> Mapped[User | None]:
        return relationship(foreign_keys=[cls.requested_by_id])

    @declared_attr
    def decided_by(cls) -> Mapped[User | None]:
        return relationship(foreign_keys=[cls.decided_by_id])


class JoinRequest(RequestDecision, db.Model):
    """A municipality outside a region applies to join it; the coordinator decides."""

    #: one pending application per municipality and region (also under concurrent requests)
    __table_args__ = (sa.Index(
        "uq_join_request_pending", "region_id", "municipality_id", unique=True,
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the region it wants to join
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    #: the applying municipality
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    #: the tier asked for: pioneer, member, supporter
    tier: Mapped[str] = mapped_column(sa.String(20), default="member")
    #: the letter of intent or council decision it rests on
    reference: Mapped[str] = mapped_column(sa.Text)

    region: Mapped[Region] = relationship()
    municipality: Mapped[Municipality] = relationship()


class InitiativeJoinRequest(RequestDecision, db.Model):
    """A member asks to take part in an initiative with one of its actors; the lead decides.
    Or the other way round (``invited_by_lead``): the lead invites another municipality's actor
    (or asks to change its role), and that municipality's member accounts accept or decline."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the initiative
    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    #: the member's actor that would take part
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("actor.id", ondelete="CASCADE"),
                                          index=True)
    #: the role asked for: partner, supporter, observer
    role: Mapped[str] = mapped_column(sa.String(20), default="partner")
    #: what the member offers or wants (plain text)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    #: an invitation by the initiative's lead: the actor's municipality decides
    invited_by_lead: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    initiative: Mapped[Initiative] = relationship()
    actor: Mapped[Actor] = relationship()


class FormatInvitation(RequestDecision, db.Model):
    """A member names another municipality's actor as a participant of a format its own unit
    convenes: that municipality's member accounts accept (the actor takes part) or decline.
    Until then the actor is no participant (the coordinator records participants directly)."""

    __tablename__ = "format_invitation"
    #: one open invitation per format and actor (also under concurrent edits)
    __table_args__ = (sa.Index(
        "uq_format_invitation_pending", "format_id", "actor_id", unique=True,
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the format
    format_id: Mapped[int] = mapped_column(sa.ForeignKey("format.id", ondelete="CASCADE"),
                                           index=True)
    #: the invited actor (of another municipality than the convenor's)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("actor.id", ondelete="CASCADE"),
                                          index=True)

    format: Mapped[Format] = relationship(back_populates="invitations")
    actor: Mapped[Actor] = relationship()


# --- operations: the shared report store, staged uploads --------------------------------------


class AnalysisReport(db.Model):
    """A computed analysis report, shared by every app process and host: one row per region,
    data version, what-if (``without``, ``taktgeber``; "" for none) and language. Written by
    the analysis workers (:mod:`collab.analysis.jobs`), read by pages and API
    (:func:`collab.analysis.reports.latest`)."""

    __tablename__ = "analysis_report"
    __table_args__ = (sa.UniqueConstraint("region_id", "without", "taktgeber", "lang",
                                          "data_version", name="uq_analysis_report_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the region analysed
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    #: the region's data version the report was computed from
    data_version: Mapped[int]
    #: what-if: the key of the municipality, actor or initiative left out ("" for none)
    without: Mapped[str] = mapped_column(sa.String(130), default="")
    #: what-if: the key of the actor assumed as Taktgeber ("" for none)
    taktgeber: Mapped[str] = mapped_column(sa.String(130), default="")
    #: language of the report's sentences (de, en)
    lang: Mapped[str] = mapped_column(sa.String(5))
    #: done (``document`` holds the report) or failed (``error`` says why)
    status: Mapped[str] = mapped_column(sa.String(10), default="done")
    #: the report, as the JSON the API serves
    document: Mapped[str] = mapped_column(sa.Text, default="")
    #: why the computation failed (for the operator's log and the page)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    #: how long the computation took, in milliseconds (the next run's progress estimate)
    duration_ms: Mapped[int] = mapped_column(default=0)
    #: when it was stored
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StagedBundle(db.Model):
    """A bundle checked by a dry run and kept until its importer confirms it (or a day
    passes), in the database so that any app host can take the confirmation."""

    __tablename__ = "staged_bundle"
    __table_args__ = (sa.UniqueConstraint("slug", "user_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the region's slug (the region may not exist yet: an import creates it)
    slug: Mapped[str] = mapped_column(sa.String(64))
    #: the account that uploaded it
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    #: SHA-256 of ``body``, hex
    digest: Mapped[str] = mapped_column(sa.String(64))
    #: the uploaded file as it came, after a one-line header (file name, "nur ergänzen", the
    #: data version of its preview): ``collab.bundles.staging.Upload.pack``
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    #: when it was checked
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


# --- solutions: what the members built and re-use (issue 18) ---------------------------------

#: the initiatives that built a solution
solution_initiative = sa.Table(
    "solution_initiative", db.metadata,
    sa.Column("solution_id", sa.ForeignKey("solution.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("initiative_id", sa.ForeignKey("initiative.id", ondelete="CASCADE"),
              primary_key=True),
)


@keep_sort_name
class Solution(db.Model):
    """A solution the network's members built or run (software, service, data platform,
    concept, procurement template), and who uses it."""

    __table_args__ = (sa.UniqueConstraint("region_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the region whose catalogue lists it
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    #: stable identifier within the region (own namespace)
    key: Mapped[str] = mapped_column(sa.String(64))
    #: name of the solution
    name: Mapped[str] = mapped_column(sa.String(200))
    #: the name's German sort key (collab.core.collation), kept by keep_sort_name
    sort_name: Mapped[str] = mapped_column(SortName, default=sort_name_default)
    #: Handlungsfeld (see vocab.TOPICS)
    topic: Mapped[str] = mapped_column(sa.String(30))
    #: software, service, data_platform, concept, procurement_template
    kind: Mapped[str] = mapped_column(sa.String(30), default="software")
    #: the actor that owns it (none when unknown or shared)
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("actor.id", ondelete="SET NULL"), index=True)
    #: published under an open-source licence
    open_source: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: the licence's name ("" when unknown)
    licence: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    #: idea, pilot, production, established
    maturity: Mapped[str] = mapped_column(sa.String(20), default="pilot")
    #: profiles in the public catalogues: smart_city_dialog, efa, opencode, other -> URL
    links: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: free text
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: where it comes from: a URL or a document reference ("" when none)
    source: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    region: Mapped[Region] = relationship()
    owner: Mapped[Actor | None] = relationship()
    initiatives: Mapped[list[Initiative]] = relationship(
        secondary=solution_initiative, order_by="Initiative.key")
    uses: Mapped[list[SolutionUse]] = relationship(
        back_populates="solution", cascade="all, delete-orphan", order_by="SolutionUse.id")

    def __repr__(self) -> str:
        return f"<Solution {self.key}>"


class SolutionUse(db.Model):
    """A municipality's relation to a solution: uses it, re-used it from another, wants it."""

    __table_args__ = (sa.UniqueConstraint("solution_id", "municipality_id", "relation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the solution
    solution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), index=True)
    #: the municipality
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="CASCADE"), index=True)
    #: uses, reused_from, wants (see vocab.SOLUTION_RELATIONS)
    relation: Mapped[str] = mapped_column(sa.String(20), default="uses")
    #: for reused_from: the municipality it was taken over from (none when outside)
    from_municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="SET NULL"))
    #: since when, if known
    since: Mapped[dt.date | None]
    #: documented, self_reported, confirmed or assumed (see vocab.PROVENANCES)
    provenance: Mapped[str] = mapped_column(sa.String(20), default="documented",
                                            server_default="documented")
    #: where it comes from: a URL or a document reference ("" when none)
    source: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    solution: Mapped[Solution] = relationship(back_populates="uses")
    municipality: Mapped[Municipality] = relationship(foreign_keys=[municipality_id])
    from_municipality: Mapped[Municipality | None] = relationship(
        foreign_keys=[from_municipality_id])


class ReuseRequest(RequestDecision, db.Model):
    """A member asks to re-use a solution; the owner's municipality (the coordinator when
    the owner is regional or unknown) decides."""

    #: one pending request per solution and municipality (also under concurrent requests)
    __table_args__ = (sa.Index(
        "uq_reuse_request_pending", "solution_id", "municipality_id", unique=True,
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the solution asked for
    solution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("solution.id", ondelete="CASCADE"), index=True)
    #: the municipality that wants to re-use it
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="CASCADE"), index=True)
    #: what the member asks for or offers (plain text)
    message: Mapped[str] = mapped_column(sa.Text, default="")

    solution: Mapped[Solution] = relationship()
    municipality: Mapped[Municipality] = relationship()
# --- the relationship survey (Netzwerkbefragung) and self-service applications ----------------


class Survey(db.Model):
    """A round of the relationship survey: the coordinator opens it with a closing date, each
    member municipality answers once (and may correct its answer until it closes)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the region asked
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    #: when it was opened
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the last day answers are taken (as planned when it was opened)
    closes_at: Mapped[dt.date]
    #: when the coordinator ended it early (None: it runs, or ran, to ``closes_at``)
    ended_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: the coordinator account that opened it
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    region: Mapped[Region] = relationship()
    opened_by: Mapped[User | None] = relationship()
    responses: Mapped[list[SurveyResponse]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveyResponse.id")


class SurveyResponse(db.Model):
    """One member municipality's answer to a survey round (the last one it submitted)."""

    __tablename__ = "survey_response"
    __table_args__ = (sa.UniqueConstraint("survey_id", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the survey round
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id"), index=True)
    #: the answering municipality
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    #: when it was (last) submitted
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the account that submitted it
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: the answer as given: {"units": [...], "partners": [...], "confirm": [...], "reject": [...]}
    answer: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: what the answer changed: [{"action", "target", "summary"}, ...]
    changes: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: the keys of the actors its answers to the round created as new partners, over all its
    #: submissions (they stay when a later answer leaves them out, and count against the
    #: round's cap of new partners)
    created: Mapped[list] = mapped_column(sa.JSON, default=list)

    survey: Mapped[Survey] = relationship(back_populates="responses")
    municipality: Mapped[Municipality] = relationship()
    by: Mapped[User | None] = relationship()


class Application(RequestDecision, db.Model):
    """A municipality not yet on the platform applies to join a region (public page); the
    coordinator approves (creating municipality and member account) or declines."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the region it wants to join
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True)
    #: the municipality's official name
    name: Mapped[str] = mapped_column(sa.String(200))
    #: its Amtlicher Gemeindeschlüssel (8 digits)
    ags: Mapped[str] = mapped_column(sa.String(8))
    #: its Kreis ("" for a kreisfreie Stadt)
    district: Mapped[str] = mapped_column(sa.String(200), default="")
    #: the contact address of the applicant (shown to the coordinator only)
    email: Mapped[str] = mapped_column(sa.String(200))
    #: the document it joins with: council_decision or letter_of_intent
    joined_by: Mapped[str] = mapped_column(sa.String(30))
    #: the letter of intent or council decision, as text or reference
    reference: Mapped[str] = mapped_column(sa.Text)
    #: the municipality created on approval
    municipality_id: Mapped[int | None] = mapped_column(sa.ForeignKey("municipality.id"))
    #: the member account created on approval
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    region: Mapped[Region] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    account: Mapped[User | None] = relationship(foreign_keys=[account_id])


class PasswordToken(db.Model):
    """A one-time link to set an account's password (7 days); only its SHA-256 is stored."""

    __tablename__ = "password_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the account whose password it sets
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    #: SHA-256 of the token, hex
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: when it was made
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: when it stops working
    expires_at: Mapped[dt.datetime]
    #: set when used; a used token works no more
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    @classmethod
    def issue(cls, user: User, days: int = 7) -> tuple[PasswordToken, str]:
        """A new token row and the plain token (shown once, never stored)."""
        plain = secrets.token_urlsafe(32)
        return cls(user=user, token_hash=ApiToken.hash(plain),
                   expires_at=utcnow() + dt.timedelta(days=days)), plain
# --- notifications ------------------------------------------------------------------------------


class Notification(db.Model):
    """Something an account is told: in its in-app list, and by mail as it chose."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the account told
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)
    #: what it is about (see collab.notifications.services.KINDS)
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: one line, in the account's language
    subject: Mapped[str] = mapped_column(sa.String(300))
    #: the message (plain text, in the account's language)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    #: subject and body as msgids with their parameters (``{"subject": …, "body": …}``, see
    #: :func:`collab.notifications.services.text_of`): shown in the language the account
    #: reads in; None for texts that cannot be translated again (``subject``/``body`` then)
    message: Mapped[dict | None] = mapped_column(sa.JSON)
    #: the page it is about (a path on this site)
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    #: when it was made
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    #: when the account read it (none: unread)
    read_at: Mapped[dt.datetime | None]
    #: mail: immediately (queued at once), daily (waits for the digest), digested, off
    mail: Mapped[str] = mapped_column(sa.String(20), default="off")

    user: Mapped[User] = relationship()


#: how many of the account's notifications are unread (the header's badge on every page):
#: loaded with the signed-in account in one query (``undefer``), else when first asked
User.unread_notifications = sa.orm.column_property(
    sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == User.id, Notification.read_at.is_(None))
    .correlate_except(Notification).scalar_subquery(), deferred=True)


class OutboxMail(db.Model):
    """A mail to send; the background workers send it (or, without a mail server, write
    it to the log), with retries. Kept as the outbox the admin can read."""

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the account it goes to (none once the account is gone)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"),
                                                index=True)
    #: the address
    to_addr: Mapped[str] = mapped_column(sa.String(254))
    #: the notification kind, or invitation, password_reset, digest
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: subject line
    subject: Mapped[str] = mapped_column(sa.String(300))
    #: plain-text body
    text_body: Mapped[str] = mapped_column(sa.Text)
    #: simple HTML body
    html_body: Mapped[str] = mapped_column(sa.Text)
    #: pending, sending, sent, logged (no mail server configured), failed (gave up)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    #: attempts made so far
    attempts: Mapped[int] = mapped_column(default=0)
    #: not to be tried before this time (retries back off)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the last error, for the admin
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    #: when it was queued
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    #: when it was sent (or logged)
    sent_at: Mapped[dt.datetime | None]
