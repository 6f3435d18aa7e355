"""The headline of a report: where the organisation stands and why so much is unknown.

Per framework: item counts by status; for a levelled framework, how many in-scope capabilities
sit at each level (verified, with attestations, ceiling) as integers, never a mean on an
integer scale; and the unknowns broken down by reason code, each with the action that
resolves it and how many items it would move ("configure gitlab: 24 items wait on it",
"attest 31 organisational clauses", "fix source aws: 12 items"). Per scan: sources by status
and the systems no source was configured for.

Pure function of the report (it never reloads the catalog or the rules), so an old report
renders with the words it was written with.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.model import ReasonCode, Status

__all__ = ["FrameworkHeadline", "Headline", "Unknowns", "Waits", "headline"]

_PROBE = re.compile(r"\(probe: ([^)]+)\)")
_LEVELS = ("level_verified", "level", "level_ceiling")
# Reason codes whose action names a system: the clause waits on a source.
_BY_SYSTEM = {ReasonCode.SOURCE_NOT_CONFIGURED.value, ReasonCode.ALTERNATIVE_NOT_SCANNED.value}


@dataclass
class Unknowns:
    """Unknown clauses of one reason code: how many clauses and items, and per system or source."""

    reason_code: str
    clauses: int = 0
    items: set[str] = field(default_factory=set)
    by_target: dict[str, set[str]] = field(default_factory=dict)  # system or source -> item ids

    def to_json(self) -> dict[str, Any]:
        rc = ReasonCode(self.reason_code)
        return {
            "reason_code": self.reason_code,
            "label": rc.label.model_dump(),
            "action": rc.action.model_dump(),
            "clauses": self.clauses,
            "items": len(self.items),
            "targets": [
                {"target": t, "items": len(ids)}
                for t, ids in sorted(self.by_target.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            ],
        }


@dataclass
class FrameworkHeadline:
    framework: str
    name: Mapping[str, str]
    items: dict[str, int]
    capabilities: int
    in_scope: int
    levels: dict[str, dict[int, int]] | None  # level kind -> level -> capabilities (None: not levelled)
    unknowns: list[Unknowns]

    def to_json(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "name": dict(self.name),
            "items": self.items,
            "capabilities": self.capabilities,
            "in_scope": self.in_scope,
            "levels": None if self.levels is None else {k: dict(sorted(v.items())) for k, v in self.levels.items()},
            "unknowns": [u.to_json() for u in self.unknowns],
        }


@dataclass
class Headline:
    frameworks: list[FrameworkHeadline]
    sources: dict[str, int]  # status -> sources
    not_configured: list[str]  # probes no source was configured for, that rules wait on

    def to_json(self) -> dict[str, Any]:
        return {
            "frameworks": [f.to_json() for f in self.frameworks],
            "sources": self.sources,
            "not_configured": self.not_configured,
        }


class Waits:
    """What a report's unknown clauses wait on, indexed once per report: the kinds each rule
    reads, each kind's observation, and the sources that failed each kind."""

    def __init__(self, report: Mapping[str, Any]) -> None:
        scan = report.get("scan", {})
        self.observations: Mapping[str, Mapping[str, Any]] = scan.get("observations", {})
        self.rule_kinds = {str(r["id"]): list(r.get("evidence", [])) for r in report.get("rules", [])}
        self.failed_by: dict[str, list[str]] = defaultdict(list)
        for s in scan.get("sources", []):
            for kind in s.get("failed_kinds") or {}:
                self.failed_by[kind].append(str(s["name"]))

    def targets(self, clause: Mapping[str, Any]) -> set[str]:
        """The systems (probes) a clause waits on, or the failed sources that left it unknown."""
        out: set[str] = set()
        rc = clause.get("reason_code")
        for r in clause.get("rules", []):
            for kind in self.rule_kinds.get(str(r.get("id")), []):
                obs = self.observations.get(kind) or {}
                if obs.get("observed"):
                    continue
                if rc == ReasonCode.SOURCE_FAILED.value:
                    out.update(self.failed_by.get(kind, []))
                elif rc in _BY_SYSTEM and obs.get("state", "not_configured") == "not_configured":
                    m = _PROBE.search(str(obs.get("reason") or ""))
                    names = m.group(1).split(",") if m else [kind.split(".")[0]]
                    out.update(p.strip() for p in names if p.strip())
        out.discard("none")
        return out


def headline(report: Mapping[str, Any]) -> Headline:
    waits = Waits(report)
    sources: dict[str, int] = defaultdict(int)
    for s in report.get("scan", {}).get("sources", []):
        sources[str(s.get("status"))] += 1
    waited: set[str] = set()
    out: list[FrameworkHeadline] = []
    for fw in report.get("frameworks", []):
        items = {st.value: 0 for st in Status}
        unknowns: dict[str, Unknowns] = {}
        caps = fw.get("capabilities", [])
        levelled = any(c.get("level") is not None for c in caps) or bool(fw.get("levels"))
        levels: dict[str, dict[int, int]] = {k: {lv: 0 for lv in range(6)} for k in _LEVELS}
        in_scope = 0
        for cap in caps:
            if cap.get("in_scope", True) is not False:
                in_scope += 1
                for k in _LEVELS:
                    if cap.get(k) is not None:
                        levels[k][int(cap[k])] = levels[k].get(int(cap[k]), 0) + 1
            for req in cap.get("requirements", []):
                items[str(req["status"])] = items.get(str(req["status"]), 0) + 1
                if req["status"] != Status.UNKNOWN.value:
                    continue
                for cl in req.get("clauses", []):
                    rc = cl.get("reason_code")
                    if cl.get("status") != Status.UNKNOWN.value or not rc:
                        continue
                    u = unknowns.setdefault(str(rc), Unknowns(str(rc)))
                    u.clauses += 1
                    u.items.add(str(req["id"]))
                    for t in waits.targets(cl):
                        u.by_target.setdefault(t, set()).add(str(req["id"]))
                        if rc in _BY_SYSTEM:
                            waited.add(t)
        ordered = sorted(unknowns.values(), key=lambda u: (-len(u.items), u.reason_code))
        out.append(
            FrameworkHeadline(
                str(fw["id"]),
                fw.get("name") or {"zh": fw["id"], "en": fw["id"]},
                items,
                len(caps),
                in_scope,
                levels if levelled else None,
                ordered,
            )
        )
    return Headline(out, dict(sorted(sources.items())), sorted(waited))
