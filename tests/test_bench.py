"""The benchmark code cannot rot: every script answers --help without running anything, and the
quick path of `make bench` runs one source end to end (loopback Kubernetes API behind the
latency proxy, `maturity scan` as a child process, the summary table)."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bench import run as bench_run

ROOT = Path(__file__).resolve().parents[1]


def _children() -> set[str]:
    """Pids of this process's live children (every thread's), from /proc."""
    out: set[str] = set()
    for f in Path("/proc/self/task").glob("*/children"):
        out.update(f.read_text(encoding="ascii").split())
    return out


@pytest.mark.parametrize("name", ["run", *sorted(Path(s).stem for s, _ in bench_run.BENCHES.values())])
def test_help_prints_usage_and_starts_nothing(
    name: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = tmp_path / "results.jsonl"
    monkeypatch.setenv("BENCH_RESULTS", str(results))
    module = importlib.import_module(f"bench.{name}")
    threads, children = threading.active_count(), _children()
    with pytest.raises(SystemExit) as exit_:
        module.main(["--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    assert out.startswith("usage: ")
    assert "--help" in out
    assert "== " not in out  # run.py launched no benchmark
    assert not results.exists()  # no figure was recorded
    assert threading.active_count() == threads  # no loopback server, proxy or moto thread
    assert _children() <= children  # no Prometheus, promtool or scan process


def test_run_help_lists_every_benchmark_and_quick(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        bench_run.main(["--help"])
    out = capsys.readouterr().out
    assert "--quick" in out
    for name in bench_run.BENCHES:
        assert name in out


@pytest.mark.slow
def test_quick_kubernetes_end_to_end(tmp_path: Path) -> None:
    results = tmp_path / "rows.jsonl"
    cmd = [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--only", "kubernetes", "--results", str(results)]
    env = {k: v for k, v in os.environ.items() if k != "BENCH_RESULTS"}
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    summary = p.stdout.split("== summary", 1)[1]
    row = next(line for line in summary.splitlines() if line.startswith("kubernetes "))
    assert "collection vs T*" in row
    (rec,) = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    assert rec["bench"] == "kubernetes"
    # Every list read in full pages, nothing twice: the requests made are the minimal ones.
    made, minimal = map(int, re.findall(r"(\d+) requests \(minimal (\d+)\)", rec["case"])[0])
    assert made == minimal > 2, rec["case"]
    assert float(rec["maturity"].split()[0]) > 0  # collection time from scan.sources[].duration_s
    assert float(rec["reference"].split()[0]) > 0  # T*
    assert int(rec["evidence"].replace(",", "")) >= 300  # at least one item per workload
    assert 50 < float(rec["peak RSS"].split()[0]) < 4096  # the child's own peak, in MiB
    assert "->" in rec["load"]
