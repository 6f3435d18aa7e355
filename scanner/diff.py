"""`maturity diff` and the regression gate: what got worse between two reports, and why.

A change falls in exactly one category (`Category`). Four are regressions of the estate:
a capability level that dropped, a clause or item whose status got worse (by `Status.rank`),
a framework, capability, requirement or clause that disappeared, and a rule that already
failed and now fails on more subjects (a second broken workload). `evidence_lost`
(`met -> unknown`, `not_met -> unknown`: the scan could no longer see what it saw before) is
its own category and fails the gate too: losing sight of a failure must never read as fixing
it. A status reached through a new attestation, waiver or dispute is `by_statement`: listed
apart, never an improvement, and not a regression (a reviewed statement with an owner made it).

The baseline may be a `maturity-report/v1` report (requirement-level, no clauses): then only
what both carry is compared and `notes` says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scanner.diff_model import Category, Change, ReportDiff, report_version
from scanner.model import ReasonCode, Status

# Category, Change, ReportDiff and report_version are re-exported: callers import them from here.
__all__ = ["Category", "Change", "ReportDiff", "diff_reports", "report_version"]

LEVEL_FIELDS = ("level", "level_verified", "level_ceiling")


def _status(raw: Any) -> Status | None:
    try:
        return Status(raw)
    except ValueError:
        return None


class _Side:
    """One report, indexed: evidence subjects by id, statement-free helpers."""

    def __init__(self, report: Mapping[str, Any]) -> None:
        self.report = report
        self.v1 = report_version(report) == 1
        self.subject = {str(e["id"]): str(e.get("subject", "")) for e in report.get("evidence", [])}

    def subjects(self, rules: Iterable[Mapping[str, Any]], status: Status = Status.NOT_MET) -> tuple[str, ...]:
        """Subjects of the evidence the deciding rules with `status` cite."""
        out = {
            self.subject.get(str(e), str(e))
            for r in rules
            if r.get("status") == status.value and r.get("coverage") != "supports"
            for e in r.get("evidence", [])
        }
        return tuple(sorted(out))


def _req_rules(req: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The rules of an item: v2 under its clauses, v1 on the item itself."""
    if "clauses" in req:
        return [r for c in req["clauses"] for r in c.get("rules", [])]
    return list(req.get("rules", []))


def _in_scope(cap: Mapping[str, Any]) -> bool:
    """v2 says so; a v1 capability whose every item was waived (it read "level 5") was not."""
    if "in_scope" in cap:
        return bool(cap["in_scope"])
    reqs = cap.get("requirements", [])
    return not reqs or any(r.get("status") != Status.NOT_APPLICABLE.value for r in reqs)


def _status_change(before: Status, after: Status, *, disputed: bool) -> Category:
    """The category of a status flip of an item or clause."""
    if after is Status.NOT_APPLICABLE or (after is Status.UNKNOWN and disputed):
        return Category.BY_STATEMENT  # a waiver or a dispute decided it, whatever it was before
    if after is Status.ATTESTED and after.rank > before.rank:
        return Category.BY_STATEMENT  # met or waived -> attested falls through: it got worse
    if after is Status.UNKNOWN and before in (Status.MET, Status.NOT_MET):
        return Category.EVIDENCE_LOST  # not_met -> unknown ranks higher, yet nothing was fixed
    if after.rank > before.rank:
        return Category.IMPROVED
    if after.rank == before.rank:
        return Category.OTHER
    return Category.WORSE


def _clause_reason(clause: Mapping[str, Any]) -> str:
    parts = []
    code = clause.get("reason_code")
    if code:
        try:
            parts.append(f"{code} ({ReasonCode(code).label.en})")
        except ValueError:
            parts.append(str(code))
    for r in clause.get("rules", []):
        if r.get("coverage") != "supports":
            parts.append(f"{r['id']} {r.get('status')}: {r.get('explanation', '')}")
    return "; ".join(parts)


class _Differ:
    def __init__(self, base: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.b, self.n = _Side(base), _Side(new)
        self.changes: list[Change] = []

    def add(self, *args: Any, **kwargs: Any) -> None:
        self.changes.append(Change(*args, **kwargs))

    def frameworks(self, bfws: list[Mapping[str, Any]], nfws: list[Mapping[str, Any]], scope: str | None) -> None:
        nmap = {f["id"]: f for f in nfws}
        bmap = {f["id"]: f for f in bfws}
        for fid, bfw in bmap.items():
            nfw = nmap.get(fid)
            if nfw is None:
                n = len(bfw.get("capabilities", []))
                self.add(
                    Category.DISAPPEARED,
                    "framework",
                    fid,
                    "graded",
                    None,
                    f"{n} capabilities graded in the baseline are missing (framework removed from the config?)",
                    scope=scope,
                )
                continue
            self.capabilities(bfw, nfw, scope)
        for fid in nmap.keys() - bmap.keys():
            self.add(Category.OTHER, "framework", fid, None, "graded", "new in this report", scope=scope)

    def capabilities(self, bfw: Mapping[str, Any], nfw: Mapping[str, Any], scope: str | None) -> None:
        bcaps = {c["id"]: c for c in bfw.get("capabilities", [])}
        ncaps = {c["id"]: c for c in nfw.get("capabilities", [])}
        for cid, bcap in bcaps.items():
            ncap = ncaps.get(cid)
            if ncap is None:
                self.add(
                    Category.DISAPPEARED, "capability", cid, "graded", None, "missing from this report", scope=scope
                )
                continue
            start = len(self.changes)
            self.requirements(bcap, ncap, scope)
            self.levels(bcap, ncap, scope, {c.category for c in self.changes[start:]})
        for cid in ncaps.keys() - bcaps.keys():
            self.add(Category.OTHER, "capability", cid, None, "graded", "new in this report", scope=scope)

    def levels(self, bcap: Mapping[str, Any], ncap: Mapping[str, Any], scope: str | None, seen: set[Category]) -> None:
        """Level moves; a rise is an improvement only when no statement or lost evidence caused it."""
        cid = str(ncap["id"])
        bin_, nin = _in_scope(bcap), _in_scope(ncap)
        if bin_ and not nin:
            self.add(
                Category.BY_STATEMENT,
                "capability",
                cid,
                f"level {bcap.get('level')}",
                "out of scope",
                "every item is waived",
                scope=scope,
            )
            return
        if nin and not bin_:
            self.add(
                Category.OTHER,
                "capability",
                cid,
                "out of scope",
                f"level {ncap.get('level')}",
                "back in scope",
                scope=scope,
            )
            return
        if not nin:
            return
        for f in LEVEL_FIELDS:
            bv, nv = bcap.get(f), ncap.get(f)
            if bv is None or nv is None or bv == nv:
                continue
            reason = ""
            if nv < bv:
                cat = Category.LEVEL_DROP
            elif Category.EVIDENCE_LOST in seen:
                cat, reason = (
                    Category.OTHER,
                    "rose only as far as lost evidence lets it (unknown counts for the ceiling)",
                )
            elif Category.BY_STATEMENT in seen:
                cat = Category.BY_STATEMENT
            else:
                cat = Category.IMPROVED
            self.add(cat, "level", f"{cid} {f}", bv, nv, reason, scope=scope)

    def requirements(self, bcap: Mapping[str, Any], ncap: Mapping[str, Any], scope: str | None) -> None:
        breqs = {r["id"]: r for r in bcap.get("requirements", [])}
        nreqs = {r["id"]: r for r in ncap.get("requirements", [])}
        for rid, breq in breqs.items():
            nreq = nreqs.get(rid)
            if nreq is None:
                self.add(
                    Category.DISAPPEARED,
                    "requirement",
                    rid,
                    breq.get("status"),
                    None,
                    "missing from this report",
                    scope=scope,
                )
                continue
            self.requirement(breq, nreq, scope)
            if not self.b.v1 and not self.n.v1:
                self.clauses(breq, nreq, scope)
        for rid in nreqs.keys() - breqs.keys():
            self.add(
                Category.OTHER, "requirement", rid, None, nreqs[rid].get("status"), "new in this report", scope=scope
            )

    def requirement(self, breq: Mapping[str, Any], nreq: Mapping[str, Any], scope: str | None) -> None:
        before, after = _status(breq.get("status")), _status(nreq.get("status"))
        if before is None or after is None or before is after:
            return
        clauses = nreq.get("clauses", [])
        unknown = [c for c in clauses if c.get("status") == Status.UNKNOWN.value]
        disputed = bool(unknown) and all(c.get("reason_code") == ReasonCode.DISPUTED.value for c in unknown)
        cat = _status_change(before, after, disputed=disputed)
        self.add(
            cat,
            "requirement",
            str(nreq["id"]),
            before.value,
            after.value,
            self._reason(cat, breq, nreq),
            self._subjects(cat, _req_rules(breq), _req_rules(nreq)),
            scope=scope,
        )

    def clauses(self, breq: Mapping[str, Any], nreq: Mapping[str, Any], scope: str | None) -> None:
        bcl = {c["id"]: c for c in breq.get("clauses", [])}
        ncl = {c["id"]: c for c in nreq.get("clauses", [])}
        for cid, bc in bcl.items():
            nc = ncl.get(cid)
            if nc is None:
                self.add(
                    Category.DISAPPEARED, "clause", cid, bc.get("status"), None, "missing from this report", scope=scope
                )
                continue
            before, after = _status(bc.get("status")), _status(nc.get("status"))
            if before is None or after is None or before is after:
                continue
            disputed = nc.get("reason_code") == ReasonCode.DISPUTED.value
            cat = _status_change(before, after, disputed=disputed)
            reason = _clause_reason(nc)
            if cat is Category.EVIDENCE_LOST:
                reason = f"{_clause_reason(nc)} (was: {_clause_reason(bc)})"
            self.add(
                cat,
                "clause",
                cid,
                before.value,
                after.value,
                reason,
                self._subjects(cat, bc.get("rules", []), nc.get("rules", [])),
                scope=scope,
            )
        for cid in ncl.keys() - bcl.keys():
            self.add(Category.OTHER, "clause", cid, None, ncl[cid].get("status"), "new in this report", scope=scope)

    def _reason(self, cat: Category, breq: Mapping[str, Any], nreq: Mapping[str, Any]) -> str:
        new = str(nreq.get("reason") or "")
        if cat is not Category.EVIDENCE_LOST:
            return new
        was = breq.get("reason") or "; ".join(
            f"{r['id']} {r.get('status')}: {r.get('explanation', '')}"
            for r in _req_rules(breq)
            if r.get("coverage") != "supports"
        )
        return f"{new} (was: {was})" if was else new

    def _subjects(
        self, cat: Category, brules: list[Mapping[str, Any]], nrules: list[Mapping[str, Any]]
    ) -> tuple[str, ...]:
        """What to name: the failing subjects now; for lost evidence, the ones seen before."""
        if cat is Category.EVIDENCE_LOST:
            return self.b.subjects(brules, Status.NOT_MET) or self.b.subjects(brules, Status.MET)
        return self.n.subjects(nrules)

    def failing_subjects(self, scope: str | None) -> None:
        """A rule that failed before and fails now on a subject it did not fail on before."""
        before = self._failing(self.b)
        for rule_id, (subjects, total, where) in sorted(self._failing(self.n).items()):
            if rule_id not in before:
                continue
            bsubjects, btotal, _ = before[rule_id]
            fresh = tuple(sorted(subjects - bsubjects))
            if not fresh and total <= btotal:
                continue
            reason = f"fails on {total} subject(s), was {btotal}; decides {', '.join(sorted(where))}"
            if not fresh:
                reason += " (the new subjects are past the cited sample)"
            self.add(Category.NEW_FAILING_SUBJECT, "rule", rule_id, "not_met", "not_met", reason, fresh, scope=scope)

    def _failing(self, side: _Side) -> dict[str, tuple[set[str], int, set[str]]]:
        out: dict[str, tuple[set[str], int, set[str]]] = {}
        for fw in side.report.get("frameworks", []):
            for cap in fw.get("capabilities", []):
                for req in cap.get("requirements", []):
                    holders = req.get("clauses") or [{"id": req["id"], "rules": req.get("rules", [])}]
                    for holder in holders:
                        for r in holder.get("rules", []):
                            if r.get("status") != Status.NOT_MET.value or r.get("coverage") == "supports":
                                continue
                            subjects, total, where = out.setdefault(r["id"], (set(), 0, set()))
                            subjects.update(side.subject.get(str(e), str(e)) for e in r.get("evidence", []))
                            where.add(str(holder["id"]))
                            n = int(r.get("evidence_total") or len(r.get("evidence", [])))
                            out[r["id"]] = (subjects, max(total, n), where)
        return out


def _scopes(report: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(s["name"]): s for s in report.get("scopes") or []}


def diff_reports(base: Mapping[str, Any], new: Mapping[str, Any]) -> ReportDiff:
    """Every difference between `base` and `new`, regressions first (see the module docstring)."""
    d = _Differ(base, new)
    d.frameworks(list(base.get("frameworks", [])), list(new.get("frameworks", [])), None)
    d.failing_subjects(None)
    bscopes, nscopes = _scopes(base), _scopes(new)
    for name, bs in bscopes.items():
        ns = nscopes.get(name)
        if ns is None:
            d.add(Category.DISAPPEARED, "scope", name, "graded", None, "scope missing from this report")
            continue
        d.frameworks(list(bs.get("frameworks", [])), list(ns.get("frameworks", [])), name)
    for name in nscopes.keys() - bscopes.keys():
        d.add(Category.OTHER, "scope", name, None, "graded", "new in this report")
    out = ReportDiff(changes=d.changes, baseline_schema=str(base.get("schema", "")))
    if d.b.v1:
        out.notes.append(
            "the baseline is a maturity-report/v1 report (requirement-level, no clauses): compared frameworks, "
            "capabilities, levels, requirement statuses and failing subjects per rule; clause changes cannot be "
            "compared, and a v1 capability whose every item was waived (it read level 5) counts as out of scope"
        )
    order = list(Category)
    out.changes.sort(key=lambda c: (order.index(c.category), c.scope or "", c.id, c.kind))
    return out
