"""The network's adopted rules (Spielregeln) as the analysis reads them."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["adopted", "decided_at", "latest_adopted", "voting_members"]


def decided_at(rule: dict) -> str:
    """When ``rule`` was decided: its ``decided_at``, else its ballot's, else ""."""
    return str(rule.get("decided_at") or (rule.get("ballot") or {}).get("decided_at") or "")


def adopted(rules: Iterable[dict], kind: str | None = None) -> list[dict]:
    """The adopted rules (of ``kind``; ``general`` when a rule names none), oldest first.

    Rules decided at the same time (or without a date) keep their order in the bundle.

    Examples
    --------
    >>> adopted([{"key": "b", "status": "adopted", "decided_at": "2024-02-01T00:00:00"},
    ...          {"key": "a", "status": "adopted", "decided_at": "2023-01-01T00:00:00"},
    ...          {"key": "c", "status": "voting"}])
    ... # doctest: +ELLIPSIS
    [{'key': 'a', ...}, {'key': 'b', ...}]
    """
    found = [(decided_at(r), i, r) for i, r in enumerate(rules or [])
             if r.get("status") == "adopted"
             and (kind is None or (r.get("kind") or "general") == kind)]
    return [r for _d, _i, r in sorted(found, key=lambda x: x[:2])]


def latest_adopted(rules: Iterable[dict], kind: str) -> dict | None:
    """The most recently adopted rule of ``kind``, or None."""
    found = adopted(rules, kind)
    return found[-1] if found else None


def voting_members(municipalities: Iterable[tuple[str, dict]], region: dict) -> list[str]:
    """Sorted keys of the municipalities whose tier votes (``region.voting_tiers``,
    default pioneer and member); ``municipalities`` are (key, attributes) pairs."""
    tiers = set(region.get("voting_tiers") or ("pioneer", "member"))
    return sorted(k for k, d in municipalities if d.get("tier") in tiers)
