"""A whole scan under attack: a Prometheus answering with a gzip bomb, a GitLab answering with an
endless body and redirecting to another origin, and a Kubernetes API trickling a byte at a
time, all at once, scanned by a real `maturity scan` process.

It must finish within its sources' timeouts, answer SIGTERM within 5 s, and stay under 512 MiB
(the CronJob's memory limit) measured as the scan's own peak RSS. The scan is started through
tests/peakrss.py: measured straight from pytest, a child's peak RSS is at least pytest's own at the
moment of exec (Linux carries the replaced address space's high-water mark into the child), which
is how a 200 MiB scan once read as pytest's 702 MiB; `test_the_memory_figure_is_the_scans_own`
keeps that mistake from coming back.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.hostile import Hostile, Recorder
from sandbox.kubernetes import write_kubeconfig
from tests.conftest import write

ROOT = Path(__file__).resolve().parent.parent
LIMIT_BYTES = 512 * 1024 * 1024
TOKEN = "glpat-ATTACKcanary0123456789"


@pytest.fixture
def attack(tmp_path: Path) -> Iterator[tuple[Path, Hostile]]:
    evil = Recorder().start()
    servers = [
        Hostile("gzip_bomb", bomb_bytes=400_000_000, max_requests=50),
        Hostile("huge", max_bytes=1_000_000_000, max_requests=50),
        Hostile("trickle", trickle_s=0.2, max_seconds=120, max_requests=50),
        Hostile("redirect", location=f"{evil.url}/api/v4/projects", max_requests=50),
    ]
    for s in servers:
        s.start()
    prom, gitlab, kube, gl_redirect = servers
    kc = write_kubeconfig(tmp_path / "kubeconfig", kube.url, token="kube-attack-canary")
    cfg = write(
        tmp_path / "maturity.yaml",
        "sources:\n"
        f"  - {{name: prom, probe: prometheus, url: '{prom.url}', timeout_s: 20, retries: 1}}\n"
        f"  - {{name: gl, probe: gitlab, url: '{gitlab.url}', token_env: ATTACK_TOKEN, groups: [g], timeout_s: 20}}\n"
        f"  - {{name: gl2, probe: gitlab, url: '{gl_redirect.url}', token_env: ATTACK_TOKEN, groups: [g], timeout_s: 20}}\n"
        f"  - {{name: kube, probe: kubernetes, kubeconfig: '{kc}', timeout_s: 20, retries: 1}}\n",
    )
    yield cfg, evil
    for s in servers:
        s.stop()
    evil.stop()


def _measured(out: Path, cmd: list[str], **kw: Any) -> subprocess.Popen[bytes]:
    """`cmd` started through the peak-RSS launcher; its figure lands in `out`."""
    return subprocess.Popen([sys.executable, "-m", "tests.peakrss", str(out), "--", *cmd], cwd=ROOT, **kw)


def _start(cfg: Path, out: Path) -> subprocess.Popen[bytes]:
    # Output goes to files: a pipe nobody reads while waiting could fill and stall the scan.
    logs = out.parent
    with (logs / "stdout.log").open("wb") as stdout, (logs / "stderr.log").open("wb") as stderr:
        return _measured(
            logs / "peak_rss",
            [sys.executable, "-m", "scanner.cli", "scan", "-c", str(cfg), "--json", str(out)],
            stdout=stdout,
            stderr=stderr,
            env={**os.environ, "ATTACK_TOKEN": TOKEN},
        )


def _wait(proc: subprocess.Popen[bytes], timeout: float, rss_file: Path) -> tuple[int, int, float]:
    """(exit code, the command's peak RSS in bytes, seconds waited), killing it past `timeout`."""
    start = time.monotonic()
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"the scan did not end within {timeout:.0f}s")
    return code, int(rss_file.read_text(encoding="ascii")), time.monotonic() - start


def test_the_memory_figure_is_the_scans_own(tmp_path: Path) -> None:
    """A child started straight from a big parent reports the parent's memory as its own peak;
    through the launcher it reports its own (a few MiB for `true`)."""
    ballast = b"\x01" * (300 * 2**20)  # written, so resident: this process now peaks above 300 MiB
    naive = subprocess.Popen(["true"])
    _pid, _status, usage = os.wait4(naive.pid, 0)
    assert usage.ru_maxrss * 1024 >= 300 * 2**20  # the trap the launcher avoids
    rss_file = tmp_path / "peak_rss"
    code = _measured(rss_file, ["true"]).wait(30)
    del ballast
    assert code == 0
    assert int(rss_file.read_text(encoding="ascii")) < 64 * 2**20


def test_a_scan_under_attack_finishes_in_time_and_memory(attack: tuple[Path, Hostile], tmp_path: Path) -> None:
    cfg, evil = attack
    out = tmp_path / "r.json"
    proc = _start(cfg, out)
    code, rss, took = _wait(proc, 90, tmp_path / "peak_rss")  # sources time out at 20 s; abandoned at +5 s
    err = (tmp_path / "stderr.log").read_text(encoding="utf-8") + (tmp_path / "stdout.log").read_text(encoding="utf-8")
    assert code in (1, 3), err  # every source failed: a scan error, never a crash or a hang
    assert took < 60, f"took {took:.1f}s"
    print(f"under attack: exit {code} after {took:.1f}s, peak RSS {rss / 2**20:.0f} MiB")  # shown with -s
    assert rss < LIMIT_BYTES, f"peak RSS {rss / 2**20:.0f} MiB"
    assert evil.count == 0, "a request (with the token) reached another origin"
    assert TOKEN not in err


def test_a_scan_under_attack_answers_sigterm_within_5s(attack: tuple[Path, Hostile], tmp_path: Path) -> None:
    cfg, _evil = attack
    proc = _start(cfg, tmp_path / "r.json")
    time.sleep(3.0)  # well inside the attack: bodies streaming, the trickle dripping
    assert proc.poll() is None, "the scan should still be running"
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    code, rss, _took = _wait(proc, 30, tmp_path / "peak_rss")
    elapsed = time.monotonic() - t0
    print(f"SIGTERM under attack: exit {code} {elapsed:.2f}s later, peak RSS {rss / 2**20:.0f} MiB")  # shown with -s
    assert code == 130
    assert elapsed < 5, f"took {elapsed:.1f}s to stop"
    assert rss < LIMIT_BYTES, f"peak RSS {rss / 2**20:.0f} MiB"
    assert not (tmp_path / "r.json").exists()
