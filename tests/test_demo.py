"""`maturity demo` end to end: the sandbox estate starts, is scanned, reported, verified and stopped."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import yaml


def test_demo_scans_the_whole_sandbox_and_cleans_up(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") or html.lower().startswith("<!doctype html>")
    sources = {s["name"]: s for s in report["scan"]["sources"]}
    assert {s["probe"] for s in sources.values()} == {
        *("files", "prometheus", "alertmanager", "kubernetes", "aws", "gitlab"),
        *("grafana", "pagerduty", "loki", "sentry", "jsm"),
    }
    for s in sources.values():
        assert s["status"] in ("ok", "partial"), s
        assert s["evidence_count"] > 0, s
    summary = report["summary"]["ydt1756-4"]["statuses"]
    assert summary["met"] > 10 and summary["not_met"] > 10 and summary["attested"] > 0 and summary["not_applicable"] > 0
    # the summary names where everything is
    assert "maturity demo: done" in out.stderr and str(tmp_path / "report.json") in out.stderr
    verify = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner.cli",
            "verify",
            str(tmp_path / "report.json"),
            "--evidence-dir",
            str(tmp_path / "evidence"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout
    # every server the demo started is stopped again
    cfg = yaml.safe_load((tmp_path / "sandbox-estate" / "maturity.yaml").read_text(encoding="utf-8"))
    texts = [v for s in cfg["sources"] for v in s.values() if isinstance(v, str)]
    texts += [Path(s["kubeconfig"]).read_text(encoding="utf-8") for s in cfg["sources"] if s.get("kubeconfig")]
    ports = {int(m) for t in texts for m in re.findall(r"127\.0\.0\.1:(\d+)", t)}
    assert len(ports) >= 9, (
        ports
    )  # prometheus, alertmanager, kubernetes, moto, gitlab, grafana, pagerduty, loki, sentry
    assert ports, "the live sources run on loopback ports"
    for port in ports:
        with socket.socket() as sock:
            sock.settimeout(1)
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open after the demo"


def test_demo_stops_everything_on_ctrl_c(tmp_path: Path) -> None:
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner.cli", "demo", "--out", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + 120
    while "starting kubernetes" not in seen and time.monotonic() < deadline:  # prometheus is up by then
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
    assert "starting kubernetes" in seen, seen
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, seen + err
    assert not (tmp_path / "report.json").exists()
    # whatever had started is stopped: no prometheus or alertmanager of ours is left running
    cfg_dir = tmp_path / "sandbox-estate"
    left = subprocess.run(["pgrep", "-f", str(cfg_dir)], capture_output=True, text=True)
    assert left.stdout.strip() == "", f"processes left running: {left.stdout}"
