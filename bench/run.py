"""`make bench`: run the benchmarks in bench/, each in its own process, then print one
side-by-side table of what they measured.

Rows of the table (each script adds its own through bench.estate.harness.record):
  kubernetes, gitlab, aws, prometheus   the source's collection time vs T*, its request-bound limit
  files                                 a files scan of 5,000 rules vs `promtool check rules`
  prowler                               `maturity scan` (AWS only) vs `prowler aws`, same moto estate
  memory                                peak RSS of `maturity scan` at 100k / 400k items, 40k workloads
  rules                                 every installed rule over 100k synthetic items (in-process)
  html                                  first paint of a 100k-item report in Chromium (--only html)
Every scan runs the installed `maturity scan` as a child process; `load` is the 1-minute load
average before and after the script (/proc/loadavg). `--quick` runs the benchmarks at small
sizes, Prowler left out (a smoke run: its figures say nothing about speed). See
docs/performance.md, "Reproduce".
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.estate.harness import RESULTS_ENV, table

HERE = Path(__file__).resolve().parent

# name -> (script, arguments of the quick run); the full run uses each script's defaults.
BENCHES: dict[str, tuple[str, list[str]]] = {
    "kubernetes": (
        "bench_scan_kubernetes.py",
        ["--workloads", "300", "--namespaces", "10", "--latency", "0.01", "--page-size", "100"],
    ),
    "gitlab": ("bench_scan_gitlab.py", ["--projects", "2", "--deployments", "300", "--latency", "0.005"]),
    "aws": ("bench_scan_aws.py", ["--per-region", "20", "--latency", "0.01"]),
    "prometheus": ("bench_scan_prometheus.py", ["--rules", "200", "--latency", "0.01", "--sli", "4"]),
    "files": ("bench_files.py", ["--rules", "200", "--repeat", "1"]),
    "prowler": ("bench_prowler.py", ["--per-region", "10"]),
    "memory": ("bench_memory.py", ["--items", "3000", "--workloads", "1000"]),
    "rules": ("bench_rules.py", ["--items", "5000", "--repeat", "1"]),
    "html": ("bench_html.py", ["--items", "2000"]),
}
# html needs Chromium: ask for it with --only html. Prowler takes minutes even on a tiny estate
# (it runs all its checks), so a quick run leaves it out unless asked for with --only.
DEFAULT = [n for n in BENCHES if n != "html"]
QUICK_DEFAULT = [n for n in DEFAULT if n != "prowler"]


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text(encoding="ascii").split()[0]
    except OSError:
        return "?"


def _rows(path: Path, seen: int) -> list[dict[str, str]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[seen:]
    return [json.loads(line) for line in lines if line.strip()]


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="bench/run.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="small estates: a smoke run of the benchmark code")
    ap.add_argument(
        "--only",
        nargs="+",
        choices=list(BENCHES),
        metavar="NAME",
        help=f"run only these (of {', '.join(BENCHES)}; default all but html, and but prowler with --quick)",
    )
    ap.add_argument("--results", type=Path, help="also write the table's rows here (JSON lines)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    names = args.only or (QUICK_DEFAULT if args.quick else DEFAULT)
    failures: list[str] = []
    rows: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results.jsonl"
        results.write_text("", encoding="utf-8")
        env = {**os.environ, RESULTS_ENV: str(results)}
        for name in names:
            script, quick = BENCHES[name]
            cmd = [sys.executable, str(HERE / script), *(quick if args.quick else [])]
            print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
            before, t = _load(), time.monotonic()
            rc = subprocess.call(cmd, cwd=HERE.parent, env=env)
            took, after = time.monotonic() - t, _load()
            print(f"== {name}: exit {rc} in {took:.1f}s\n", flush=True)
            new = _rows(results, len(rows))
            for row in new:
                row["load"] = f"{before}->{after}"
            rows += new
            if rc != 0:
                failures.append(f"{name} (exit {rc})")
            elif not new and name not in ("html",):
                failures.append(f"{name} (no figures)")
    if args.results:
        args.results.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"== summary{' (quick: smoke run, not figures)' if args.quick else ''}")
    print(table(rows) if rows else "no figures")
    if failures:
        print("failed: " + ", ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
