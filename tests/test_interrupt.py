"""SIGINT/SIGTERM during a scan: it stops within seconds, writes nothing, exits 130."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import write


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A TCP server that accepts connections and never answers: a hung API."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    conns: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join(2)
    for c in conns:
        c.close()
    srv.close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_the_scan_cleanly(tmp_path: Path, black_hole: int, sig: signal.Signals) -> None:
    cfg = write(
        tmp_path / "m.yaml",
        f"sources:\n  - {{name: hung, probe: prometheus, url: 'http://127.0.0.1:{black_hole}', timeout_s: 600}}\n",
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scanner.cli",
            "scan",
            "-c",
            str(cfg),
            "--json",
            str(tmp_path / "r.json"),
            "--evidence-dir",
            str(tmp_path / "ev"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    line = ""
    while "hung: started" not in line and time.monotonic() < deadline:
        line = proc.stderr.readline()
    assert "hung: started" in line
    time.sleep(0.5)
    t0 = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 130, err
    assert elapsed < 10, f"took {elapsed:.1f}s to stop"
    assert "interrupted; no report was written" in err
    assert not (tmp_path / "r.json").exists()
    assert not (tmp_path / "ev").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary files left behind"
