"""Run `maturity scan` in a subprocess over one source and collect the figures benchmarks print."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["OUT", "ScanFigures", "limit", "run_scan", "table"]

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"
TIME = Path("/usr/bin/time")


@dataclass
class ScanFigures:
    wall_s: float  # the whole `maturity scan` process
    source_s: float  # the source's collection (report: sources[].duration_s)
    probe_requests: int  # what the probe counted
    peak_rss_mb: float
    cpu_s: float  # user + system CPU of the scan process (= wall when one core is saturated)
    status: str
    evidence: int
    report: dict[str, Any]

    @property
    def problems(self) -> str:
        """Why the source is not `ok`: its error and failed kinds (empty when ok)."""
        src = _source(self.report)
        failed = src.get("failed_kinds") or {}
        parts = [str(src["error"])] if src.get("error") else []
        parts += [f"{k}: {v}" for k, v in sorted(failed.items())]
        return "; ".join(parts)


def run_scan(workdir: Path, sources: list[dict[str, Any]], env: dict[str, str] | None = None) -> ScanFigures:
    """Scan `sources` with the installed CLI; peak RSS from /usr/bin/time -v (else getrusage)."""
    workdir.mkdir(parents=True, exist_ok=True)
    cfg = workdir / "maturity.yaml"
    cfg.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    out = workdir / "report.json"
    cmd = [sys.executable, "-m", "scanner.cli", "scan", "-c", str(cfg), "--json", str(out)]
    if TIME.exists():
        cmd = [str(TIME), "-v", *cmd]
    t = time.monotonic()
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, env=env, check=False)
    wall = time.monotonic() - t
    if proc.returncode not in (0, 1) or not out.exists():
        raise RuntimeError(f"scan failed ({proc.returncode}): {proc.stderr[-2000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if m:
        rss = int(m.group(1)) / 1024
    else:
        import resource

        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", proc.stderr))
    report = json.loads(out.read_text(encoding="utf-8"))
    src = _source(report)
    return ScanFigures(
        wall_s=wall,
        source_s=float(src.get("duration_s", 0.0)),
        probe_requests=int(src.get("requests", 0)),
        peak_rss_mb=rss,
        cpu_s=cpu,
        status=str(src.get("status", "?")),
        evidence=int(src.get("evidence_count", 0) or 0),
        report=report,
    )


def _source(report: dict[str, Any]) -> dict[str, Any]:
    sources = (report.get("scan") or {}).get("sources")
    if isinstance(sources, list) and sources:
        return dict(sources[0])
    if isinstance(sources, dict) and sources:
        return dict(next(iter(sources.values())))
    return {}


def limit(minimal: int, concurrency: int, latency_s: float, chain: int = 0) -> float:
    """T* for one source: minimal requests / allowed concurrency x latency (never below the
    longest chain of requests that must follow each other, e.g. continue tokens)."""
    return max(math.ceil(minimal / concurrency), chain) * latency_s


def report_row(source: str, made: int, minimal: int, t_star: float, fig: ScanFigures) -> int:
    """Print the figures of one benchmarked source (and why it was not ok); the exit code."""
    row = {
        "source": source,
        "requests": made,
        "minimal": minimal,
        "req_ratio": made / minimal if minimal else 0.0,
        "T*_s": t_star,
        "collect_s": fig.source_s,
        "time_ratio": fig.source_s / t_star if t_star else 0.0,
        "process_s": fig.wall_s,
        "cpu_s": fig.cpu_s,
        "rss_MB": fig.peak_rss_mb,
        "evidence": fig.evidence,
        "status": fig.status,
    }
    print(table([row]))
    if fig.problems:
        print(f"source {fig.status}: {fig.problems[:1500]}")
    return 0 if fig.status in ("ok", "complete", "partial") else 1


def table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table of dict rows (same keys)."""
    if not rows:
        return ""
    keys = list(rows[0])
    cells = [[_fmt(r[k]) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    line = "  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True))
    body = ["  ".join(c[i].ljust(widths[i]) for i in range(len(keys))) for c in cells]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body])


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.2f}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)
