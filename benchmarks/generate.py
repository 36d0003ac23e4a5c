"""Generate synthetic network bundles with realistic structure for benchmarks."""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

__all__ = ["SCALES", "generate"]

#: Scale name -> number of municipality records (Landkreise and kreisfreie Städte included).
SCALES = {"region": 50, "state": 2000, "national": 10800}

#: Land code -> (AGS Land code, approximate centre lat, lon, share of Germany's municipalities).
STATES = {
    "SH": ("01", 54.2, 9.7, 1106), "HH": ("02", 53.55, 10.0, 1), "NI": ("03", 52.8, 9.2, 941),
    "HB": ("04", 53.08, 8.8, 2), "NW": ("05", 51.45, 7.6, 396), "HE": ("06", 50.6, 9.0, 421),
    "RP": ("07", 49.9, 7.4, 2301), "BW": ("08", 48.6, 9.0, 1101), "BY": ("09", 48.9, 11.4, 2056),
    "SL": ("10", 49.4, 6.95, 52), "BE": ("11", 52.52, 13.4, 1), "BB": ("12", 52.4, 13.2, 413),
    "MV": ("13", 53.8, 12.5, 726), "SN": ("14", 51.0, 13.3, 418), "ST": ("15", 51.9, 11.7, 218),
    "TH": ("16", 50.9, 11.0, 631),
}
LAT_RANGE, LON_RANGE = (47.3, 55.0), (5.9, 15.0)
STEMS = ["Linden", "Eichen", "Buchen", "Birken", "Tannen", "Rosen", "Hirsch", "Wolfs", "Fuchs",
         "Adler", "Wasser", "Stein", "Sand", "Mühl", "Kirch", "Burg", "Hohen", "Schön", "Grün",
         "Wald", "Feld", "Wiesen", "Heide", "Marien", "Friedrichs", "Karls", "Ludwigs", "Sonnen",
         "Erlen", "Hasel", "Ahorn", "Brunnen", "Otten", "Ebers", "Hammer", "Eschen"]
SUFFIXES = ["berg", "bach", "feld", "hausen", "dorf", "stadt", "heim", "ingen", "au", "brück",
            "burg", "tal", "born", "hagen", "rode", "stedt", "kirchen", "furt", "hofen", "see"]
PREFIXES = ["", "", "", "", "Alt", "Neu", "Ober", "Nieder", "Groß", "Klein", "Bad "]
TOPICS = ["administration", "data_platform", "mobility", "energy_climate", "education",
          "health_care", "economy", "participation", "infrastructure_iot", "culture_tourism",
          "security", "urban_development"]
TOPIC_WEIGHTS = [14, 12, 11, 10, 8, 6, 7, 8, 9, 5, 3, 7]
STATUSES, STATUS_WEIGHTS = ["idea", "planned", "running", "completed"], [10, 20, 45, 25]


def _name(rng: random.Random) -> str:
    prefix = rng.choice(PREFIXES)
    stem = rng.choice(STEMS)
    return f"{prefix}{stem.lower() if prefix and not prefix.endswith(' ') else stem}" \
        f"{rng.choice(SUFFIXES)}"


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return round(min(max(value, bounds[0]), bounds[1]), 4)


def _state_sizes(scale: str, total: int) -> dict[str, int]:
    if scale == "region":
        return {"NW": total}
    if scale == "state":
        return {"BY": total}
    weight = sum(s[3] for s in STATES.values())
    sizes = {code: max(1, round(total * s[3] / weight)) for code, s in STATES.items()}
    largest = max(sizes, key=sizes.get)
    sizes[largest] += total - sum(sizes.values())
    return sizes


class _Builder:
    """Accumulates the bundle's records; one instance per generated bundle."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.municipalities: list[dict] = []
        self.actors: list[dict] = []
        self.initiatives: list[dict] = []
        self.ties: dict[tuple[str, str, str], dict] = {}
        self.kreise: list[dict] = []  # {"body": key, "council": key, "members": [...]}

    def actor(self, key, name, type_, level, municipality, sector="public", fte=None, topics=()):
        self.actors.append({
            "key": key, "name": name, "type": type_, "level": level, "sector": sector,
            "municipality": municipality, "topics": sorted(set(topics)), "capacity_fte": fte,
        })
        return key

    def tie(self, source, target, kind, weight):
        if source is None or target is None or source == target:
            return
        pair = (source, target, kind) if kind != "cooperation" else (
            *sorted((source, target)), kind)
        if pair not in self.ties:
            self.ties[pair] = {"source": source, "target": target, "kind": kind,
                               "weight": int(weight)}

    def topics(self, k_max: int) -> list[str]:
        return self.rng.choices(TOPICS, TOPIC_WEIGHTS, k=self.rng.randint(0, k_max))


def _municipality_actors(b: _Builder, m: dict) -> dict:
    """Create 1-4 actors for municipality ``m`` on the three levels and their internal ties."""
    rng, key, kind, name = b.rng, m["key"], m["kind"], m["name"]
    big = kind == "kreisfreie_stadt"
    city = kind in ("kreisfreie_stadt", "kreisangehoerige_stadt")
    roles: dict[str, str | None] = {"strategic": None, "coordinating": None, "operational": None}
    if rng.random() < (0.98 if city else 0.85):
        type_ = "council" if rng.random() < 0.85 else "administration_head"
        label = "Rat der Stadt" if city else "Gemeinderat"
        label = label if type_ == "council" else "Verwaltungsspitze"
        roles["strategic"] = b.actor(f"{key}-rat", f"{label} {name}", type_, "strategic", key)
    if rng.random() < (0.97 if big else 0.75 if city else 0.42):
        type_ = rng.choice(["cdo", "staff_unit", "smart_city_office", "digital_office"] if city
                           else ["cdo", "staff_unit", "project_matrix"])
        labels = {"cdo": "Digitalisierungsbeauftragte", "staff_unit": "Stabsstelle Digitales",
                  "smart_city_office": "Smart-City-Büro",
                  "digital_office": "Amt für Digitalisierung",
                  "project_matrix": "Projektstruktur Digitales"}
        fte = round(rng.uniform(2, 12) if big else rng.uniform(0.5, 4) if city
                    else rng.uniform(0.1, 1.0), 1)
        roles["coordinating"] = b.actor(f"{key}-digital", f"{labels[type_]} {name}", type_,
                                        "coordinating", key, fte=fte, topics=b.topics(3))
    if rng.random() < (0.9 if city else 0.72) or not any(roles.values()):
        type_ = rng.choice(["department", "project_group", "digital_pilot", "municipal_company"])
        labels = {"department": "Fachamt IT", "project_group": "Projektgruppe Digitales",
                  "digital_pilot": "Digitallotsen", "municipal_company": "Stadtwerke"}
        roles["operational"] = b.actor(
            f"{key}-umsetzung", f"{labels[type_]} {name}", type_, "operational", key,
            fte=round(rng.uniform(0, 3), 1) if rng.random() < 0.7 else None,
            sector="public", topics=b.topics(2))
    if big and rng.random() < 0.6:
        b.actor(f"{key}-steuerkreis", f"Steuerkreis Smart City {name}", "steering_group",
                "strategic", key)
        b.tie(f"{key}-steuerkreis", roles["coordinating"], "mandate", 5)
    if roles["strategic"] and rng.random() < (0.4 if city else 0.12):
        extra = b.actor(f"{key}-ausschuss", f"Ausschuss Digitales {name}", "committee",
                        "strategic", key)
        b.tie(roles["strategic"], extra, "cooperation", 4)
    if rng.random() < 0.12:
        extra = b.actor(f"{key}-lotsen", f"Digitallotsen {name}", "digital_pilot",
                        "operational", key, sector="civil_society", topics=b.topics(1))
        b.tie(extra, roles["coordinating"] or roles["operational"] or roles["strategic"],
              "cooperation", rng.randint(2, 4))
    s, c, o = roles["strategic"], roles["coordinating"], roles["operational"]
    if s and c:
        b.tie(s, c, "mandate", rng.randint(4, 5))
        if rng.random() < 0.5:
            b.tie(c, s, "reporting", 3)
    if c and o:
        b.tie(c, o, "cooperation", rng.randint(3, 5))
    if s and o and not c:
        b.tie(s, o, "mandate", 3)
    roles["gateway"] = c or o or s
    return roles


def generate(scale: str = "region", seed: int = 0) -> dict:
    """Return a synthetic bundle (format ``kommunalnetz-bundle`` version 1) at ``scale``.

    Kreise group their municipalities (a Landkreis record, tier supporter, with a Kreistag and
    a coordinating body), each municipality has 1-4 actors on the three levels, initiatives
    are mostly carried inside one Kreis, and regional partners and a state agency tie the
    Kreise together. The same ``scale`` and ``seed`` give the same bundle.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    rng = random.Random(f"{scale}-{seed}")
    b = _Builder(rng)
    total = SCALES[scale]
    kreis_size = 16 if scale == "region" else 27
    for state, count in sorted(_state_sizes(scale, total).items()):
        _generate_state(b, state, count, kreis_size)
    _generate_initiatives(b, total)
    bundle = {
        "format": "kommunalnetz-bundle", "version": 1,
        "region": {"slug": f"synth-{scale}-{seed}",
                   "name": f"Synthetisches Netzwerk ({scale}, seed {seed})",
                   "description": "Synthetische Daten für Lasttests; keine realen Angaben.",
                   "decision_rule": "consensus"},
        "municipalities": b.municipalities, "actors": b.actors,
        "initiatives": b.initiatives, "ties": list(b.ties.values()), "rules": [],
    }
    _round_two(b, bundle, random.Random(f"{scale}-{seed}-round-2"))
    return bundle


def _round_two(b: _Builder, bundle: dict, rng: random.Random) -> None:
    """Add the fields of the second analysis round with their own random stream, so the
    network itself stays the one of earlier benchmarks: formats (a Kreis body's jour fixe
    with its municipalities' gateways, some one-off trainings), assumed actors (a quarter of
    the member municipalities are modelled, not documented), an adopted criteria rule voted
    by some members, and the end of the funding."""
    formats = []
    for kreis in b.kreise:
        gateways = [roles["gateway"] for _m, roles in kreis["members"]]
        if rng.random() < 0.6:
            formats.append({"key": f"{kreis['body']}-jf", "name": "Jour fixe Digitales",
                            "kind": "jour_fixe",
                            "cadence": rng.choice(["monthly", "monthly", "quarterly"]),
                            "convenor": kreis["body"], "participants": gateways,
                            "topic": None, "since": "2023-01-01", "until": None,
                            "description": ""})
        if rng.random() < 0.3:
            formats.append({"key": f"{kreis['body']}-schulung", "name": "Schulung",
                            "kind": "training", "cadence": "once",
                            "convenor": kreis["body"],
                            "participants": rng.sample(gateways, min(len(gateways), 8)),
                            "topic": rng.choice(TOPICS), "since": "2024-03-01",
                            "until": "2024-03-01", "description": ""})
    bundle["formats"] = formats
    modelled = {m["key"] for m in bundle["municipalities"]
                if m["tier"] == "member" and rng.random() < 0.25}
    for a in bundle["actors"]:
        if a["municipality"] in modelled:
            a["provenance"] = "assumed"
    voters = [m["key"] for m in bundle["municipalities"] if m["tier"] in ("pioneer", "member")]
    bundle["rules"] = [{
        "key": "kriterien", "title": "Kriterien für den Taktgeber", "text": "…",
        "status": "adopted", "kind": "criteria", "decided_at": "2024-06-01T12:00:00",
        "ballot": None,
        "weights": {"brokerage": 0.25, "mandate": 0.2, "capacity": 0.15, "takt": 0.15,
                    "loss": 0.1, "coverage": 0.1, "level": 0.05},
        "votes": [{"municipality": m, "vote": "yes", "reason": "", "reference": "",
                   "recorded": False} for m in voters if rng.random() < 0.6]}]
    bundle["region"]["funded_until"] = "2026-12-31"


def _generate_state(b: _Builder, state: str, count: int, kreis_size: int) -> None:
    rng = b.rng
    land, lat0, lon0, _share = STATES[state]
    spread = 0.15 if count < 5 else 1.0
    agency = None
    if count > 3:
        agency = b.actor(f"digitalagentur-{state.lower()}", f"Digitalagentur {state}", "agency",
                         "coordinating", None, fte=round(rng.uniform(5, 20), 1),
                         topics=b.topics(4))
        b.actor(f"lenkungskreis-{state.lower()}", f"Lenkungskreis Digitale Region {state}",
                "steering_group", "strategic", None)
        b.tie(f"lenkungskreis-{state.lower()}", agency, "mandate", 5)
    n_free = max(1 if count <= 3 else 2, round(count * 0.012))
    n_free = min(n_free, count)
    remaining = count - n_free
    n_kreise = max(0, round(remaining / kreis_size)) if remaining >= 3 else 0
    if n_kreise == 0:
        n_free, remaining = count, 0
    kreis_no = 0
    for _i in range(n_free):  # kreisfreie Städte, each its own Kreis code
        kreis_no += 1
        _kreisfrei(b, state, land, kreis_no, lat0, lon0, spread, agency)
    sizes = [remaining // n_kreise + (1 if i < remaining % n_kreise else 0)
             for i in range(n_kreise)]
    for size in sizes:
        kreis_no += 1
        _kreis(b, state, land, kreis_no, size, lat0, lon0, spread, agency)


def _ags(land: str, kreis_no: int, gemeinde: int) -> str:
    bezirk, kreis = divmod(kreis_no - 1, 90)
    return f"{land}{bezirk + 1}{kreis + 10:02d}{gemeinde:03d}"


def _coords(rng, lat, lon, spread):
    return (_clamp(rng.gauss(lat, 0.6 * spread), LAT_RANGE),
            _clamp(rng.gauss(lon, 0.9 * spread), LON_RANGE))


def _record(b, key, name, kind, ags, district, state, population, lat, lon, tier):
    rng = b.rng
    year = rng.randint(2018, 2024)
    b.municipalities.append({
        "key": key, "name": name, "kind": kind, "ags": ags, "district": district,
        "state": state, "population": population,
        "area_km2": round(rng.uniform(8, 250) if kind != "landkreis" else rng.uniform(400, 2000),
                          2),
        "lat": lat, "lon": lon, "tier": tier,
        "since": f"{year}-{rng.randint(1, 12):02d}-01",
    })
    return b.municipalities[-1]


def _kreisfrei(b, state, land, kreis_no, lat0, lon0, spread, agency):
    rng = b.rng
    ags = _ags(land, kreis_no, 0)
    lat, lon = _coords(rng, lat0, lon0, spread)
    m = _record(b, f"m{ags}", _name(rng), "kreisfreie_stadt", ags, "", state,
                int(rng.lognormvariate(12.0, 0.6)) + 100_000, lat, lon,
                "pioneer" if rng.random() < 0.5 else "member")
    roles = _municipality_actors(b, m)
    if agency:
        b.tie(roles["gateway"], agency, "cooperation", rng.randint(2, 5))
    b.kreise.append({"body": roles["gateway"], "council": roles["strategic"],
                     "members": [(m, roles)], "lat": lat, "lon": lon})


def _kreis(b, state, land, kreis_no, size, lat0, lon0, spread, agency):
    rng = b.rng
    klat, klon = _coords(rng, lat0, lon0, spread)
    town = _name(rng)
    district = f"Landkreis {town}" if rng.random() < 0.6 else f"Kreis {town}"
    members = []
    for g in range(1, size):
        ags = _ags(land, kreis_no, g)
        kind = rng.choices(["kreisangehoerige_stadt", "gemeinde", "verbandsgemeinde"],
                           [22, 72, 6 if state == "RP" else 0])[0]
        population = int(rng.lognormvariate(10.0, 0.6)) + 8000 if kind != "gemeinde" else \
            int(rng.lognormvariate(8.0, 0.9)) + 200
        tier = rng.choices(["pioneer", "member", "supporter"],
                           [20, 60, 20] if kind != "gemeinde" else [5, 60, 35])[0]
        lat = _clamp(rng.gauss(klat, 0.12), LAT_RANGE)
        lon = _clamp(rng.gauss(klon, 0.18), LON_RANGE)
        name = town if g == 1 else _name(rng)
        m = _record(b, f"m{ags}", name, kind, ags, district, state, population, lat, lon, tier)
        members.append((m, _municipality_actors(b, m)))
    kags = _ags(land, kreis_no, 0)
    kreis = _record(b, f"m{kags}", district, "landkreis", kags, district, state,
                    sum(m["population"] for m, _ in members), klat, klon, "supporter")
    kkey = kreis["key"]
    council = b.actor(f"{kkey}-kreistag", f"Kreistag {district}", "council", "strategic", kkey)
    body_type = "agency" if rng.random() < 0.3 else "staff_unit"
    body_name = "Digitalagentur" if body_type == "agency" else "Stabsstelle Digitalisierung"
    body = b.actor(f"{kkey}-digital", f"{body_name} {district}", body_type, "coordinating", kkey,
                   fte=round(rng.uniform(1, 10), 1), topics=b.topics(4))
    b.tie(council, body, "mandate", 5)
    if rng.random() < 0.4:
        b.actor(f"{kkey}-it", f"Kreisverwaltung IT {district}", "department", "operational",
                kkey, fte=round(rng.uniform(1, 6), 1), topics=b.topics(2))
        b.tie(body, f"{kkey}-it", "cooperation", 4)
    if agency and rng.random() < 0.8:
        b.tie(body, agency, "cooperation", rng.randint(2, 4))
        if rng.random() < 0.3:
            b.tie(agency, body, "funding", 3)
    gateways = [roles["gateway"] for _, roles in members]
    for (m, roles) in members:
        if rng.random() < 0.85:
            b.tie(roles["gateway"], body, "cooperation", rng.randint(2, 5))
        for _ in range(rng.choice([0, 0, 1, 1, 1])):
            b.tie(roles["gateway"], rng.choice(gateways), "cooperation", rng.randint(1, 5))
        if m["kind"] != "gemeinde" and rng.random() < 0.25:
            b.tie(roles["gateway"], rng.choice(gateways), "knowledge_transfer",
                  rng.randint(3, 5))
    if rng.random() < 0.5:  # a regional partner outside the administration
        kind, sector, label = rng.choice([
            ("association", "civil_society", "Digitalverein"), ("business", "business",
                                                                "Netzbetreiber"),
            ("research", "science", "Hochschule"), ("topic_sponsor", "civil_society",
                                                    "Themenpat:innen")])
        partner = b.actor(f"{kkey}-partner", f"{label} {district}", kind, "operational", None,
                          sector=sector, topics=b.topics(2))
        for gw in rng.sample(gateways, min(len(gateways), rng.randint(1, 3))):
            b.tie(partner, gw, rng.choice(["cooperation", "advice"]), rng.randint(2, 4))
    b.kreise.append({"body": body, "council": council, "members": members,
                     "lat": klat, "lon": klon})


def _generate_initiatives(b: _Builder, total: int) -> None:
    rng = b.rng
    kreise = [k for k in b.kreise if k["members"]]
    weights = [len(k["members"]) for k in kreise]
    topic_keys = {}
    for n in range(1, int(total * 0.48) + 1):
        kreis = rng.choices(kreise, weights)[0]
        members = kreis["members"]
        chosen = rng.sample(members, min(len(members), rng.choice([1, 2, 2, 3, 3, 4])))
        actors = []
        for _m, roles in chosen:
            options = [roles[level] for level in ("coordinating", "operational") if roles[level]]
            actors.append(rng.choice(options or [roles["gateway"]]))
        if len(kreise) > 1 and rng.random() < 0.1:  # a partner from another Kreis
            other = rng.choice(kreise)
            actors.append(rng.choice(other["members"])[1]["gateway"])
        if rng.random() < 0.5:
            actors.append(kreis["body"])
        actors = list(dict.fromkeys(actors))
        rng.shuffle(actors)
        topic = rng.choices(TOPICS, TOPIC_WEIGHTS)[0]
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        participants = []
        for i, actor in enumerate(actors):
            role = ("lead" if rng.random() < 0.93 else "partner") if i == 0 else \
                rng.choices(["partner", "supporter", "observer"], [60, 25, 15])[0]
            participants.append({"actor": actor, "role": role})
        year = rng.randint(2019, 2025)
        topic_keys[topic] = topic_keys.get(topic, 0) + 1
        b.initiatives.append({
            "key": f"i{n:05d}", "name": f"{topic.replace('_', ' ').title()} {n}",
            "topic": topic, "status": status,
            "start": f"{year}-{rng.randint(1, 12):02d}-01",
            "end": f"{year + 2}-12-31" if status == "completed" else None,
            "participants": participants,
        })


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="region")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", type=Path, help="file to write (stdout without)")
    args = parser.parse_args(argv)
    bundle = generate(args.scale, args.seed)
    text = json.dumps(bundle, ensure_ascii=False, indent=None, separators=(",", ":"))
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"{args.output}: {len(bundle['municipalities'])} municipalities, "
              f"{len(bundle['actors'])} actors, {len(bundle['initiatives'])} initiatives, "
              f"{len(bundle['ties'])} ties", file=sys.stderr)
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
