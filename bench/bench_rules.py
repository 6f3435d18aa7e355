"""Benchmark: the whole installed rule set over 100k synthetic evidence items.

Targets (issue 3): evaluated in <= 2 s on one core, peak RSS <= 300 MB. The evidence is shaped
after what the rules read: for every kind a rule uses, items carry every field path its
conditions mention, with values of mixed types, so predicates do real work.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.estate.harness import record
from scanner.catalog import load_catalog
from scanner.evidence import Evidence
from scanner.probe import load_probes
from scanner.rules import evaluate_rules, load_rules


def _paths(node: Any, kind: str | None, out: dict[str, set[str]]) -> None:
    if isinstance(node, dict):
        k = node.get("kind") if isinstance(node.get("kind"), str) else kind
        if isinstance(node.get("path"), str) and k:
            out.setdefault(k, set()).add(node["path"])
        for v in node.values():
            _paths(v, k, out)
    elif isinstance(node, list):
        for v in node:
            _paths(v, kind, out)


def _value(rng: random.Random) -> Any:
    return rng.choice(
        [True, False, 0, 1, 2, 3, 0.5, 0.999, "production", "warning", "critical", "x > 0.8", [1, 2], {"a": 1}, None]
    )


def _set(data: dict[str, Any], parts: list[str], value: Any) -> None:
    for p in parts[:-1]:
        nxt = data.setdefault(p, {})
        if not isinstance(nxt, dict):
            return
        data = nxt
    data[parts[-1]] = value


def synthetic(n: int, kinds: dict[str, set[str]], seed: int = 7) -> Iterator[Evidence]:
    rng = random.Random(seed)
    names = sorted(kinds) or ["bench.item"]
    for i in range(n):
        kind = names[i % len(names)]
        data: dict[str, Any] = {}
        for path in kinds.get(kind, ()):
            parts = path.split(".")
            if parts[0] == "data" and len(parts) > 1:
                _set(data, parts[1:], _value(rng))
        yield Evidence.make(
            kind, f"ns-{i % 200}/item-{i}", data, "bench://", source="bench", collected_at="2026-01-01T00:00:00Z"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    catalog = load_catalog()
    kinds = set(load_probes().kinds())
    ruleset = load_rules(requirement_ids=set(catalog.requirements), kinds=kinds)
    used: dict[str, set[str]] = {}
    for r in ruleset.rules:
        for k in r.doc.evidence:
            used.setdefault(k, set())
        _paths(r.doc.condition, None, used)
    t0 = time.perf_counter()
    evidence = list(synthetic(args.items, used))
    build_s = time.perf_counter() - t0
    observations = {k: {"observed": True} for k in kinds}
    best = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        evaluate_rules(ruleset, evidence, observations)
        best = min(best, time.perf_counter() - t)
    # The worst case: every item of the one kind the most rules read (Kubernetes workloads).
    from bench.bench_memory import workload

    n_items = len(evidence)
    del evidence
    workloads = [workload(i) for i in range(args.items)]
    worst = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        evaluate_rules(ruleset, workloads, observations)
        worst = min(worst, time.perf_counter() - t)
    heavy = sum(1 for r in ruleset.rules if "kubernetes.workload" in r.doc.evidence)
    print(f"rules: worst case, {args.items} kubernetes.workload items read by {heavy} rules: {worst:.3f} s")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rules: {len(ruleset.rules)} rules over {n_items} evidence items ({len(used)} kinds)")
    print(
        f"rules: evaluation best of {args.repeat}: {best:.3f} s (target <= 2 s)  [building the items took {build_s:.1f} s]"
    )
    print(f"rules: peak RSS {rss_mb:.0f} MB (target <= 300 MB)")
    ok = best <= 2.0 and rss_mb <= 300
    record(
        "rules",
        f"{len(ruleset.rules)} rules x {n_items:,} items ({len(used)} kinds); worst case {worst:.2f} s",
        "evaluation, in-process (best of repeats)",
        f"{best:.2f} s",
        "",
        "",
        "<= 2 s, <= 300 MB",
        ok,
    )
    print(f"rules: {'PASS' if ok else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
