"""Benchmark: scan 200 GitLab projects x 5,000 production deployments against the request-bound limit.

The loopback GitLab API (sandbox/gitlab/api.py, cached listings: bench/estate/gitlab.py) sits
behind a proxy adding `--latency` per request, allowing `--concurrency` at once, and counting.
Minimal requests: for every listing the probe needs (the documented fixed plan per project,
docs/sources/gitlab.md), ceil(rows / 100) pages (100 is GitLab's maximum per_page; an empty
listing costs one), plus one request per single-object GET (project settings, CI file, DORA,
approval and note samples), each exactly once. T* = minimal / concurrency x latency.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.estate.gitlab import GROUP, CachedGitLabAPI, big_history
from bench.estate.harness import limit, report_row, run_scan
from bench.estate.proxy import LatencyProxy, Seen

TOKEN = "bench-" + "0" * 20
TOKEN_ENV = "BENCH_GITLAB_TOKEN"


def minimal_requests(seen: list[Seen], max_per_page: int = 100) -> int:
    """Fewest requests that fetch what the probe fetched: each distinct listing in pages of
    `max_per_page`, each distinct single GET once."""
    listings: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
    singles: set[str] = set()
    for s in seen:
        u = urlsplit(s.path)
        if s.total is None:  # a POST (GraphQL) is one query per distinct body
            singles.add(f"{s.method} {s.path} {s.body_digest}" if s.method == "POST" else s.path)
            continue
        q = tuple(sorted((k, v) for k, v in parse_qsl(u.query) if k not in ("page", "per_page")))
        listings[(u.path, q)] = s.total
    return len(singles) + sum(max(1, math.ceil(n / max_per_page)) for n in listings.values())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--projects", type=int, default=200)
    ap.add_argument("--deployments", type=int, default=5_000)
    ap.add_argument("--latency", type=float, default=0.02)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--rate", type=float, default=None, help="rate_limit_per_s of the source")
    args = ap.parse_args(argv)

    history = big_history(args.projects, args.deployments)
    api = CachedGitLabAPI(history, token=TOKEN)
    api.start()
    proxy = LatencyProxy(api.url, latency_s=args.latency, concurrency=args.concurrency).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source: dict[str, object] = {
                "name": "gitlab",
                "probe": "gitlab",
                "url": proxy.url,
                "token_env": TOKEN_ENV,
                "groups": [GROUP],
                "concurrency": args.concurrency,
                "timeout_s": 3600,
            }
            if args.rate:
                source["rate_limit_per_s"] = args.rate
            fig = run_scan(Path(tmp), [source], env={**os.environ, TOKEN_ENV: TOKEN})
        minimal = minimal_requests(proxy.seen)
        by_kind: dict[str, int] = defaultdict(int)
        for s in proxy.seen:
            parts = urlsplit(s.path).path.split("/")
            by_kind[parts[5] if len(parts) > 5 else "/".join(parts[3:5])] += 1
        t_star = limit(minimal, args.concurrency, args.latency)
        made = proxy.count
        print(
            f"estate: {args.projects} projects x {args.deployments} production deployments "
            f"({args.projects * args.deployments} in all); latency {args.latency * 1000:.0f} ms, "
            f"concurrency {args.concurrency}, max in flight {proxy.max_in_flight}"
        )
        print("requests by endpoint: " + ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items())))
        case = (
            f"{args.projects} projects x {args.deployments} deploys, {args.latency * 1000:.0f} ms / {args.concurrency}"
        )
        return report_row("gitlab", made, minimal, t_star, fig, case=case)
    finally:
        proxy.stop()
        api.stop()


if __name__ == "__main__":
    sys.exit(main())
