"""Benchmark: scan 3 regions x 500 resources on moto against the request-bound limit.

moto (ThreadedMotoServer) holds the estate (bench/estate/aws.py); a proxy adds `--latency` per
request, allows `--concurrency` at once and counts requests by `service:Operation@region`.
Minimal requests: the big lists (DescribeAlarms, DescribeDBInstances, ListTables) in pages of
100, the API's largest; every other distinct request once (S3 has no batch read: versioning
and replication cost one request per bucket, location one per bucket only where neither the
listing nor a filtered listing names its region; DynamoDB table and PITR one each per table), so
a repeated identical request or a page smaller than the largest counts as excess.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.estate.aws import REGIONS, Counts, seed, start_moto, write_credentials
from bench.estate.harness import limit, report_row, run_scan
from bench.estate.proxy import LatencyProxy, Seen

PAGED = {"monitoring:DescribeAlarms": "alarms", "rds:DescribeDBInstances": "databases", "dynamodb:ListTables": "tables"}


def minimal_requests(seen: list[Seen], c: Counts, regions: tuple[str, ...], page: int = 100) -> int:
    """See the module docstring."""
    distinct = {(s.op, s.path, s.body_digest) for s in seen if s.op.split("@")[0] not in PAGED}
    paged: int = sum(max(1, math.ceil(int(getattr(c, attr)) / page)) for attr in PAGED.values()) * len(regions)
    return len(distinct) + paged


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--per-region", type=int, default=500)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args(argv)

    server, url = start_moto()
    try:
        t = time.monotonic()
        c = seed(url, args.per_region)
        print(f"seeded {args.per_region} resources x {len(REGIONS)} regions in {time.monotonic() - t:.1f}s: {c}")
        proxy = LatencyProxy(url, latency_s=args.latency, concurrency=args.concurrency).start()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                work = Path(tmp)
                source = {
                    "name": "aws",
                    "probe": "aws",
                    "regions": list(REGIONS),
                    "endpoint_url": proxy.url,
                    "profile": "bench",
                    "credentials_file": str(write_credentials(work)),
                    "concurrency": args.concurrency,
                    "retries": 1,
                    "timeout_s": 1800,
                }
                fig = run_scan(work, [source])
            minimal = minimal_requests(proxy.seen, c, REGIONS)
            made = proxy.count
            ops = Counter(s.op.split("@")[0] for s in proxy.seen)
            print(
                f"latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency}, max in flight {proxy.max_in_flight}"
            )
            print("requests by operation: " + ", ".join(f"{k} {v}" for k, v in sorted(ops.items())))
            t_star = limit(minimal, args.concurrency, args.latency)
            case = f"{len(REGIONS)} regions x {args.per_region}, {args.latency * 1000:.0f} ms / {args.concurrency}"
            return report_row("aws", made, minimal, t_star, fig, case=case, target=1.25)
        finally:
            proxy.stop()
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
