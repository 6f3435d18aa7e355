"""The scan pipeline: load inputs, run sources, evaluate rules, grade, assemble the report.

Every step after collection is a pure function of (evidence, observations, rules, catalog,
statements, scan date), which is what makes `rescore` and `verify` possible.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.attest import MAX_VALIDITY_MONTHS, Statements, load_statements
from scanner.bundle import manifest_from_scan
from scanner.catalog import Catalog, load_catalog
from scanner.config import ScanConfig, load_config
from scanner.evidence import Evidence, now_iso
from scanner.grade import grade
from scanner.locations import source_locations
from scanner.model import Status
from scanner.probe import ProbeRegistry, load_probes
from scanner.report import SCHEMA_ID, seal
from scanner.rules import RuleSet, default_rules_dir, evaluate_rules, load_rules
from scanner.runner import run_sources
from scanner.scanmeta import scan_meta
from scanner.scopes import scope_entries, scopes_from_meta

__all__ = ["Inputs", "assemble", "load_inputs", "rules_from_snapshot", "scan"]


@dataclass
class Inputs:
    config: ScanConfig
    catalog: Catalog
    registry: ProbeRegistry
    ruleset: RuleSet
    statements: Statements


def load_inputs(
    config_path: Path | None,
    *,
    registry: ProbeRegistry | None = None,
    rules_dir: Path | None = None,
    catalog: Catalog | None = None,
) -> Inputs:
    """Load and check everything a scan reads before it touches any source.

    `registry`, `rules_dir` and `catalog` default to what is installed; tests and third-party
    tools pass their own.
    """
    registry = registry or load_probes()
    config = load_config(config_path, probe_models=registry.config_models())
    catalog = catalog or load_catalog()
    rule_paths = [rules_dir or default_rules_dir(), *(config.resolve(p) for p in config.rules)]
    ruleset = load_rules(
        rule_paths,
        requirement_ids=catalog.decidable_ids(),
        kinds=set(registry.kinds()),
        overrides=config.rule_params,
    )
    statements = load_statements(
        [config.resolve(p) for p in [*config.attestations, *config.waivers]],
        requirement_ids=catalog.decidable_ids(),
        capability_ids=set(catalog.capabilities),
    )
    return Inputs(config, catalog, registry, ruleset, statements)


def rules_from_snapshot(snapshot: list[dict[str, Any]], catalog: Catalog) -> RuleSet:
    """Rebuild a rule set exactly as recorded (in a report or bundle), for verify and rescore.

    The recorded rules were linted when the scan ran; their kinds are taken as they are, so a
    report made with a third-party probe re-derives without that probe installed.
    """
    kinds = {k for r in snapshot if isinstance(r, dict) for k in r.get("evidence", []) if isinstance(k, str)}
    docs = []
    for i, r in enumerate(snapshot):
        d = {k: v for k, v in r.items() if k != "file"}
        docs.append((str(r.get("file", "<snapshot>")), i + 1, d))
    return load_rules(docs=docs, requirement_ids=catalog.decidable_ids(), kinds=kinds)


def assemble(
    inputs_catalog: Catalog,
    ruleset: RuleSet,
    statements: Statements,
    evidence: list[Evidence],
    observations: Mapping[str, Mapping[str, Any]],
    *,
    frameworks: list[str],
    scan_meta: dict[str, Any],
) -> dict[str, Any]:
    """The sealed report from evidence and observations (pure: same inputs, same report).

    `scan_meta` may carry `not_used` (systems declared not used), `statement_max_months`
    (the longest validity a statement may have) and `scopes`/`source_accounts` (each scope is
    graded by the same function over its evidence, scanner/scopes.py); all are recorded so
    verify re-derives.
    """
    not_used = sorted(set(scan_meta.get("not_used") or []))
    max_months = int(scan_meta.get("statement_max_months") or MAX_VALIDITY_MONTHS)
    results = evaluate_rules(ruleset, evidence, observations, not_used=not_used)
    on = dt.date.fromisoformat(str(scan_meta["started"])[:10])
    graded = grade(inputs_catalog, ruleset, results, statements, frameworks=frameworks, on=on, max_months=max_months)
    fws = [f.model_dump(mode="json") for f in graded.frameworks]
    cumulative = {fid for fid, fw in inputs_catalog.frameworks.items() if fw.cumulative}
    report: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "scan": {
            **scan_meta,
            "scanner_version": scan_meta.get("scanner_version", __version__),
            "catalog_digest": inputs_catalog.digest,
            "rules_digest": ruleset.digest,
            "frameworks": frameworks,
            "not_used": not_used,
            "statement_max_months": max_months,
            "observations": {k: dict(v) for k, v in sorted(observations.items())},
        },
        "summary": _summary(fws, cumulative),
        "frameworks": fws,
        "next_steps": [n.model_dump(mode="json") for n in graded.next_steps],
        "statements": [s.model_dump(mode="json") for s in graded.statements],
        "rules": ruleset.snapshot(),
        "evidence": [e.to_json() for e in sorted(evidence, key=lambda e: (e.source, e.kind, e.subject, e.id))],
    }
    scopes = scopes_from_meta(scan_meta)
    if scopes:

        def grade_scope(items: list[Evidence], obs: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
            res = evaluate_rules(ruleset, items, obs, not_used=not_used)
            g = grade(inputs_catalog, ruleset, res, statements, frameworks=frameworks, on=on, max_months=max_months)
            return [f.model_dump(mode="json") for f in g.frameworks]

        entries = scope_entries(
            scopes,
            evidence,
            observations,
            list(scan_meta.get("sources") or []),
            dict(scan_meta.get("source_accounts") or {}),
            grade_scope,
        )
        report["scopes"] = [{**e, "summary": _summary(e["frameworks"], cumulative)} for e in entries]
    return seal(report)


def _summary(frameworks: list[dict[str, Any]], cumulative: set[str]) -> dict[str, Any]:
    """Status counts per framework; mean levels over the capabilities in scope only (for the
    frameworks graded in cumulative levels)."""
    out: dict[str, Any] = {}
    for fw in frameworks:
        counts = {s.value: 0 for s in Status}
        for cap in fw["capabilities"]:
            for s, n in cap["counts"].items():
                counts[s] += n
        caps = [c for c in fw["capabilities"] if c["in_scope"]]
        entry: dict[str, Any] = {
            "statuses": counts,
            "capabilities": len(fw["capabilities"]),
            "in_scope": len(caps),
        }
        if fw["id"] in cumulative:
            entry["levels"] = {
                k: round(sum(c[k] for c in caps) / max(1, len(caps)), 2)
                for k in ("level", "level_verified", "level_ceiling")
            }
        out[fw["id"]] = entry
    return out


def scan(
    inputs: Inputs,
    *,
    cancel: threading.Event | None = None,
    on_event: Callable[[str, str], None] = lambda _s, _m: None,
    selected: set[str] | None = None,
    preset: Mapping[str, tuple[str, str]] | None = None,
    fleets: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], list[Evidence], dict[str, Any]]:
    """Run a scan; returns (report, evidence, bundle manifest). `preset` and `fleets` describe
    the units of an expanded config (scanner/fleet.py)."""
    started = now_iso()
    result = run_sources(
        inputs.config,
        inputs.registry,
        cancel=cancel,
        on_event=on_event,
        selected=selected,
        preset=preset,
        fleets=fleets,
    )
    observations = {k: v.to_json() for k, v in result.observations.items()}
    where = source_locations(inputs.config)  # for SARIF: each source's line in the config
    sources = [{**r.to_json(), **({"location": where[r.name]} if r.name in where else {})} for r in result.sources]
    meta = scan_meta(started=started, finished=now_iso(), sources=sources, config=inputs.config)
    report = assemble(
        inputs.catalog,
        inputs.ruleset,
        inputs.statements,
        result.evidence,
        observations,
        frameworks=list(inputs.config.frameworks),
        scan_meta=meta,
    )
    manifest = manifest_from_scan(report["scan"])
    return report, result.evidence, manifest
