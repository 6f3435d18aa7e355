"""A whole scan under attack: a Prometheus answering with a gzip bomb, a GitLab answering with an
endless body and redirecting to another origin, and a Kubernetes API trickling a byte at a
time, all at once, scanned by a real `maturity scan` process.

It must finish within its sources' timeouts, answer SIGTERM within 5 s, and stay under 512 MiB
(the CronJob's memory limit) measured as the child's peak RSS (os.wait4's rusage).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.hostile import Hostile, Recorder
from sandbox.kubeapi import write_kubeconfig
from tests.conftest import write

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


def _start(cfg: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scanner.cli", "scan", "-c", str(cfg), "--json", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "ATTACK_TOKEN": TOKEN},
    )


def _wait(proc: subprocess.Popen[str], timeout: float) -> tuple[int, int, float]:
    """(exit code, peak RSS in bytes, seconds waited) of the child, killing it past `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_maxrss * 1024, time.monotonic() - start
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    pytest.fail(f"the scan did not end within {timeout:.0f}s")


def test_a_scan_under_attack_finishes_in_time_and_memory(attack: tuple[Path, Hostile], tmp_path: Path) -> None:
    cfg, evil = attack
    out = tmp_path / "r.json"
    proc = _start(cfg, out)
    code, rss, took = _wait(proc, 90)  # sources time out at 20 s; the runner abandons at +5 s
    err = proc.stderr.read() if proc.stderr else ""
    assert code in (1, 3), err  # every source failed: a scan error, never a crash or a hang
    assert took < 60, f"took {took:.1f}s"
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
    code, rss, _took = _wait(proc, 30)
    elapsed = time.monotonic() - t0
    assert code == 130
    assert elapsed < 5, f"took {elapsed:.1f}s to stop"
    assert rss < LIMIT_BYTES
    assert not (tmp_path / "r.json").exists()
