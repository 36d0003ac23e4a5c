"""The domain's enumerations, each value with its German label (translatable)."""

from flask_babel import gettext, pgettext
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_babel.speaklater import LazyString

MUNICIPALITY_KINDS = {
    "kreisfreie_stadt": _l("Kreisfreie Stadt"),
    "kreisangehoerige_stadt": _l("Kreisangehörige Stadt"),
    "gemeinde": _l("Gemeinde"),
    "verbandsgemeinde": _l("Verbandsgemeinde"),
    "landkreis": _l("Landkreis"),
}

TIERS = {
    "pioneer": _l("Pionierkommune"),
    "member": _l("Mitmacherkommune"),
    "supporter": _l("Unterstützer"),
}

LEVELS = {
    "strategic": _l("politisch-strategisch"),
    "coordinating": _l("koordinierend"),
    "operational": _l("Umsetzung"),
}

SECTORS = {
    "public": _l("Öffentliche Hand"),
    "civil_society": _l("Zivilgesellschaft"),
    "business": _l("Wirtschaft"),
    "science": _l("Wissenschaft"),
}

ACTOR_TYPES = {
    "council": _l("Rat"),
    "committee": _l("Ausschuss"),
    "steering_group": _l("Steuerkreis"),
    "administration_head": _l("Verwaltungsspitze"),
    "cdo": _l("Digitalisierungsbeauftragte/CDO"),
    "staff_unit": _l("Stabsstelle"),
    "smart_city_office": _l("Smart-City-Büro"),
    "digital_office": _l("Amt für Digitalisierung"),
    "project_matrix": _l("Projekt-Matrix-Struktur"),
    "project_group": _l("Projektgruppe"),
    "department": _l("Fachamt"),
    "digital_pilot": _l("Digitallotsen"),
    "agency": _l("Agentur"),
    "municipal_company": _l("Kommunales Unternehmen"),
    "advisory_board": _l("Beirat"),
    "topic_sponsor": _l("Themenpat:in"),
    "association": _l("Verein/Verband"),
    "business": _l("Unternehmen"),
    "research": _l("Wissenschaft/Forschung"),
    "other": _l("Sonstige"),
}

TOPICS = {
    "administration": _l("Verwaltung"),
    "data_platform": _l("Datenplattform"),
    "mobility": _l("Mobilität"),
    "energy_climate": _l("Energie und Klima"),
    "education": _l("Bildung"),
    "health_care": _l("Gesundheit und Pflege"),
    "economy": _l("Wirtschaft"),
    "participation": _l("Beteiligung"),
    "infrastructure_iot": _l("Infrastruktur und IoT"),
    "culture_tourism": _l("Kultur und Tourismus"),
    "security": _l("Sicherheit"),
    "urban_development": _l("Stadt- und Ortsentwicklung"),
}

INITIATIVE_STATUSES = {
    "idea": _l("Idee"),
    "planned": _l("geplant"),
    "running": _l("laufend"),
    "completed": _l("abgeschlossen"),
}

PARTICIPATION_ROLES = {
    "lead": _l("Federführung"),
    "partner": _l("Partner"),
    "supporter": _l("Unterstützer"),
    "observer": _l("Beobachter"),
}

TIE_KINDS = {
    "cooperation": _l("Kooperation"),
    "mandate": _l("Auftrag/Mandat"),
    "reporting": _l("Berichtslinie"),
    "advice": _l("Beratung"),
    "funding": _l("Förderung"),
    "knowledge_transfer": _l("Wissenstransfer"),
}

#: Tie kinds whose direction matters (source acts on target).
DIRECTED_TIE_KINDS = frozenset({"mandate", "reporting", "advice", "funding", "knowledge_transfer"})

#: "angenommen" is a word of two meanings: here an assumption (English "assumed"), in
#: :data:`REQUEST_STATUSES` a request granted ("approved"); a message context tells them apart
PROVENANCES = {
    "documented": _l("dokumentiert"),
    "self_reported": _l("selbst gemeldet"),
    "confirmed": _l("bestätigt"),
    "assumed": _lp("provenance", "angenommen"),
}

JOINED_BY = {
    "council_decision": _l("Ratsbeschluss"),
    "letter_of_intent": _l("Absichtserklärung"),
}

INITIATIVE_SCOPES = {
    "joint": _l("gemeinsam"),
    "local": _l("lokal (eigenes Vorhaben einer Kommune)"),
}

FORMAT_KINDS = {
    "jour_fixe": _l("Jour fixe"),
    "steering_round": _l("Steuerungsrunde"),
    "working_group": _l("Arbeitsgruppe"),
    "conference": _l("Konferenz/Netzwerktreffen"),
    "training": _l("Schulung"),
    "other": _l("Sonstiges"),
}

CADENCES = {
    "weekly": _l("wöchentlich"),
    "biweekly": _l("alle zwei Wochen"),
    "monthly": _l("monatlich"),
    "quarterly": _l("vierteljährlich"),
    "yearly": _l("jährlich"),
    "once": _l("einmalig"),
}

#: the level an actor type usually sits on (types not named fit any level); a different
#: level is allowed but gets a warning in the form
TYPE_LEVELS = {
    "council": "strategic", "committee": "strategic", "steering_group": "strategic",
    "administration_head": "strategic",
    "cdo": "coordinating", "staff_unit": "coordinating", "smart_city_office": "coordinating",
    "digital_office": "coordinating",
    "project_group": "operational", "department": "operational",
    "digital_pilot": "operational", "municipal_company": "operational",
}

#: how often two partners work together (relationship survey); sets the tie's weight
FREQUENCIES = {
    "weekly": _l("wöchentlich"),
    "monthly": _l("monatlich"),
    "quarterly": _l("vierteljährlich"),
    "yearly": _l("jährlich"),
}
#: the tie weight a survey answer's frequency gives
FREQUENCY_WEIGHT = {"weekly": 5, "monthly": 4, "quarterly": 3, "yearly": 2}

RULE_KINDS = {
    "general": _l("Allgemeine Regel"),
    "taktgeber": _l("Benennung des Taktgebers"),
    "criteria": _l("Kriterien des Taktgebers (Gewichte)"),
    "continuation": _l("Fortführung nach der Förderung"),
}

#: The parts of the Taktgeber score a criteria rule weighs, with their German names.
TAKTGEBER_PARTS = {
    "brokerage": _l("Vermittlung zwischen Kommunen"),
    "reach": _l("Reichweite"),
    "coverage": _l("Abdeckung der Teilnetze"),
    "level": _l("Ebene"),
    "mandate": _l("Mandat"),
    "capacity": _l("Kapazität"),
    "loss": _l("Verlust bei Wegfall"),
    "takt": _l("Takt (regelmäßige Formate)"),
}

DECISION_RULES = {
    "consensus": _l("Konsens"),
    "majority": _l("einfache Mehrheit"),
    "two_thirds": _l("Zweidrittelmehrheit"),
}

USER_ROLES = {
    "admin": _l("Administration"),
    "coordinator": _l("Koordination"),
    "member": _l("Mitglied"),
    "viewer": _l("Lesezugriff"),
}

RULE_STATUSES = {
    "draft": _l("Entwurf"),
    "voting": _l("in Abstimmung"),
    "adopted": _l("beschlossen"),
    "rejected": _l("abgelehnt"),
}

REQUEST_STATUSES = {
    "pending": _l("offen"),
    "approved": _lp("request status", "angenommen"),
    "declined": _l("abgelehnt"),
}

#: severities of the analysis' gaps, most urgent first
GAP_SEVERITIES = {"high": _l("hoch"), "medium": _l("mittel"), "low": _l("niedrig")}

#: The kinds of coordination gap the analysis finds (graphs.GAP_KINDS), by their titles.
GAP_KINDS = {
    "missing_level": _l("Fehlende Ebene"),
    "isolated_member": _l("Nicht verbundenes Mitglied"),
    "single_municipality_initiative": _l("Initiative nur einer Kommune"),
    "initiative_without_lead": _l("Initiative ohne Federführung"),
    "articulation_point": _l("Stelle, an der das Netzwerk hängt"),
    "bridge": _l("Einzelne tragende Verbindung"),
    "weak_community_link": _l("Teilnetze nur einfach verknüpft"),
    "topic_gap": _l("Wissen erreicht Mitglieder nicht"),
    "overloaded_actor": _l("Überlastete Stelle"),
    "reuse_candidate": _l("Lösung des Nachbarn nachnutzbar"),
    "missing_data": _l("Angaben zu bestätigen"),
    "sector_gap": _l("Partner jenseits der Verwaltung fehlen"),
    "no_designated_taktgeber": _l("Kein Taktgeber benannt"),
    "unvoted_charter": _l("Spielregeln ohne Stimme der Mitglieder"),
    "funding_end": _l("Förderende ohne Anschlussregel"),
}

VOTE_CHOICES = {
    "yes": _l("Ja"),
    "no": _l("Nein"),
    "abstain": _l("Enthaltung"),
}

#: Federal states: code -> (AGS Land code, name).
STATES = {
    "SH": ("01", "Schleswig-Holstein"),
    "HH": ("02", "Hamburg"),
    "NI": ("03", "Niedersachsen"),
    "HB": ("04", "Bremen"),
    "NW": ("05", "Nordrhein-Westfalen"),
    "HE": ("06", "Hessen"),
    "RP": ("07", "Rheinland-Pfalz"),
    "BW": ("08", "Baden-Württemberg"),
    "BY": ("09", "Bayern"),
    "SL": ("10", "Saarland"),
    "BE": ("11", "Berlin"),
    "BB": ("12", "Brandenburg"),
    "MV": ("13", "Mecklenburg-Vorpommern"),
    "SN": ("14", "Sachsen"),
    "ST": ("15", "Sachsen-Anhalt"),
    "TH": ("16", "Thüringen"),
}

#: Bounding box of Germany (degrees), generous by a few kilometres.
LAT_RANGE = (47.2, 55.1)
LON_RANGE = (5.8, 15.1)


def label(vocabulary: dict, value) -> str:
    """The label of ``value`` in ``vocabulary``, or the value itself when unknown."""
    found = vocabulary.get(value)
    return str(found) if found is not None else ("" if value is None else str(value))


def label_in(translations, vocabulary: dict, value) -> str:
    """:func:`label` through ``translations`` (the request's, looked up once per page by
    the templates' ``label``): a vocabulary's lazy string translated without asking
    Flask-Babel for the request's locale again, which was most of a long table's time."""
    found = vocabulary.get(value)
    if found is None:
        return "" if value is None else str(value)
    if type(found) is LazyString and not found._kwargs:
        if found._func is gettext:
            return translations.ugettext(*found._args)
        if found._func is pgettext:
            return translations.upgettext(*found._args)
    return str(found)

#: roles a municipality may ask for when it joins an initiative (the lead is agreed, not asked)
JOIN_ROLES = {k: v for k, v in PARTICIPATION_ROLES.items() if k != "lead"}

SOLUTION_KINDS = {
    "software": _l("Software"),
    "service": _l("Dienstleistung"),
    "data_platform": _l("Datenplattform"),
    "concept": _l("Konzept"),
    "procurement_template": _l("Vergabevorlage"),
}

SOLUTION_MATURITIES = {
    "idea": _l("Idee"),
    "pilot": _l("Pilot"),
    "production": _l("im Betrieb"),
    "established": _l("etabliert"),
}

#: a mature solution (production or established) is one a neighbour can re-use
MATURE_SOLUTIONS = frozenset({"production", "established"})

SOLUTION_RELATIONS = {
    "uses": _l("setzt ein"),
    "reused_from": _l("hat nachgenutzt von"),
    "wants": _l("möchte nachnutzen"),
}

#: the public catalogues a solution's profile may be linked to
SOLUTION_LINKS = {
    "smart_city_dialog": _l("Smart City Dialog"),
    "efa": _l("EfA-Marktplatz"),
    "opencode": _l("Open CoDE"),
    "other": _l("Weitere"),
}
