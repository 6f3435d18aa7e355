"""Real Prometheus/Alertmanager estates for tests, and scanning them through the real pipeline.

The process helpers live in sandbox/prometheus/ (the demo uses the same ones); this adds the
poorly run fixture estate and small helpers to scan and read statuses.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from sandbox.prometheus import ESTATE_DIR, Started, start_estate
from scanner.pipeline import load_inputs, scan

__all__ = ["POOR_DIR", "scan_sources", "start_poor", "start_well", "statuses", "stop"]

POOR_DIR = Path(__file__).parent / "fixtures" / "prometheus" / "poor"
HISTORY_WELL = [
    ("probe_success", {"job": "blackbox", "instance": "https://shop.example.com"}, 3000),
    ("probe_success", {"job": "blackbox", "instance": "https://api.example.com/healthz"}, 4000),
]


def start_well(workdir: Path) -> Started:
    """The demo estate (well run): HA Alertmanager pair, 30 days of ~99.97% probe history."""
    return start_estate(ESTATE_DIR, workdir, history=HISTORY_WELL)


def start_poor(workdir: Path) -> Started:
    """The poorly run estate; waits until Prometheus has failed to notify its dead Alertmanager."""
    started = start_estate(POOR_DIR, workdir, am_peers=1, retention="7d", dead_alertmanager=True)
    end = time.monotonic() + 20
    while time.monotonic() < end:
        text = httpx.get(started.prometheus.url + "/metrics", timeout=2).text
        if any(
            line.startswith("prometheus_notifications_errors_total{") and not line.endswith(" 0")
            for line in text.splitlines()
        ):
            break
        time.sleep(0.25)
    return started


def stop(started: Started) -> None:
    started.prometheus.stop()
    for am in started.alertmanagers:
        am.stop()
    started.exporter.stop()


def scan_sources(tmp: Path, sources: list[dict[str, Any]]) -> dict[str, Any]:
    """Scan `sources` through the real pipeline (config file, probes, rules, grading)."""
    tmp.mkdir(parents=True, exist_ok=True)
    cfg = tmp / "maturity.yaml"
    cfg.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    report, _evidence, _manifest = scan(load_inputs(cfg))
    return report


def statuses(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """requirement id -> its result in the report."""
    out: dict[str, dict[str, Any]] = {}
    for fw in report["frameworks"]:
        for cap in fw["capabilities"]:
            for req in cap["requirements"]:
                out[req["id"]] = req
    return out
