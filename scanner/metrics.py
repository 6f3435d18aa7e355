"""Prometheus metrics of a report: for the node_exporter textfile collector or a Pushgateway.

Text exposition format 0.0.4, no timestamps (the textfile collector rejects them), HELP and
TYPE for every family, label values escaped. Platform teams graph the trend in Grafana
(deploy/grafana/maturity-dashboard.json).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import httpx

from scanner.errors import ScanError

__all__ = ["push_metrics", "render_metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
STATUSES = ("met", "not_met", "unknown", "attested", "not_applicable")
SOURCE_STATUSES = ("ok", "partial", "error", "skipped")


def _escape(value: Any) -> str:
    """A label value as the exposition format wants it: backslash, quote and newline escaped."""
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _sample(name: str, labels: dict[str, Any], value: float) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
    num = repr(float(value)) if isinstance(value, float) and not float(value).is_integer() else str(int(value))
    return f"{name}{{{inner}}} {num}" if labels else f"{name} {num}"


def _family(name: str, help_text: str, samples: Iterable[str]) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", *samples]


def _epoch(ts: str) -> float:
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


def render_metrics(report: dict[str, Any]) -> str:
    """The report's metrics in the Prometheus text exposition format."""
    levels: list[str] = []
    scores: list[str] = []
    reqs: list[str] = []
    for fw in report["frameworks"]:
        counts = dict.fromkeys(STATUSES, 0)
        for cap in fw["capabilities"]:
            for s, n in cap.get("counts", {}).items():
                counts[s] = counts.get(s, 0) + n
            if cap.get("level") is not None:
                for kind, key in (("level", "level"), ("verified", "level_verified"), ("ceiling", "level_ceiling")):
                    levels.append(
                        _sample(
                            "maturity_capability_level",
                            {"framework": fw["id"], "capability": cap["id"], "kind": kind},
                            cap[key],
                        )
                    )
            elif cap.get("score"):
                for kind in ("satisfied", "met", "total"):
                    scores.append(
                        _sample(
                            "maturity_capability_score",
                            {"framework": fw["id"], "capability": cap["id"], "kind": kind},
                            cap["score"][kind],
                        )
                    )
        reqs.extend(
            _sample("maturity_requirements", {"framework": fw["id"], "status": s}, n) for s, n in counts.items()
        )
    scan = report["scan"]
    sources = scan.get("sources", [])
    up = [
        _sample(
            "maturity_source_up",
            {"source": s["name"], "probe": s["probe"], "status": s["status"]},
            1 if s["status"] in ("ok", "partial") else 0,
        )
        for s in sources
    ]
    per_source = [
        _sample(
            "maturity_source_evidence_items", {"source": s["name"], "probe": s["probe"]}, s.get("evidence_count", 0)
        )
        for s in sources
    ]
    lines: list[str] = []
    lines += _family(
        "maturity_capability_level",
        "Capability maturity level (YD/T 1756-4); kind=level counts attestations, verified only automated evidence, ceiling assumes every unknown satisfied.",
        levels,
    )
    if scores:
        lines += _family(
            "maturity_capability_score",
            "Requirements of a capability (AWS WA question) satisfied, met, and in total.",
            scores,
        )
    lines += _family("maturity_requirements", "Requirements per framework and status.", reqs)
    lines += _family("maturity_source_up", "1 if the evidence source answered (status ok or partial), else 0.", up)
    lines += _family("maturity_source_evidence_items", "Evidence items collected per source.", per_source)
    started, finished = _epoch(scan["started"]), _epoch(scan["finished"])
    lines += _family(
        "maturity_scan_duration_seconds",
        "Wall-clock duration of the scan.",
        [_sample("maturity_scan_duration_seconds", {}, max(0.0, finished - started))],
    )
    lines += _family(
        "maturity_scan_timestamp_seconds",
        "When the scan finished (Unix time).",
        [_sample("maturity_scan_timestamp_seconds", {}, finished)],
    )
    lines += _family(
        "maturity_evidence_items",
        "Evidence items in the report.",
        [_sample("maturity_evidence_items", {}, len(report.get("evidence", [])))],
    )
    return "\n".join(lines) + "\n"


def push_metrics(url: str, text: str, *, timeout_s: float = 30.0, transport: httpx.BaseTransport | None = None) -> None:
    """PUT the metrics to a Pushgateway (replacing the group job=maturity_scanner); ScanError on failure."""
    target = url.rstrip("/") + "/metrics/job/maturity_scanner"
    try:
        with httpx.Client(timeout=timeout_s, transport=transport) as client:
            resp = client.put(target, content=text.encode("utf-8"), headers={"Content-Type": CONTENT_TYPE})
    except httpx.HTTPError as exc:
        raise ScanError(f"cannot push metrics to {target}: {type(exc).__name__}: {exc}") from exc
    if resp.status_code >= 300:
        raise ScanError(f"Pushgateway at {target} answered HTTP {resp.status_code}: {resp.text[:300]}")
