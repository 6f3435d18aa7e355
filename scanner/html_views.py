"""The report reshaped for the HTML template: frameworks as domain -> capability -> level -> item ->
clause -> rule trees with cited evidence, source health, chart bars, scopes and baseline changes.
Pure functions of the report (and its diff); no rendering here."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from scanner.diff import Category, ReportDiff
from scanner.html_resources import deciding_index
from scanner.html_text import CHANGE_TEXT, REASON_TEXT, STATUS_TEXT, both
from scanner.labels import level_names
from scanner.model import SATISFIED, Status

__all__ = ["anchor", "changes_view", "chart", "frameworks_view", "scopes_view", "source_health"]


def anchor(oid: str) -> str:
    """An HTML id for a catalog id (`ydt:5.3.1:L1.1` → `ydt-5-3-1-L1-1`)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", oid)


def _top_domain(cap: Mapping[str, Any]) -> str:
    cid = str(cap["id"])
    if cid.startswith("ydt:"):
        return "ydt:" + cid[4:].split(".")[0]
    return str(cap.get("domain") or "wa")


def _kind_sources(scan: Mapping[str, Any]) -> dict[str, set[str]]:
    """Which sources produce (or failed to produce) each evidence kind."""
    out: dict[str, set[str]] = defaultdict(set)
    for kind, obs in scan.get("observations", {}).items():
        out[kind].update(obs.get("sources") or [])
    for src in scan.get("sources", []):
        for kind in src.get("observed_kinds") or []:
            out[kind].add(src["name"])
        for kind in src.get("failed_kinds") or {}:
            out[kind].add(src["name"])
    return out


def _rules_view(
    clause: Mapping[str, Any],
    req_id: str,
    rule_meta: Mapping[str, Mapping[str, Any]],
    ev_index: Mapping[str, Mapping[str, Any]],
    kind_sources: Mapping[str, set[str]],
    sources: set[str],
) -> list[dict[str, Any]]:
    """The rules under one clause, with title, rationale, remediation and cited evidence; the rule
    that decided the clause first (`deciding`)."""
    out = []
    for r in clause.get("rules", []):
        meta = rule_meta.get(r["id"], {})
        for kind in meta.get("evidence", []):
            sources |= kind_sources.get(kind, set())
        cited = []
        for eid in r.get("evidence", []):
            e = ev_index.get(eid)
            if e is not None:
                sources.add(str(e["source"]))
            cited.append(
                {
                    "id": eid,
                    "subject": e["subject"] if e else "",
                    "source": e["source"] if e else "",
                    "kind": e["kind"] if e else "",
                }
            )
        target: Mapping[str, Any] = next(
            (d for d in meta.get("decides", []) if d.get("clause") == clause["id"] or d.get("requirement") == req_id),
            {},
        )
        zh = meta.get("zh") or {}
        rationale = str(target.get("rationale") or "")
        target_id = target.get("clause") or target.get("requirement")
        out.append(
            {
                **r,
                "title": both(meta.get("title"), zh.get("title")),
                "rationale": both(rationale, (zh.get("rationale") or {}).get(target_id)) if rationale else None,
                "remediation": both(meta.get("remediation"), zh.get("remediation")),
                "explanation": both(r.get("explanation"), r.get("explanation_zh")),
                "cited": cited,
                "code": REASON_TEXT.get(str(r.get("reason_code") or "")),
                "deciding": False,
            }
        )
    first = deciding_index(out, str(clause.get("status")), clause.get("reason_code"))
    if first is not None:  # the rule that decided the clause leads, the others keep their order
        out.insert(0, {**out.pop(first), "deciding": True})
    return out


def _requirement_view(
    req: Mapping[str, Any],
    rule_meta: Mapping[str, Mapping[str, Any]],
    ev_index: Mapping[str, Mapping[str, Any]],
    kind_sources: Mapping[str, set[str]],
    statements: Mapping[str, Mapping[str, Any]],
    cap_id: str,
) -> dict[str, Any]:
    sources: set[str] = set()
    clauses = []
    for clause in req.get("clauses", []):
        clauses.append(
            {
                **clause,
                "code": REASON_TEXT.get(str(clause.get("reason_code") or "")),
                "statement_view": statements.get(str(clause.get("statement") or "")),
                "attest_cmd": _attest_command(cap_id, req, clause),
                "rules_view": _rules_view(clause, str(req["id"]), rule_meta, ev_index, kind_sources, sources),
            }
        )
    return {
        **req,
        "reason": both(req.get("reason"), req.get("reason_zh")) if req.get("reason") else None,
        "clauses_view": clauses,
        "statement_view": statements.get(str(req.get("statement") or "")),
        "sources": sorted(sources),
    }


def source_health(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each source, and the items left unknown because a kind it failed was needed."""
    rule_kinds = {r["id"]: set(r.get("evidence", [])) for r in report.get("rules", [])}
    out = []
    for src in report["scan"].get("sources", []):
        failed = dict(src.get("failed_kinds") or {})
        affected = []
        if failed or src.get("status") in ("error", "partial"):
            for fw in report["frameworks"]:
                for cap in fw["capabilities"]:
                    for req in cap["requirements"]:
                        if req["status"] != Status.UNKNOWN.value:
                            continue
                        if any(
                            r["status"] == Status.UNKNOWN.value and rule_kinds.get(r["id"], set()) & set(failed)
                            for c in req.get("clauses", [])
                            for r in c.get("rules", [])
                        ):
                            affected.append(req["id"])
        out.append({**src, "failed": sorted(failed.items()), "affected": affected})
    return out


def chart(frameworks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bars per top domain over in-scope capabilities: mean levels (YD/T) or best practices satisfied (AWS WA)."""
    charts = []
    for fw in frameworks:
        rows = []
        for dom in fw["domains"]:
            caps = [c for sub in dom["subs"] for c in sub["caps"] if c["in_scope"]]
            if not caps:
                continue
            if fw["graded"]:
                vals = {k: sum(c[k] for c in caps) / len(caps) for k in ("level_verified", "level", "level_ceiling")}
                rows.append({"id": dom["id"], "name": dom["name"], "bars": [(k, v, v / 5) for k, v in vals.items()]})
            else:
                total = sum(c["score"]["total"] for c in caps)
                sat = sum(c["score"]["satisfied"] for c in caps)
                met = sum(c["score"]["met"] for c in caps)
                rows.append(
                    {
                        "id": dom["id"],
                        "name": dom["name"],
                        "bars": [("level_verified", met, met / max(1, total)), ("level", sat, sat / max(1, total))],
                        "total": total,
                    }
                )
        charts.append({"fw": fw, "rows": rows, "height": 24 + len(rows) * (46 if fw["graded"] else 34)})
    return charts


def _score(reqs: list[Mapping[str, Any]]) -> dict[str, int]:
    return {
        "satisfied": sum(1 for r in reqs if r["status"] in SATISFIED),
        "met": sum(1 for r in reqs if r["status"] == Status.MET.value),
        "total": len(reqs),
    }


def frameworks_view(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each framework as a domain -> subdomain -> capability -> level -> item tree for the page."""
    rule_meta = {r["id"]: r for r in report.get("rules", [])}
    ev_index = {e["id"]: e for e in report.get("evidence", [])}
    statements = {str(s["id"]): s for s in report.get("statements", []) if isinstance(s, Mapping) and "id" in s}
    kind_sources = _kind_sources(report["scan"])
    out = []
    for fw in report["frameworks"]:
        # Domain names travel in the report when it carries them; otherwise the id stands alone.
        names = {str(d["id"]): d["name"] for d in fw.get("domains") or []}
        caps = fw["capabilities"]
        graded = any(c.get("level") is not None for c in caps) or bool(fw.get("levels"))
        domains: dict[str, dict[str, Any]] = {}
        for cap in caps:
            top = _top_domain(cap)
            dom = domains.setdefault(top, {"id": top, "name": names.get(top, {"zh": "", "en": ""}), "subs": []})
            sub_id = str(cap.get("domain") or top)
            if not dom["subs"] or dom["subs"][-1]["id"] != sub_id:
                dom["subs"].append(
                    {
                        "id": sub_id,
                        "name": names.get(sub_id, {"zh": "", "en": ""}) if sub_id != top else None,
                        "caps": [],
                    }
                )
            reqs = [
                _requirement_view(r, rule_meta, ev_index, kind_sources, statements, str(cap["id"]))
                for r in cap["requirements"]
            ]
            levels: list[tuple[int | None, list[dict[str, Any]]]] = []
            for r in reqs:
                if not levels or levels[-1][0] != r["level"]:
                    levels.append((r["level"], []))
                levels[-1][1].append(r)
            dom["subs"][-1]["caps"].append(
                {
                    **cap,
                    "in_scope": cap.get("in_scope", True) is not False,
                    "score": _score(cap["requirements"]),
                    "levels": levels,
                    "sources": sorted({s for r in reqs for s in r["sources"]}),
                }
            )
        out.append(
            {
                "id": fw["id"],
                "name": fw.get("name") or {"zh": fw["id"], "en": fw["id"]},
                "graded": graded,
                "level_names": level_names(fw) if graded else {},
                "domains": list(domains.values()),
            }
        )
    return out


def scopes_view(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each declared scope with its graded capabilities against its target level."""
    out = []
    for scope in report.get("scopes") or []:
        target = scope.get("target_level")
        rows = []
        for fw in scope.get("frameworks", []):
            names = level_names(fw)
            for cap in fw.get("capabilities", []):
                in_scope = cap.get("in_scope", True) is not False
                if in_scope and cap.get("level") is None:
                    continue  # AWS WA questions have no level to hold against a target
                rows.append(
                    {
                        **cap,
                        "in_scope": in_scope,
                        "level_name": names.get(cap.get("level") or 0),
                        "below": in_scope and target is not None and int(cap["level"]) < int(target),
                    }
                )
        out.append({**scope, "rows": rows})
    return out


def changes_view(d: ReportDiff) -> list[dict[str, Any]]:
    """Each change with the anchor it links to (the item of a clause, the capability of a level)."""
    rows = []
    for ch in d.changes:
        target = None
        if ch.kind in ("requirement", "clause"):
            target = "req-" + anchor(ch.id.split("#")[0])
        elif ch.kind in ("capability", "level"):
            target = "cap-" + anchor(ch.id.split(" ")[0])
        group = (
            "regression"
            if ch.regression
            else {Category.BY_STATEMENT: "by-statement", Category.IMPROVED: "improvement"}.get(ch.category, "other")
        )
        status = ch.kind in ("requirement", "clause")
        rows.append(
            {
                "change": ch,
                "group": group,
                "text": CHANGE_TEXT[ch.category.value],
                "target": target,
                "before_status": ch.before if status and ch.before in STATUS_TEXT else None,
                "after_status": ch.after if status and ch.after in STATUS_TEXT else None,
            }
        )
    return rows


def _attest_command(cap: str, req: Mapping[str, Any], clause: Mapping[str, Any]) -> str | None:
    """For an organisational clause still open: the command that writes its attestation template
    (every open clause of the capability up to this item's level, grouped into evidence packs)."""
    if clause.get("assessment") != "organisational" or clause.get("status") != "unknown":
        return None
    level = f" --level {req['level']}" if req.get("level") is not None else ""
    return f"maturity attest template --capability {cap}{level} --report report.json"
