"""`maturity merge`: combine the evidence bundles of sharded scans into one report.

Each bundle is verified (every file against its manifest hash, every evidence item against
its own hash) before anything is combined. Sources are taken from the shard that scanned them;
kinds are observed when some shard observed them and no shard failed them, exactly as within
one scan. The merged evidence is graded with the installed rules, or with the recorded rules
when every bundle recorded the same ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scanner import __version__
from scanner.attest import Statements
from scanner.bundle import Bundle, read_bundle
from scanner.canonical import sha256_of
from scanner.errors import InputError
from scanner.evidence import Evidence, now_iso
from scanner.pipeline import Inputs, assemble, rules_from_snapshot
from scanner.runner import SourceRun, observations_from
from scanner.storage import local_bundle_dir

__all__ = ["merge_bundles"]


def _check_items(bundle: Bundle, where: str) -> None:
    for ev in bundle.evidence:
        if sha256_of(ev.hashed_fields()) != ev.sha256:
            raise InputError(f"evidence {ev.id} does not match its hash", file=where)


def merge_bundles(
    locations: Sequence[str], inputs: Inputs, *, recorded_rules: bool = False
) -> tuple[dict[str, Any], list[Evidence], dict[str, Any]]:
    """Read, verify and combine bundles; returns (report, evidence, manifest) like a scan."""
    if not locations:
        raise InputError("merge needs at least one evidence bundle")
    bundles: list[Bundle] = []
    for loc in locations:
        with local_bundle_dir(loc) as d:
            b = read_bundle(d)
            _check_items(b, loc)
            bundles.append(b)
    runs: dict[str, SourceRun] = {}
    for b in bundles:
        for doc in b.manifest.get("sources", []):
            run = SourceRun.from_json(doc)
            if run.status == "skipped" and run.name in runs:
                continue
            if run.name in runs and runs[run.name].status != "skipped":
                raise InputError(f"source {run.name!r} was scanned by more than one shard", file=str(b.path))
            runs[run.name] = run
    evidence: dict[str, Evidence] = {}
    for b in bundles:
        for ev in b.evidence:
            evidence.setdefault(ev.id, ev)
    kinds = inputs.registry.kinds()
    for b in bundles:
        for k in b.manifest.get("observations", {}):
            kinds.setdefault(k, "")
    ordered = sorted(runs.values(), key=lambda r: r.name)
    observations = {k: v.to_json() for k, v in observations_from(ordered, kinds, inputs.registry.producers).items()}
    ruleset = inputs.ruleset
    digests = {b.manifest.get("rules_digest") for b in bundles}
    if recorded_rules:
        if len(digests) != 1:
            raise InputError("--recorded-rules: the bundles were scanned with different rules")
        ruleset = rules_from_snapshot(bundles[0].rules, inputs.catalog)
    statements = (
        inputs.statements if inputs.config.path != "<defaults>" else Statements.from_json(bundles[0].statements)
    )
    started = min(str(b.manifest.get("started", now_iso())) for b in bundles)
    finished = max(str(b.manifest.get("finished", now_iso())) for b in bundles)
    meta = {
        "started": started,
        "finished": finished,
        "scanner_version": __version__,
        "config_digest": sha256_of(sorted(str(b.manifest.get("config_digest", "")) for b in bundles)),
        "sources": [r.to_json() for r in ordered],
        "merged_from": [str(loc) for loc in locations],
    }
    frameworks = list(bundles[0].manifest.get("frameworks") or inputs.config.frameworks)
    items = sorted(evidence.values(), key=lambda e: e.id)
    report = assemble(inputs.catalog, ruleset, statements, items, observations, frameworks=frameworks, scan_meta=meta)
    manifest = {
        "scanner_version": __version__,
        "started": started,
        "finished": finished,
        "config_digest": meta["config_digest"],
        "catalog_digest": inputs.catalog.digest,
        "rules_digest": ruleset.digest,
        "frameworks": frameworks,
        "sources": meta["sources"],
        "observations": observations,
        "merged_from": meta["merged_from"],
    }
    return report, items, manifest
