"""Benchmark: peak RSS of `maturity scan` (its own process) at 100k and 400k evidence items and
at 40k live Kubernetes workloads.

Each case is a whole scan through the CLI: the loopback Kubernetes API (sandbox/kubernetes,
estate from bench/estate/kubernetes.py: every workload with a Service, a ReplicaSet, and every
other one an HPA and a PDB) behind the counting proxy, `maturity scan` with one `kubernetes`
source, collection, rules, grading, sealing, and report.json written. The peak RSS is the child's
own (wait4 rusage). An `--items` case sizes the estate to about that many evidence items (about
3 per workload) and prints the count the report gives; a `--workloads` case sizes it in workloads.
Targets (issue 22): <= 300 MB at 100k items, <= 512 MiB (the shipped CronJob's limit) at 40k
workloads. `workload()` is the item shape bench_rules.py evaluates.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.estate.harness import ScanFigures, record, run_scan
from bench.estate.kubernetes import TOKEN, estate_objects, live_source
from bench.estate.proxy import LatencyProxy
from sandbox.kubernetes import KubeApiServer
from scanner.evidence import Evidence


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


ITEMS_PER_WORKLOAD = 3.02  # measured: 10k workloads in 200 namespaces give 30,202 items
# Peak RSS is in MiB (ru_maxrss KiB / 1024); the 300 MB is 286 MiB.
ITEMS_TARGET = {100_000: (300e6 / 2**20, "300 MB")}
WORKLOADS_TARGET = (512.0, "512 MiB")


def _scan(workloads: int, namespaces: int, latency: float, concurrency: int) -> ScanFigures:
    objects = list(estate_objects(workloads, namespaces))
    server = KubeApiServer(objects, token=TOKEN).start()
    del objects
    proxy = LatencyProxy(server.url, latency_s=latency, concurrency=concurrency).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source = live_source(Path(tmp), proxy.url, concurrency=concurrency)
            return run_scan(Path(tmp) / "scan", [source], full_report=False)
    finally:
        proxy.stop()
        server.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, nargs="*", default=[100_000, 400_000], help="evidence-item cases")
    ap.add_argument("--workloads", type=int, nargs="*", default=[40_000], help="live-workload cases")
    ap.add_argument("--namespaces", type=int, default=200)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args(argv)
    cases: list[tuple[str, int, tuple[float, str] | None]] = [
        (f"{n:,} evidence items", max(1, round(n / ITEMS_PER_WORKLOAD)), ITEMS_TARGET.get(n)) for n in args.items
    ]
    cases += [(f"{n:,} live workloads", n, WORKLOADS_TARGET) for n in args.workloads]
    failed = 0
    for name, workloads, target in cases:
        t = time.monotonic()
        try:
            fig = _scan(workloads, args.namespaces, args.latency, args.concurrency)
        except RuntimeError as exc:  # the scan failed: say so, record it, go on with the next case
            print(f"memory: {name}: {exc}")
            record("memory", f"{name} ({workloads:,} workloads): {str(exc)[:120]}", "peak RSS", "", "", "", "", False)
            failed += 1
            continue
        met = None if target is None else fig.peak_rss_mb <= target[0]
        verdict = "" if target is None else f" (target <= {target[1]}): {'met' if met else 'MISS'}"
        print(
            f"memory: {name} ({workloads:,} workloads, {fig.evidence:,} items): peak RSS {fig.peak_rss_mb:.0f} MiB"
            f"{verdict}; process {fig.wall_s:.1f} s, collection {fig.source_s:.1f} s, cpu {fig.cpu_s:.1f} s, "
            f"source {fig.status} [{time.monotonic() - t:.0f} s with the estate]"
        )
        record(
            "memory",
            f"{name} ({workloads:,} workloads)",
            "peak RSS of maturity scan",
            f"{fig.peak_rss_mb:.0f} MiB",
            "",
            "",
            "" if target is None else f"<= {target[1]}",
            met,
            fig,
        )
        failed += fig.status not in ("ok", "partial")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
