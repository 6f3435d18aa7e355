"""Benchmark: peak memory of grading and writing a report of 100k evidence items.

Target (issue 10): peak RSS <= 300 MB at 100k evidence items. The items look like what the
Kubernetes probe records for a workload (about 20 fields), and the run does everything a scan
does after collection: evaluate the installed rules, grade, seal (digest), write report.json and
the evidence bundle.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from scanner.attest import Statements
from scanner.bundle import write_bundle
from scanner.catalog import load_catalog
from scanner.evidence import Evidence
from scanner.pipeline import assemble
from scanner.probe import load_probes
from scanner.report import write_report
from scanner.rules import load_rules


def workload(i: int) -> Evidence:
    ns = f"team-{i % 200:03d}"
    data = {
        "namespace": ns,
        "kind": "Deployment",
        "name": f"svc-{i}",
        "replicas": 1 + i % 4,
        "min_replicas": 1 + i % 3,
        "containers": 1 + i % 2,
        "readiness_probe": i % 5 != 0,
        "liveness_probe": i % 7 != 0,
        "startup_probe": i % 11 == 0,
        "requests_ratio": 1.0 if i % 6 else 0.5,
        "limits_ratio": 1.0 if i % 8 else 0.0,
        "strategy": "RollingUpdate",
        "max_unavailable": "25%",
        "zone_spread": i % 3 == 0,
        "hpa": i % 4 == 0,
        "pdb": i % 5 == 0,
        "owner": f"team-{i % 50}" if i % 9 else None,
        "labels": {"app": f"svc-{i}", "team": f"team-{i % 50}", "tier": "backend"},
        "images": [f"registry.example.com/{ns}/svc-{i}:1.{i % 30}.0"],
        "revisions": i % 10,
    }
    return Evidence.make(
        "kubernetes.workload",
        f"{ns}/Deployment/svc-{i}",
        data,
        f"https://k8s.example.com/apis/apps/v1/namespaces/{ns}/deployments",
        source="cluster",
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100_000)
    args = ap.parse_args()
    catalog = load_catalog()
    kinds = set(load_probes().kinds())
    ruleset = load_rules(requirement_ids=set(catalog.requirements), kinds=kinds)
    t0 = time.perf_counter()
    evidence = [workload(i) for i in range(args.items)]
    t_collect = time.perf_counter() - t0
    observations = {k: {"observed": k.startswith("kubernetes."), "sources": ["cluster"], "reason": None} for k in kinds}
    meta = {"started": "2026-11-22T00:00:00Z", "finished": "2026-11-22T00:01:00Z", "config_digest": "", "sources": []}
    t1 = time.perf_counter()
    report = assemble(
        catalog,
        ruleset,
        Statements([], []),
        evidence,
        observations,
        frameworks=["ydt1756-4", "aws-wa-ops"],
        scan_meta=meta,
    )
    t_grade = time.perf_counter() - t1
    with tempfile.TemporaryDirectory() as tmp:
        t2 = time.perf_counter()
        write_report(Path(tmp) / "report.json", report)
        write_bundle(Path(tmp) / "evidence", manifest={}, evidence=evidence, rules=report["rules"], statements={})
        t_write = time.perf_counter() - t2
        size = (Path(tmp) / "report.json").stat().st_size
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"memory: {len(evidence)} evidence items: making them {t_collect:.1f} s, grading and sealing {t_grade:.1f} s, writing {t_write:.1f} s; report.json {size / 1e6:.0f} MB"
    )
    print(f"memory: peak RSS {rss:.0f} MB (target <= 300 MB): {'PASS' if rss <= 300 else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
