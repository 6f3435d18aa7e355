"""How much of each framework the installed rules can decide (`maturity catalog --coverage`).

An item counts as *decided* when a rule decides the whole item, or when every one of its
evidence clauses is decided by at least one rule (coverage `decides`). Organisational clauses
never count against an item: no system can show them, so a statement answers them. Items made
only of organisational clauses are counted apart. `supports` rules add weight to an item but
never make it decided on their own.

Per source, an item counts once for every evidence family (the part of a kind before the dot:
`prometheus`, `kubernetes`, `aws`, `gitlab`, `gitops` ...) that takes part in deciding it; the
per-source figures therefore add up to more than the total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from scanner.catalog import Catalog, Requirement
from scanner.model import Coverage
from scanner.rules import RuleSet

__all__ = ["FrameworkCoverage", "coverage", "coverage_json", "coverage_table"]


@dataclass
class FrameworkCoverage:
    framework: str
    items: int = 0
    organisational: int = 0  # items with no evidence clause: only a statement answers them
    decided: int = 0  # every evidence clause (or the whole item) decided by a rule
    partly: int = 0  # some evidence clause decided or supported, not all
    clauses: int = 0  # evidence clauses
    clauses_decided: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    by_level: dict[str, list[int]] = field(default_factory=dict)  # level -> [decided, items]
    undecided: list[str] = field(default_factory=list)


def _families(rule_kinds: list[str]) -> set[str]:
    return {k.split(".", 1)[0] for k in rule_kinds}


def coverage(catalog: Catalog, ruleset: RuleSet) -> list[FrameworkCoverage]:
    """The figures per framework, in catalog order."""
    decides: dict[str, set[str]] = defaultdict(set)  # target -> evidence families
    supports: set[str] = set()
    for rule in ruleset.rules:
        fams = _families(list(rule.doc.evidence))
        for d in rule.doc.decides:
            if Coverage.of(d.coverage) is Coverage.DECIDES:
                decides[d.target] |= fams
            else:
                supports.add(d.target)
    out: list[FrameworkCoverage] = []
    for fw in catalog.frameworks.values():
        fc = FrameworkCoverage(fw.id)
        by_source: dict[str, int] = defaultdict(int)
        for req in catalog.iter_requirements(fw.id):
            fc.items += 1
            _count(fc, req, decides, supports, by_source)
        fc.by_source = dict(sorted(by_source.items()))
        out.append(fc)
    return out


def _count(
    fc: FrameworkCoverage,
    req: Requirement,
    decides: dict[str, set[str]],
    supports: set[str],
    by_source: dict[str, int],
) -> None:
    level = str(req.level) if req.level is not None else "-"
    cell = fc.by_level.setdefault(level, [0, 0])
    evidence = [c for c in req.clauses if c.assessment == "evidence"]
    if not evidence:
        fc.organisational += 1
        return
    cell[1] += 1
    fc.clauses += len(evidence)
    whole = req.id in decides
    done = [c for c in evidence if whole or c.id in decides]
    fc.clauses_decided += len(done)
    if len(done) == len(evidence):
        fc.decided += 1
        cell[0] += 1
        fams = set(decides.get(req.id, set())).union(*(decides.get(c.id, set()) for c in evidence))
        for fam in fams:
            by_source[fam] += 1
        return
    fc.undecided.append(req.id)
    if done or req.id in supports or any(c.id in supports for c in evidence):
        fc.partly += 1


def coverage_json(figures: list[FrameworkCoverage]) -> dict[str, Any]:
    return {
        "frameworks": [
            {
                "id": f.framework,
                "items": f.items,
                "organisational_items": f.organisational,
                "decided_items": f.decided,
                "partly_decided_items": f.partly,
                "evidence_clauses": f.clauses,
                "decided_clauses": f.clauses_decided,
                "decided_items_by_source": f.by_source,
                "decided_items_by_level": {k: {"decided": v[0], "items": v[1]} for k, v in sorted(f.by_level.items())},
                "undecided_items": f.undecided,
            }
            for f in figures
        ]
    }


def coverage_table(figures: list[FrameworkCoverage]) -> str:
    lines: list[str] = []
    for f in figures:
        evidence_items = f.items - f.organisational
        lines.append(f"{f.framework}: {f.decided} of {f.items} items decided by rules")
        lines.append(
            f"  {evidence_items} items have an evidence clause; {f.organisational} are organisational only"
            f" (answered by statements); {f.partly} more are partly decided"
        )
        lines.append(f"  evidence clauses decided: {f.clauses_decided} of {f.clauses}")
        levels = [(k, v) for k, v in sorted(f.by_level.items()) if k != "-"]
        if levels:
            lines.append("  by level: " + ", ".join(f"L{k} {v[0]}/{v[1]}" for k, v in levels))
        if f.by_source:
            lines.append("  by evidence source: " + ", ".join(f"{k} {v}" for k, v in f.by_source.items()))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
