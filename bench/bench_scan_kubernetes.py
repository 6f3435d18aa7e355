"""Benchmark: scan 10k Kubernetes workloads in 200 namespaces against the request-bound limit.

The loopback API server (sandbox/kubernetes/api.py) serves the estate from memory; a proxy in front
adds `--latency` per request and allows `--concurrency` requests at once, and counts them.
Minimal requests: /api and /apis (discovery), then ceil(objects / page_size) list pages per
listed resource (an empty list still costs one page). T* = minimal / concurrency x latency, but
never less than the longest continue-token chain (pages of one list must follow each other).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.estate.harness import limit, report_row, run_scan
from bench.estate.kubernetes import TOKEN, estate_objects, live_source
from bench.estate.proxy import LatencyProxy
from sandbox.kubernetes import KubeApiServer


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workloads", type=int, default=10_000)
    ap.add_argument("--namespaces", type=int, default=200)
    ap.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    ap.add_argument("--concurrency", type=int, default=4, help="requests the API allows at once (= source concurrency)")
    ap.add_argument("--page-size", type=int, default=500)
    args = ap.parse_args(argv)

    objects = list(estate_objects(args.workloads, args.namespaces))
    server = KubeApiServer(objects, token=TOKEN).start()
    proxy = LatencyProxy(server.url, latency_s=args.latency, concurrency=args.concurrency).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            source = live_source(work, proxy.url, page_size=args.page_size, concurrency=args.concurrency)
            fig = run_scan(work, [source])
        lists = Counter(urlsplit(s.path).path for s in proxy.seen if "limit=" in s.path)
        per_list = {p: len(server.objects.get(_key(server, p), [])) for p in lists}
        pages = {p: max(1, math.ceil(n / args.page_size)) for p, n in per_list.items()}
        discovery = sum(1 for s in proxy.seen if "limit=" not in s.path)
        minimal = 2 + sum(pages.values())
        t_star = limit(minimal, args.concurrency, args.latency, chain=max(pages.values(), default=0))
        made = proxy.count
        print(f"estate: {args.workloads} workloads in {args.namespaces} namespaces, {len(objects)} objects")
        print(
            f"latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency}, page_size {args.page_size}; "
            f"{len(lists)} lists, {discovery} discovery GETs, max in flight {proxy.max_in_flight}"
        )
        case = f"{args.workloads} workloads / {args.namespaces} ns, {args.latency * 1000:.0f} ms / {args.concurrency}"
        return report_row("kubernetes", made, minimal, t_star, fig, case=case)
    finally:
        proxy.stop()
        server.stop()


def _key(server: KubeApiServer, path: str) -> tuple[str, str]:
    """(group, plural) of a cluster-wide list path like /apis/apps/v1/deployments."""
    parts = path.strip("/").split("/")
    if parts[0] == "api":
        return ("", parts[-1])
    return (parts[1], parts[-1])


if __name__ == "__main__":
    sys.exit(main())
