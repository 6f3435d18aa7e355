"""Prometheus metrics of a report: for the node_exporter textfile collector or a Pushgateway.

The exposition is written by `prometheus_client` (text format 0.0.4: HELP and TYPE for every
family, label values escaped, no timestamps, which the textfile collector rejects). Only the
report is read, never the installed catalog. Platform teams graph the trend in Grafana
(deploy/grafana/maturity-dashboard.json).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from scanner.errors import ScanError
from scanner.model import SourceState, Status

__all__ = ["CONTENT_TYPE", "push_metrics", "render_metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LEVELS = (("level", "level"), ("verified", "level_verified"), ("ceiling", "level_ceiling"))
SATISFIED = frozenset({Status.MET.value, Status.ATTESTED.value, Status.NOT_APPLICABLE.value})
# Families left out when empty (a report with no AWS WA question, or no unknown clause).
OPTIONAL = frozenset({"maturity_capability_score", "maturity_unknown_clauses"})
UP = frozenset({SourceState.OK.value, SourceState.PARTIAL.value})

HELP = {
    "maturity_capability_level": "Capability maturity level (in-scope capabilities of a levelled framework only); "
    "kind=level counts attestations, verified only automated evidence, ceiling assumes every unknown satisfied.",
    "maturity_capability_score": "Best practices of an AWS WA question satisfied (met, attested or waived), met, and in total.",
    "maturity_capabilities_out_of_scope": "Capabilities whose every item is waived: no level, left out of every other metric.",
    "maturity_requirements": "Requirements of in-scope capabilities per framework and status.",
    "maturity_unknown_clauses": "Clauses left unknown in unknown items of in-scope capabilities, per reason code.",
    "maturity_source_up": "1 if the evidence source answered (status ok or partial), else 0.",
    "maturity_source_evidence_items": "Evidence items collected per source.",
    "maturity_scan_duration_seconds": "Wall-clock duration of the scan.",
    "maturity_scan_timestamp_seconds": "When the scan finished (Unix time).",
    "maturity_evidence_items": "Evidence items in the report.",
}


def _epoch(ts: str) -> float:
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


def _gauge(name: str, labels: tuple[str, ...] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, HELP[name], labels=list(labels))


def _framework_families(report: Mapping[str, Any]) -> list[GaugeMetricFamily]:
    """Levels (levelled frameworks), scores (the others), statuses and unknown clauses; in-scope only."""
    levels = _gauge("maturity_capability_level", ("framework", "capability", "kind"))
    scores = _gauge("maturity_capability_score", ("framework", "capability", "kind"))
    outside = _gauge("maturity_capabilities_out_of_scope", ("framework",))
    reqs = _gauge("maturity_requirements", ("framework", "status"))
    unknown = _gauge("maturity_unknown_clauses", ("framework", "reason_code"))
    for fw in report["frameworks"]:
        fid = fw["id"]
        counts = {st.value: 0 for st in Status}
        codes: dict[str, int] = {}
        caps = [c for c in fw["capabilities"] if c.get("in_scope", True) is not False]
        outside.add_metric([fid], len(fw["capabilities"]) - len(caps))
        for cap in caps:
            items = cap["requirements"]
            for r in items:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
                if r["status"] == Status.UNKNOWN.value:
                    for cl in r.get("clauses", []):
                        if cl["status"] == Status.UNKNOWN.value:
                            code = str(cl.get("reason_code") or "none")
                            codes[code] = codes.get(code, 0) + 1
            if cap.get("level") is not None:
                for kind, key in LEVELS:
                    levels.add_metric([fid, cap["id"], kind], cap[key])
            else:
                scores.add_metric([fid, cap["id"], "satisfied"], sum(r["status"] in SATISFIED for r in items))
                scores.add_metric([fid, cap["id"], "met"], sum(r["status"] == Status.MET.value for r in items))
                scores.add_metric([fid, cap["id"], "total"], len(items))
        for st, n in counts.items():
            reqs.add_metric([fid, st], n)
        for code, n in sorted(codes.items()):
            unknown.add_metric([fid, code], n)
    return [levels, scores, outside, reqs, unknown]


class _ReportCollector(Collector):
    """Every family of one report, in a fixed order (the golden file pins it)."""

    def __init__(self, report: Mapping[str, Any]) -> None:
        self.report = report

    def collect(self) -> Iterator[Metric]:
        report, scan = self.report, self.report["scan"]
        for family in _framework_families(report):
            if family.name in OPTIONAL and not family.samples:
                continue
            yield family
        up = _gauge("maturity_source_up", ("source", "probe", "status"))
        items = _gauge("maturity_source_evidence_items", ("source", "probe"))
        for s in scan.get("sources", []):
            up.add_metric([s["name"], s["probe"], s["status"]], 1 if s["status"] in UP else 0)
            items.add_metric([s["name"], s["probe"]], s.get("evidence_count", 0))
        yield up
        yield items
        started, finished = _epoch(scan["started"]), _epoch(scan["finished"])
        duration = _gauge("maturity_scan_duration_seconds")
        duration.add_metric([], max(0.0, finished - started))
        stamp = _gauge("maturity_scan_timestamp_seconds")
        stamp.add_metric([], finished)
        total = _gauge("maturity_evidence_items")
        total.add_metric([], len(report.get("evidence", [])))
        yield from (duration, stamp, total)


def render_metrics(report: Mapping[str, Any]) -> str:
    """The report's metrics in the Prometheus text exposition format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ReportCollector(report))
    return generate_latest(registry).decode("utf-8")


def push_metrics(url: str, text: str, *, timeout_s: float = 30.0, transport: Any = None) -> None:
    """PUT the metrics to a Pushgateway (replacing the group job=maturity_scanner); ScanError on failure.

    Sent through httpx (not `prometheus_client.push_to_gateway`) so the request goes through the
    same client, timeout and test transport seam as every other HTTP call of the scanner.
    """
    import httpx

    target = url.rstrip("/") + "/metrics/job/maturity_scanner"
    try:
        with httpx.Client(timeout=timeout_s, transport=transport) as client:
            resp = client.put(target, content=text.encode("utf-8"), headers={"Content-Type": CONTENT_TYPE})
    except httpx.HTTPError as exc:
        raise ScanError(f"cannot push metrics to {target}: {type(exc).__name__}: {exc}") from exc
    if resp.status_code >= 300:
        raise ScanError(f"Pushgateway at {target} answered HTTP {resp.status_code}: {resp.text[:300]}")
