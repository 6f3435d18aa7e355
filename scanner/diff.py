"""`maturity diff` and the regression gate: what got worse between two reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Change", "ReportDiff", "diff_reports"]

RANK = {"met": 4, "not_applicable": 4, "attested": 3, "unknown": 2, "not_met": 1}


@dataclass(frozen=True)
class Change:
    kind: str  # level | requirement
    id: str
    before: Any
    after: Any
    regression: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "before": self.before,
            "after": self.after,
            "regression": self.regression,
            "detail": self.detail,
        }


@dataclass
class ReportDiff:
    changes: list[Change] = field(default_factory=list)

    @property
    def regressions(self) -> list[Change]:
        return [c for c in self.changes if c.regression]

    def to_json(self) -> dict[str, Any]:
        return {
            "regressions": [c.to_json() for c in self.regressions],
            "improvements": [c.to_json() for c in self.changes if not c.regression],
        }


def _caps(report: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {c["id"]: c for fw in report.get("frameworks", []) for c in fw.get("capabilities", [])}


def diff_reports(base: Mapping[str, Any], new: Mapping[str, Any]) -> ReportDiff:
    """Capability level changes and requirement status flips, regressions first."""
    out = ReportDiff()
    bcaps, ncaps = _caps(base), _caps(new)
    for cid in sorted(set(bcaps) & set(ncaps)):
        b, n = bcaps[cid], ncaps[cid]
        for f in ("level", "level_verified"):
            if b.get(f) is not None and n.get(f) is not None and b[f] != n[f]:
                worse = n[f] < b[f]
                out.changes.append(Change("level", cid, b[f], n[f], worse, f"{cid} {f} {b[f]} → {n[f]}"))
        breqs = {r["id"]: r for r in b.get("requirements", [])}
        for r in n.get("requirements", []):
            old = breqs.get(r["id"])
            if old is None or old["status"] == r["status"]:
                continue
            worse = RANK.get(r["status"], 0) < RANK.get(old["status"], 0)
            out.changes.append(
                Change(
                    "requirement",
                    r["id"],
                    old["status"],
                    r["status"],
                    worse,
                    f"{r['id']} {old['status']} → {r['status']}: {r.get('reason', '')[:200]}",
                )
            )
    out.changes.sort(key=lambda c: (not c.regression, c.kind != "level", c.id))
    return out
