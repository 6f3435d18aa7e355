"""Benchmark: scan a real Prometheus holding 5,000 alerting and recording rules.

Prometheus (the Debian package's /usr/bin/prometheus, started by sandbox/prometheus/) loads
generated rule files (bench/estate/prometheus.py); a proxy in front adds `--latency` per
request, allows `--concurrency` at once, and counts. The probe's plan is a fixed set of
endpoints (one /api/v1/rules answer carries every rule) plus two SLO queries per SLI-named
recording rule (at most 20), so minimal requests = the distinct requests it needs, each once.
T* = minimal / concurrency x latency. The SLO path is covered: the SLI recording rules have 31
days of backfilled history (promtool), so the probe's 30-day SLO queries read real series and
`rules/prometheus/slo.yaml` grades the `prometheus.slo` evidence; the run fails if there is none.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.estate.harness import limit, report_row, run_scan
from bench.estate.prometheus import PROMETHEUS_YML, rule_files, sli_history
from bench.estate.proxy import LatencyProxy
from sandbox.prometheus import backfill, free_port, render, start_prometheus


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rules", type=int, default=5_000, help="alerting + recording rules")
    ap.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    ap.add_argument("--concurrency", type=int, default=4, help="requests the API allows at once (= source concurrency)")
    ap.add_argument("--sli", type=int, default=10, help="SLI recording rules with 30 days of history (the SLO path)")
    args = ap.parse_args(argv)

    if shutil.which("prometheus") is None:
        print("skipped: prometheus is not installed (apt-get install prometheus)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        port = free_port()
        t = time.monotonic()
        files = rule_files(args.rules, sli=args.sli)
        history = sli_history(files)
        if history:
            backfill(work / "prom" / "data", history)
        prom = start_prometheus(work / "prom", render(PROMETHEUS_YML, {"SELF": f"127.0.0.1:{port}"}), files, port=port)
        started = time.monotonic() - t
        proxy = LatencyProxy(prom.url, latency_s=args.latency, concurrency=args.concurrency).start()
        try:
            source = {"name": "prom", "probe": "prometheus", "url": proxy.url, "concurrency": args.concurrency}
            fig = run_scan(work / "scan", [source])
        finally:
            proxy.stop()
            prom.stop()
    seen = proxy.seen
    repeated = sorted({s.path for s in seen if sum(1 for o in seen if o.path == s.path) > 1})
    minimal = len({(s.method, s.path) for s in seen})  # every distinct request once
    t_star = limit(minimal, args.concurrency, args.latency)
    kinds: dict[str, int] = {}
    for e in fig.report.get("evidence", []):
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    rules_path = next((s.path for s in seen if s.path.startswith("/api/v1/rules")), "")
    print(
        f"estate: {args.rules} rules in {len(files)} files (Prometheus up in {started:.1f}s); "
        f"alerting {kinds.get('prometheus.alert_rule', 0)}, recording {kinds.get('prometheus.recording_rule', 0)}, "
        f"slo {kinds.get('prometheus.slo', 0)} (of {len(history)} SLIs with history)"
    )
    slo_rules = _rule_statuses(fig.report.get("frameworks", []), "prometheus.slo.")
    print("SLO rules: " + ", ".join(f"{k} {'/'.join(sorted(v))}" for k, v in sorted(slo_rules.items())))
    print(
        f"latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency}; {len(seen)} requests "
        f"({rules_path or 'no /api/v1/rules'}), max in flight {proxy.max_in_flight}"
        + (f"; asked more than once: {', '.join(repeated)}" if repeated else "")
    )
    case = f"{args.rules} rules, {len(history)} SLIs, {args.latency * 1000:.0f} ms / {args.concurrency}"
    rc = report_row("prometheus", len(seen), minimal, t_star, fig, case=case)
    if history and not kinds.get("prometheus.slo"):
        print("the SLO path yielded no prometheus.slo evidence")
        return 1
    return rc


def _rule_statuses(root: object, prefix: str) -> dict[str, set[str]]:
    """Every status the report gives rules whose id starts with `prefix` (per clause they decide)."""
    out: dict[str, set[str]] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            rid, status = node.get("id"), node.get("status")
            if isinstance(rid, str) and rid.startswith(prefix) and isinstance(status, str):
                out.setdefault(rid, set()).add(status)
            stack.extend(node.values())
    return out


if __name__ == "__main__":
    sys.exit(main())
