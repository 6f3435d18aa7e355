"""Side by side with Prowler: the same moto estate, the overlapping services (S3, DynamoDB,
CloudWatch, RDS), `maturity scan` with only the AWS source versus `prowler aws`.

Prowler lives in its own venv (bench/out/prowler-venv, built here with pip if missing, never by
`make test`) and reaches moto through AWS_ENDPOINT_URL. With `--count-requests` both tools go
through the same counting proxy (bench/estate/proxy.py, no added latency) and their request
counts are printed; the proxy shares moto's process and slows both, so timings are taken
without it by default. Whole-process and scan-phase ratios are printed; Prowler's scan phase is its wall time minus the time `prowler --version` takes (imports).
If the venv cannot be built or Prowler cannot run, the reason is printed and the script exits 0.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.estate.aws import REGIONS, seed, start_moto, write_credentials
from bench.estate.harness import OUT, record, run_scan
from bench.estate.proxy import LatencyProxy
from sandbox.aws import DUMMY_KEY, DUMMY_SECRET

VENV = OUT / "prowler-venv"
SERVICES = ["s3", "dynamodb", "cloudwatch", "rds"]


def _prowler() -> Path | None:
    exe = VENV / "bin" / "prowler"
    if exe.exists():
        return exe
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, timeout=300)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "prowler"], check=True, timeout=1800)
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"SKIP: cannot build the Prowler venv: {exc}")
        return None
    return exe if exe.exists() else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--per-region", type=int, default=500)
    ap.add_argument("--count-requests", action="store_true", help="route both through a counting proxy")
    args = ap.parse_args(argv)
    exe = _prowler()
    if exe is None:
        print("SKIP: Prowler is not available")
        _skipped("Prowler is not available (venv not built)")
        return 0
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},  # ours, not for Prowler's venv
        "AWS_ACCESS_KEY_ID": DUMMY_KEY,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET,
        "AWS_DEFAULT_REGION": REGIONS[0],
    }
    t = time.monotonic()
    ver = subprocess.run([str(exe), "--version"], capture_output=True, text=True, env=env, check=False, timeout=600)
    imports = time.monotonic() - t
    if ver.returncode != 0:
        print(f"SKIP: prowler --version failed: {ver.stderr[-500:]}")
        _skipped("prowler --version failed")
        return 0
    print(f"prowler {ver.stdout.strip()}; start-up (imports) {imports:.1f}s")
    server, moto_url = start_moto()
    proxy = LatencyProxy(moto_url, latency_s=0.0, concurrency=64).start() if args.count_requests else None
    url = proxy.url if proxy else moto_url
    try:
        t = time.monotonic()
        c = seed(moto_url, args.per_region)
        print(f"seeded {args.per_region} x {len(REGIONS)} regions in {time.monotonic() - t:.1f}s: {c}")
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            source = {
                "name": "aws",
                "probe": "aws",
                "regions": list(REGIONS),
                "endpoint_url": url,
                "profile": "bench",
                "credentials_file": str(write_credentials(work)),
                "retries": 1,
                "timeout_s": 1800,
            }
            ours = run_scan(work / "maturity", [source])
            ours_requests = proxy.count if proxy else ours.probe_requests
            if proxy:
                proxy.reset()
            cmd = [str(exe), "aws", "--services", *SERVICES, "-f", *REGIONS, "--output-formats", "csv"]
            cmd += ["--output-directory", str(work / "prowler"), "--no-banner"]
            t = time.monotonic()
            p = subprocess.run(
                cmd, capture_output=True, text=True, env={**env, "AWS_ENDPOINT_URL": url}, check=False, timeout=7200
            )
            theirs = time.monotonic() - t
            theirs_requests = f"{proxy.count} requests" if proxy else "requests not counted (--count-requests)"
            findings = sum(
                max(0, len(f.read_text(errors="replace").splitlines()) - 1) for f in (work / "prowler").rglob("*.csv")
            )
        print(
            f"prowler exit {p.returncode}; {findings} findings; services {', '.join(SERVICES)}; regions {', '.join(REGIONS)}"
        )
        if p.returncode not in (0, 3) or findings == 0:
            print("prowler stderr (tail): " + p.stderr[-800:].replace("\n", " | "))
        scan_theirs = max(0.001, theirs - imports)
        print(
            f"maturity scan (aws only): process {ours.wall_s:.1f}s (cpu {ours.cpu_s:.1f}s), collection {ours.source_s:.1f}s, "
            f"{ours_requests} requests, {ours.evidence} evidence items"
        )
        print(f"prowler aws: process {theirs:.1f}s, scan phase ~{scan_theirs:.1f}s, {theirs_requests}")
        print(
            f"ratio whole-process {theirs / ours.wall_s:.1f}x, scan phase {scan_theirs / max(ours.source_s, 0.001):.1f}x (prowler / maturity)"
        )
        speedup = theirs / ours.wall_s
        record(
            "aws vs prowler",
            f"{len(REGIONS)} regions x {args.per_region}; scan phase {scan_theirs / max(ours.source_s, 0.001):.1f}x; "
            f"prowler exit {p.returncode}, {findings} findings",
            "process vs prowler aws process",
            f"{ours.wall_s:.1f} s",
            f"{theirs:.1f} s",
            f"{speedup:.1f}x faster",
            ">= 10x faster",
            speedup >= 10,
            ours,
        )
        return 0
    finally:
        if proxy:
            proxy.stop()
        server.stop()


def _skipped(why: str) -> None:
    record("aws vs prowler", f"skipped: {why}", "process vs prowler aws process", "", "", "", ">= 10x faster", None)


if __name__ == "__main__":
    sys.exit(main())
