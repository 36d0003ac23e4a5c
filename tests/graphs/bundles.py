"""Small hand-built bundles with known answers for the graphs tests."""

from __future__ import annotations

import copy
import itertools

_AGS = itertools.count(1)


def muni(key, *, tier="member", kind="gemeinde", population=10_000, district="Kreis Test"):
    """A municipality record (valid AGS in NW, coordinates inside Germany)."""
    return {"key": key, "name": key.replace("-", " ").title(), "kind": kind,
            "ags": f"05966{next(_AGS) % 1000:03d}", "district": district, "state": "NW",
            "population": population, "area_km2": 50.0, "lat": 51.0, "lon": 7.9, "tier": tier}


def actor(key, municipality, level="coordinating", type_="staff_unit", *, fte=None, topics=(),
          name=None, sector="public"):
    return {"key": key, "name": name or key, "type": type_, "level": level, "sector": sector,
            "municipality": municipality, "topics": list(topics), "capacity_fte": fte}


def tie(source, target, kind="cooperation", weight=4):
    return {"source": source, "target": target, "kind": kind, "weight": weight}


def initiative(key, topic, status, *participants):
    return {"key": key, "name": f"Initiative {key}", "topic": topic, "status": status,
            "participants": [{"actor": a, "role": r} for a, r in participants]}


def bundle(municipalities=(), actors=(), initiatives=(), ties=(), slug="test", rules=(),
           formats=()):
    return {"format": "kommunalnetz-bundle", "version": 1,
            "region": {"slug": slug, "name": "Testnetz"},
            "municipalities": list(municipalities), "actors": list(actors),
            "initiatives": list(initiatives), "ties": list(ties), "rules": list(rules),
            "formats": list(formats)}


def rule(key, kind="general", status="adopted", voters=(), *, decided_at=None, **fields):
    """A rule with a yes vote of each of ``voters``."""
    return {"key": key, "title": f"Regel {key}", "text": "…", "status": status, "kind": kind,
            "decided_at": decided_at, "ballot": None,
            "votes": [{"municipality": m, "vote": "yes", "reason": "", "reference": "",
                       "recorded": False} for m in voters], **fields}


def fmt(key, convenor, participants, cadence="monthly", topic=None, kind="jour_fixe",
        **fields):
    """A format record."""
    return {"key": key, "name": f"Format {key}", "kind": kind, "cadence": cadence,
            "convenor": convenor, "participants": list(participants), "topic": topic,
            "since": None, "until": None, "description": "", **fields}


def partners(municipality):
    """A civil-society, a business and a science partner acting in ``municipality``."""
    return [actor(f"{municipality}-verein", municipality, "operational", "association",
                  sector="civil_society", name=f"Verein {municipality}"),
            actor(f"{municipality}-firma", municipality, "operational", "business",
                  sector="business", name=f"Firma {municipality}"),
            actor(f"{municipality}-hochschule", municipality, "operational", "research",
                  sector="science", name=f"Hochschule {municipality}")]


def settle(b, taktgeber, partner_home, partner=None):
    """Give bundle ``b`` what every working network has beyond its structure: a Taktgeber
    designated by an adopted rule every voting member voted for, and partners of all three
    sectors (acting in ``partner_home``) supporting a running joint initiative (when ``b``
    has none running, a new one on participation led by ``partner``, an actor of another
    municipality)."""
    voters = [m["key"] for m in b["municipalities"] if m.get("tier") in ("pioneer", "member")]
    b["rules"] = [*b.get("rules", []), rule(f"taktgeber-{taktgeber}", "taktgeber",
                                            voters=voters, actor=taktgeber)]
    b["actors"] += partners(partner_home)
    running = next((i for i in b["initiatives"] if i["status"] == "running"), None)
    if running is None:
        running = initiative("netz", "participation", "running", (partner, "lead"))
        b["initiatives"].append(running)
    running["participants"] += [{"actor": f"{partner_home}-{p}", "role": "supporter"}
                                for p in ("verein", "firma", "hochschule")
                                if f"{partner_home}-{p}" not in
                                {x["actor"] for x in running["participants"]}]
    return b


def full_member(key, **kwargs):
    """A member municipality with all three levels: council, digital unit (2 FTE), office."""
    return (muni(key, **kwargs), [
        actor(f"{key}-rat", key, "strategic", "council", name=f"Rat {key}"),
        actor(f"{key}-digital", key, "coordinating", "staff_unit", fte=2.0,
              name=f"Stabsstelle {key}"),
        actor(f"{key}-amt", key, "operational", "department", fte=1.0, name=f"Fachamt {key}"),
    ], [tie(f"{key}-rat", f"{key}-digital", "mandate", 5),
        tie(f"{key}-digital", f"{key}-amt", "cooperation", 4)])


def clean_network() -> dict:
    """Four complete members with two independent strong cliques and shared initiatives.

    No coordination gap of any kind: every member has all three levels, everything is
    connected twice, every initiative has a lead and two municipalities, experience can
    travel over strong ties, nobody is overloaded; an adopted rule all four voted for
    designates aa's Stabsstelle as Taktgeber, and aa's association, business and university
    support the running initiative.
    """
    munis, actors, ties = [], [], []
    keys = ["aa", "bb", "cc", "dd"]
    for i, key in enumerate(keys):
        m, a, t = full_member(key, kind="kreisfreie_stadt" if i == 0 else "gemeinde",
                              population=100_000 if i == 0 else 10_000, tier="pioneer")
        munis.append(m)
        actors += a
        ties += t
    for x in range(len(keys)):
        for y in range(x + 1, len(keys)):
            ties.append(tie(f"{keys[x]}-digital", f"{keys[y]}-digital", "cooperation", 4))
            ties.append(tie(f"{keys[x]}-amt", f"{keys[y]}-amt", "cooperation", 3))
    initiatives = [
        initiative("mob", "mobility", "running", ("aa-digital", "lead"), ("bb-amt", "partner")),
        initiative("dat", "data_platform", "completed", ("cc-digital", "lead"),
                   ("dd-amt", "partner")),
    ]
    return settle(bundle(munis, actors, initiatives, ties), "aa-digital", "aa")


def vote_all(b):
    """Let every voting member vote yes on every rule it has not voted on (members added to
    a settled network)."""
    voters = [m["key"] for m in b["municipalities"] if m.get("tier") in ("pioneer", "member")]
    for r in b["rules"]:
        done = {v["municipality"] for v in r["votes"]}
        r["votes"] += rule("x", voters=[m for m in voters if m not in done])["votes"]
    return b


def copy_of(b: dict) -> dict:
    return copy.deepcopy(b)
