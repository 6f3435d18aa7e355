"""`maturity verify`: check every hash, the digest, and re-derive every status and level."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from scanner.attest import Statements
from scanner.bundle import manifest_from_scan, read_bundle, scan_part
from scanner.canonical import sha256_of
from scanner.catalog import load_catalog
from scanner.errors import InputError
from scanner.evidence import Evidence
from scanner.pipeline import assemble, rules_from_snapshot
from scanner.report import load_report, report_digest

__all__ = ["verify_report"]

MAX_PROBLEMS = 50


def _evidence_problems(items: list[dict[str, Any]]) -> Iterator[str]:
    for item in items:
        ev = Evidence.from_json(item)
        digest = sha256_of(ev.hashed_fields())
        if digest != ev.sha256:
            yield f"evidence {ev.id}: sha256 does not match its content (recorded {ev.sha256[:12]}…, computed {digest[:12]}…)"
        elif ev.id != "ev-" + digest[:20]:
            yield f"evidence {ev.id}: id does not match its hash"


def _english_only(req: Mapping[str, Any]) -> dict[str, Any]:
    """An item as a report from before `reason_zh`/`explanation_zh` records it."""
    clauses = [
        {**c, "rules": [{k: v for k, v in r.items() if k != "explanation_zh"} for r in c.get("rules", [])]}
        for c in req.get("clauses", [])
    ]
    return {**{k: v for k, v in req.items() if k != "reason_zh"}, "clauses": clauses}


def _diff_grades(recorded: Mapping[str, Any], derived: Mapping[str, Any]) -> Iterator[str]:
    rec = {(fw["id"], c["id"]): c for fw in recorded.get("frameworks", []) for c in fw.get("capabilities", [])}
    der = {(fw["id"], c["id"]): c for fw in derived.get("frameworks", []) for c in fw.get("capabilities", [])}
    for key in sorted(set(rec) | set(der)):
        a, b = rec.get(key), der.get(key)
        if a is None or b is None:
            yield f"capability {key[1]}: {'missing from the report' if a is None else 'not in the catalog'}"
            continue
        for f in ("level", "level_verified", "level_ceiling"):
            if a.get(f) != b.get(f):
                yield f"capability {key[1]}: {f} is {a.get(f)} in the report, {b.get(f)} from the evidence"
        ra = {r["id"]: r for r in a.get("requirements", [])}
        rb = {r["id"]: r for r in b.get("requirements", [])}
        for rid in sorted(set(ra) | set(rb)):
            x, y = ra.get(rid), rb.get(rid)
            if x is not None and y is not None and "reason_zh" not in x:
                y = _english_only(y)  # a report written before rules carried Chinese twins
            if x is None or y is None:
                yield f"requirement {rid}: {'missing from the report' if x is None else 'not in the catalog'}"
            elif x != y:
                fields = [f for f in sorted(set(x) | set(y)) if x.get(f) != y.get(f)]
                detail = (
                    f"status {x.get('status')} in the report, {y.get('status')} from the evidence"
                    if "status" in fields
                    else "differs in " + ", ".join(fields)
                )
                yield f"requirement {rid}: {detail}"
    for section in ("next_steps", "statements", "summary", "rules", "scopes"):
        if recorded.get(section) != derived.get(section):
            yield f"{section}: differs from what the evidence gives"


def _bundle_problems(report: Mapping[str, Any], evidence: list[Evidence], evidence_dir: Path) -> list[str]:
    """What differs between the report and its evidence bundle (an edited bundle is a finding)."""
    problems: list[str] = []
    try:
        bundle = read_bundle(evidence_dir)
    except InputError as exc:
        if "seal" not in str(exc) and "manifest hash" not in str(exc):
            raise
        return [f"bundle: {exc}"]
    ids_b = {e.id for e in bundle.evidence}
    ids_r = {e.id for e in evidence}
    for i in sorted(ids_b - ids_r)[:10]:
        problems.append(f"evidence {i}: in the bundle but not in the report")
    for i in sorted(ids_r - ids_b)[:10]:
        problems.append(f"evidence {i}: in the report but not in the bundle")
    problems.extend(_evidence_problems([e.to_json() for e in bundle.evidence]))
    if bundle.manifest.get("rules_digest") != report["scan"].get("rules_digest"):
        problems.append("rules: the bundle's rules digest differs from the report's")
    # The manifest seals itself, but a seal can be recomputed. It is derived from the report's
    # (digest-sealed) `scan`, so deriving it again must give what the bundle holds.
    recorded, derived = scan_part(bundle.manifest), manifest_from_scan(report["scan"])
    for key in sorted((set(recorded) | set(derived)) - {"rules_digest"}):
        if recorded.get(key) != derived.get(key):
            problems.append(f"manifest: {key} differs from the report's")
    return problems


def verify_report(path: Path, evidence_dir: Path | None = None) -> list[str]:
    """Problems found (empty when the report is intact and every grade re-derives)."""
    report = load_report(path)
    problems: list[str] = []
    problems.extend(_evidence_problems(report["evidence"]))
    if report_digest(report) != report.get("digest"):
        problems.append("digest: the report was changed after it was written (digest mismatch)")
    evidence = [Evidence.from_json(e) for e in report["evidence"]]
    if evidence_dir is not None:
        problems.extend(_bundle_problems(report, evidence, evidence_dir))
    catalog = load_catalog()
    if catalog.digest != report["scan"].get("catalog_digest"):
        raise InputError(
            "cannot re-derive grades: the report was made with another catalog version "
            f"({report['scan'].get('catalog_digest', '')[:12]}…, installed {catalog.digest[:12]}…)",
            file=str(path),
            field="scan.catalog_digest",
        )
    try:
        ruleset = rules_from_snapshot(report["rules"], catalog)
    except InputError as exc:
        problems.append(f"rules: the recorded rules do not load: {exc}")
        return problems[:MAX_PROBLEMS]
    if ruleset.digest != report["scan"].get("rules_digest"):
        problems.append("rules: the recorded rules do not match the recorded rules digest")
    statements = Statements.from_json(report.get("statements", {}))
    meta = {
        k: v
        for k, v in report["scan"].items()
        if k not in ("catalog_digest", "rules_digest", "frameworks", "observations")
    }
    derived = assemble(
        catalog,
        ruleset,
        statements,
        evidence,
        report["scan"].get("observations", {}),
        frameworks=list(report["scan"].get("frameworks", [])),
        scan_meta=meta,
    )
    problems.extend(_diff_grades(report, derived))
    return problems[:MAX_PROBLEMS]
