"""Run `maturity scan` in a subprocess over one source and collect the figures benchmarks print."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "OUT",
    "RESULTS_ENV",
    "ScanFigures",
    "limit",
    "maturity_command",
    "record",
    "report_row",
    "run_scan",
    "table",
]

ROOT = Path(__file__).resolve().parents[2]
RESULTS_ENV = "BENCH_RESULTS"
OUT = ROOT / "bench" / "out"


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


def maturity_command() -> list[str]:
    """The installed `maturity` entry point beside this interpreter (else `python -m scanner.cli`)."""
    exe = Path(sys.executable).parent / "maturity"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "scanner.cli"]


def run_scan(
    workdir: Path,
    sources: list[dict[str, Any]],
    env: dict[str, str] | None = None,
    *,
    timeout_s: float = 7200,
    full_report: bool = True,
) -> ScanFigures:
    """Run `maturity scan` over `sources` as its own process (a generated maturity.yaml): the
    wall time, the child's CPU from wait4, and its peak RSS from its own VmHWM (/proc, polled
    every 20 ms; a high-water mark, so only growth in the last 20 ms can be missed). Not
    ru_maxrss: Linux seeds a child's ru_maxrss at exec with the RSS of the process it was forked
    from, so a benchmark holding a large estate would be counted in. `full_report` False reads
    only the report's `scan` object (a 400k-item report is large)."""
    workdir.mkdir(parents=True, exist_ok=True)
    cfg = workdir / "maturity.yaml"
    cfg.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    out = workdir / "report.json"
    cmd = [*maturity_command(), "scan", "-c", str(cfg), "--json", str(out), "-q"]
    with tempfile.TemporaryFile() as err:
        t = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.DEVNULL, stderr=err, env=env)
        deadline = t + timeout_s
        hwm_kib = 0
        while True:
            hwm_kib = max(hwm_kib, _vm_hwm_kib(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.monotonic() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()[-4000:].decode(errors="replace")
    if proc.returncode not in (0, 1) or not out.exists():
        raise RuntimeError(f"scan failed ({proc.returncode}): {stderr[-2000:]}")
    report = _load_report(out) if full_report else {"scan": _scan_head(out)}
    src = _source(report)
    return ScanFigures(
        wall_s=wall,
        source_s=float(src.get("duration_s", 0.0)),
        probe_requests=int(src.get("requests", 0)),
        peak_rss_mb=(hwm_kib or usage.ru_maxrss) / 1024,
        cpu_s=usage.ru_utime + usage.ru_stime,
        status=str(src.get("status", "?")),
        evidence=int(src.get("evidence_count", 0) or 0),
        report=report,
    )


def _vm_hwm_kib(pid: int) -> int:
    """VmHWM (peak resident set, KiB) of a live process; 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _load_report(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _scan_head(path: Path, limit: int = 16 << 20) -> dict[str, Any]:
    """The report's `scan` object, decoded from the start of the file (it precedes the evidence)."""
    with path.open("rb") as f:
        head = f.read(limit).decode("utf-8", errors="replace")
    m = re.search(r'"scan"\s*:\s*', head)
    if m:
        try:
            value, _ = json.JSONDecoder().raw_decode(head, m.end())
            if isinstance(value, dict):
                return value
        except ValueError:
            pass
    scan = _load_report(path).get("scan")
    return scan if isinstance(scan, dict) else {}


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


def record(
    bench: str,
    case: str,
    measure: str,
    ours: str,
    reference: str,
    ratio: str,
    target: str,
    met: bool | None,
    fig: ScanFigures | None = None,
) -> None:
    """Add one row to the side-by-side summary `bench/run.py` prints at the end (a JSON line
    appended to $BENCH_RESULTS; nothing when a script runs on its own)."""
    path = os.environ.get(RESULTS_ENV)
    if not path:
        return
    row = {
        "bench": bench,
        "case": case,
        "measure": measure,
        "maturity": ours,
        "reference": reference,
        "ratio": ratio,
        "target": target,
        "met": "—" if met is None else ("yes" if met else "NO"),
        "process": f"{fig.wall_s:.1f} s" if fig else "",
        "cpu": f"{fig.cpu_s:.1f} s" if fig else "",
        "peak RSS": f"{fig.peak_rss_mb:.0f} MiB" if fig else "",
        "evidence": f"{fig.evidence:,}" if fig else "",
    }
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")


def report_row(
    source: str, made: int, minimal: int, t_star: float, fig: ScanFigures, *, case: str = "", target: float = 2.0
) -> int:
    """Print the figures of one benchmarked source (and why it was not ok), record its row
    against T* for the summary; the exit code."""
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
    ratio = fig.source_s / t_star if t_star else 0.0
    record(
        source,
        f"{case}; {made} requests (minimal {minimal})",
        "collection vs T*",
        f"{fig.source_s:.2f} s",
        f"{t_star:.2f} s",
        f"{ratio:.2f}x",
        f"<= {target:g}x",
        ratio <= target,
        fig,
    )
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
