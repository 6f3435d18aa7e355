"""Turn rule results into the report's frameworks[] and next_steps[] (deterministic).

`verify` calls the same function on the recorded evidence, so anything that changes a grade
must flow through here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from scanner.attest import Statements
from scanner.catalog import Capability, Catalog, Requirement
from scanner.rules import RuleResult, RuleSet
from scanner.scoring import SATISFIED, RuleVote, capability_levels, requirement_status

__all__ = ["grade"]


def _requirement(
    req: Requirement,
    cap: Capability,
    votes: list[RuleVote],
    results: Mapping[str, RuleResult],
    statements: Statements,
    on: dt.date,
    usage: dict[str, set[str]],
    catalog: Catalog,
) -> dict[str, Any]:
    atts, waivers = statements.for_requirement(req.id, cap.id)
    live_att = next((a for a in atts if not a.expired(on)), None)
    dead_att = next((a for a in atts if a.expired(on)), None)
    live_w = next((w for w in waivers if not w.expired(on)), None)
    dead_w = next((w for w in waivers if w.expired(on)), None)
    status, reason = requirement_status(
        votes,
        attested_by=f"{live_att.doc.owner} on {live_att.doc.date} ({live_att.doc.evidence_url})" if live_att else None,
        attestation_expired=f"attestation by {dead_att.doc.owner} expired on {dead_att.doc.expires}"
        if dead_att
        else None,
        waived_by=f"{live_w.doc.reason} (owner {live_w.doc.owner}, until {live_w.doc.expires})" if live_w else None,
        waiver_expired=f"waiver by {dead_w.doc.owner} expired on {dead_w.doc.expires}" if dead_w else None,
        manual=req.assessment == "manual",
    )
    out: dict[str, Any] = {
        "id": req.id,
        "level": req.level,
        "text": req.text.model_dump(),
        "assessment": req.assessment,
        "status": status,
        "reason": reason,
        "rules": [{**results[v.rule].to_json(), "coverage": v.coverage} for v in votes],
    }
    related = catalog.related(req.id)
    if related:
        out["related"] = list(related)
    if live_att is not None:
        out["attestation"] = {
            k: v
            for k, v in live_att.to_json().items()
            if k in ("owner", "statement", "evidence_url", "date", "expires", "clause")
        }
        if status == "attested" or (status == "met" and any(v.coverage == "partial" for v in votes)):
            usage["attestations"].add(f"{live_att.file}:{live_att.line}")
    if live_w is not None and status == "not_applicable":
        usage["waivers"].add(f"{live_w.file}:{live_w.line}")
    return out


def _v1_coverage(d: Any) -> str:
    """Transitional: a clause-level `decides` reads as a necessary clause, an item-level one as full."""
    if d.coverage in ("full", "partial"):
        return str(d.coverage)
    return "partial" if d.clause is not None else "full"


def grade(
    catalog: Catalog,
    ruleset: RuleSet,
    results: Mapping[str, RuleResult],
    statements: Statements,
    *,
    frameworks: list[str],
    on: dt.date,
) -> dict[str, Any]:
    """frameworks[], next_steps[] and the use made of attestations and waivers."""
    by_req = ruleset.by_requirement()
    remediation = {r.id: r.doc.remediation for r in ruleset.rules}
    usage: dict[str, set[str]] = {"attestations": set(), "waivers": set()}
    fw_out: list[dict[str, Any]] = []
    next_steps: list[dict[str, Any]] = []
    for fid in frameworks:
        fw = catalog.frameworks.get(fid)
        if fw is None:
            continue
        caps_out = []
        for cap in fw.capabilities:
            reqs_out = []
            for req in cap.requirements:
                votes = [
                    RuleVote(rule.id, _v1_coverage(d), results[rule.id].status, results[rule.id].explanation)
                    for rule, d in by_req.get(req.id, [])
                    if d.coverage != "supports"
                ]
                reqs_out.append(_requirement(req, cap, votes, results, statements, on, usage, catalog))
            cap_out: dict[str, Any] = {
                "id": cap.id,
                "name": cap.name.model_dump(),
                "domain": cap.subdomain or cap.domain,
                "requirements": reqs_out,
            }
            counts = {
                s: sum(1 for r in reqs_out if r["status"] == s)
                for s in ("met", "not_met", "unknown", "attested", "not_applicable")
            }
            cap_out["counts"] = counts
            if fid == "ydt1756-4":
                by_level: dict[int, list[str]] = {
                    lv: [r["status"] for r in reqs_out if r["level"] == lv] for lv in range(1, 6)
                }
                lv = capability_levels(by_level)
                cap_out.update(level=lv.level, level_verified=lv.level_verified, level_ceiling=lv.level_ceiling)
                target = lv.level + 1
                blocking = (
                    [
                        r
                        for r in reqs_out
                        if r["level"] is not None and r["level"] <= target and r["status"] not in SATISFIED["level"]
                    ]
                    if target <= 5
                    else []
                )
            else:
                satisfied = counts["met"] + counts["attested"] + counts["not_applicable"]
                cap_out.update(
                    level=None,
                    level_verified=None,
                    level_ceiling=None,
                    score={"satisfied": satisfied, "met": counts["met"], "total": len(reqs_out)},
                )
                cap_out["missing"] = [r["id"] for r in reqs_out if r["status"] not in SATISFIED["level"]]
                target = None
                blocking = [r for r in reqs_out if r["status"] not in SATISFIED["level"]]
            if blocking:
                next_steps.append(
                    {
                        "capability": cap.id,
                        "framework": fid,
                        "target_level": target,
                        "items": [
                            {
                                "requirement": r["id"],
                                "status": r["status"],
                                "action": "; ".join(remediation[x["id"]] for x in r["rules"] if x["status"] != "met")
                                or "needs attestation",
                            }
                            for r in blocking
                        ],
                    }
                )
            caps_out.append(cap_out)
        fw_out.append(
            {"id": fid, "name": fw.name.model_dump(), "source": fw.source.model_dump(), "capabilities": caps_out}
        )
    return {"frameworks": fw_out, "next_steps": next_steps, "usage": {k: sorted(v) for k, v in usage.items()}}
