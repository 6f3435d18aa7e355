"""`maturity merge`: combine the evidence bundles of sharded scans into one report.

Each bundle is verified (every file against its manifest hash, every evidence item against
its own hash) before anything is combined. Sources are taken from the shard that scanned them;
kinds are observed when some shard observed them and no shard failed them, exactly as within
one scan. The merged evidence is graded with the installed rules, or with the recorded rules
when every bundle recorded the same ones (and they match the recorded rules digest).

Every shard's manifest records its run id, `I/N`, the shard plan (which shard scans which unit
of work), and the config and rules digests. Merge always refuses bundles of different runs or
splits and the same shard twice. It refuses a missing shard, bundles scanned with different
configs or rules, and shards that planned differently (an AWS Organization that gained an
account between two shards' ListAccounts), unless `allow_partial`: then the units of the
missing shards are failed (their clauses `unknown`, never `not_met`), and the report's
`scan.shards` names the missing shards (`missing`) and what differed (`mixed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scanner.attest import Statements
from scanner.bundle import Bundle, manifest_from_scan, read_bundle
from scanner.canonical import sha256_of
from scanner.errors import InputError
from scanner.evidence import Evidence, now_iso
from scanner.pipeline import Inputs, assemble, rules_from_snapshot
from scanner.rules import RuleSet
from scanner.runner import SourceRun, observations_from
from scanner.scanmeta import scan_meta
from scanner.shard import shard_index
from scanner.storage import local_bundle_dir

__all__ = ["merge_bundles", "recorded_ruleset"]


def _check_items(bundle: Bundle, where: str) -> None:
    for ev in bundle.evidence:
        if sha256_of(ev.hashed_fields()) != ev.sha256:
            raise InputError(f"evidence {ev.id} does not match its hash", file=where)


def recorded_ruleset(bundle: Bundle, catalog: Any, where: str) -> RuleSet:
    """The rules recorded in a bundle, refused unless they are the rules its scan was graded
    with (their digest must equal the sealed manifest's `rules_digest`)."""
    ruleset = rules_from_snapshot(bundle.rules, catalog)
    if ruleset.digest != bundle.manifest.get("rules_digest"):
        raise InputError(
            "--recorded-rules: the recorded rules do not match the scan's rules digest (rules.json was rewritten)",
            file=where,
            field="rules_digest",
        )
    return ruleset


def _shard_of(b: Bundle, where: str) -> tuple[str, int, int]:
    info = b.manifest.get("shard")
    if not isinstance(info, dict):
        return "", 0, 1  # a merged bundle or an unsharded scan: one whole part
    try:
        run_id, index, count = str(info["run_id"]), int(info["index"]), int(info["count"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"bad shard record: {exc}", file=where, field="shard") from exc
    if count < 1 or not 0 <= index < count:
        raise InputError(f"bad shard record {index}/{count}", file=where, field="shard")
    return run_id, index, count


def _mixed(bundles: list[Bundle], allow_partial: bool) -> dict[str, Any]:
    """What the bundles disagree on (config, rules, shard plan): refused unless allow_partial."""
    mixed: dict[str, Any] = {}
    for key, what in (("config_digest", "configs"), ("rules_digest", "rules")):
        values = sorted({str(b.manifest.get(key, "")) for b in bundles})
        if len(values) > 1:
            mixed[f"{key}s"] = values
            if not allow_partial:
                raise InputError(
                    f"merge: the bundles were scanned with different {what} ({key}s differ); "
                    "rescan with one config and one scanner version, or --allow-partial"
                )
    plans = [b.manifest["shard"]["plan"] for b in bundles if isinstance(b.manifest.get("shard", {}).get("plan"), dict)]
    if any(p != plans[0] for p in plans):
        units = sorted({u for p in plans for u in p if any(u not in q or q[u] != p[u] for q in plans)})
        mixed["plan_differs_for"] = units[:50]
        if not allow_partial:
            raise InputError(
                "merge: the shards planned different units of work (a fleet changed between shards: "
                f"{', '.join(units[:5])}); rescan, or --allow-partial"
            )
    return mixed


def _check_shards(bundles: list[Bundle], locations: Sequence[str], allow_partial: bool) -> dict[str, Any]:
    """One run, one split, each shard once; returns the report's `shards` record."""
    parts = [_shard_of(b, str(loc)) for b, loc in zip(bundles, locations, strict=True)]
    runs = sorted({p[0] for p in parts})
    if len(runs) > 1:
        raise InputError(f"merge: the bundles come from different runs ({', '.join(r or '?' for r in runs)})")
    counts = sorted({p[2] for p in parts})
    if len(counts) > 1:
        raise InputError(f"merge: the bundles split the sources differently (N = {', '.join(map(str, counts))})")
    count = counts[0]
    seen: dict[int, str] = {}
    for (_run, index, _n), loc in zip(parts, locations, strict=True):
        if index in seen:
            raise InputError(f"merge: shard {index}/{count} given twice ({seen[index]} and {loc})")
        seen[index] = str(loc)
    mixed = _mixed(bundles, allow_partial)
    missing = [f"{i}/{count}" for i in range(count) if i not in seen]
    if missing and not allow_partial:
        raise InputError(
            f"merge: shard(s) {', '.join(missing)} of run {runs[0] or '?'} are missing "
            "(pass every shard's bundle, or --allow-partial to grade without them)"
        )
    out = {"run_id": runs[0], "count": count, "merged": sorted(seen), "missing": missing}
    return out | ({"mixed": mixed} if mixed else {})


def _fail_missing(runs: dict[str, SourceRun], shards: dict[str, Any], inputs: Inputs, bundles: list[Bundle]) -> None:
    """Units that only a missing shard would have scanned: failed, with the shard named."""
    count, missing = shards["count"], set(shards["missing"])
    plan: dict[str, int] = {}
    for b in bundles:  # the recorded plans (equal unless allow_partial let mixed ones through)
        recorded = b.manifest.get("shard", {}).get("plan")
        if isinstance(recorded, dict):
            plan = {str(k): int(v) for k, v in recorded.items()} | plan
    for run in runs.values():
        # bundles written before plans were recorded split by a hash of the name
        spec = f"{plan.get(run.name, shard_index(run.name, count))}/{count}"
        if run.status == "skipped" and spec in missing:
            why = f"its shard {spec} is missing from the merge"
            run.error = why
            probe = inputs.registry.probes.get(run.probe)
            run.failed = {k: why for k in sorted(probe.kinds)} if probe is not None else {}


def merge_bundles(
    locations: Sequence[str], inputs: Inputs, *, recorded_rules: bool = False, allow_partial: bool = False
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
    shards = _check_shards(bundles, locations, allow_partial)
    runs: dict[str, SourceRun] = {}
    for b in bundles:
        shard = b.manifest.get("shard") or {}
        planned = shard.get("plan") or {}
        for doc in b.manifest.get("sources", []):
            run = SourceRun.from_json(doc)
            # a unit skipped by its own shard (an excluded account) keeps that shard's reason,
            # not another shard's "not in this shard"
            own = planned.get(run.name) == shard.get("index")
            if run.status == "skipped" and run.name in runs and not own:
                continue
            if run.name in runs and runs[run.name].status != "skipped":
                raise InputError(f"source {run.name!r} was scanned by more than one shard", file=str(b.path))
            runs[run.name] = run
    if shards["missing"]:
        _fail_missing(runs, shards, inputs, bundles)
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
        for b, loc in zip(bundles, locations, strict=True):
            ruleset = recorded_ruleset(b, inputs.catalog, str(loc))
    statements = (
        inputs.statements if inputs.config.path != "<defaults>" else Statements.from_json(bundles[0].statements)
    )
    own = inputs.config.path != "<defaults>"
    meta = scan_meta(
        started=min(str(b.manifest.get("started", now_iso())) for b in bundles),
        finished=max(str(b.manifest.get("finished", now_iso())) for b in bundles),
        sources=[r.to_json() for r in ordered],
        config=inputs.config if own else None,
        recorded=bundles[0].manifest,  # one config digest: checked above
        merged_from=[str(loc) for loc in locations],
        shards=shards,
    )
    frameworks = list(bundles[0].manifest.get("frameworks") or inputs.config.frameworks)
    items = sorted(evidence.values(), key=lambda e: e.id)
    report = assemble(inputs.catalog, ruleset, statements, items, observations, frameworks=frameworks, scan_meta=meta)
    manifest = manifest_from_scan(report["scan"])
    return report, items, manifest
