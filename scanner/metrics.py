"""Prometheus metrics of a report: for the node_exporter textfile collector or a Pushgateway.

Text exposition format 0.0.4, no timestamps (the textfile collector rejects them), HELP and
TYPE for every family, label values escaped. Platform teams graph the trend in Grafana
(deploy/grafana/maturity-dashboard.json).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from scanner.errors import ScanError
from scanner.model import SourceState, Status

__all__ = ["push_metrics", "render_metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
STATUSES = tuple(st.value for st in Status)
SOURCE_STATUSES = tuple(st.value for st in SourceState)
LEVELS = (("level", "level"), ("verified", "level_verified"), ("ceiling", "level_ceiling"))


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


def _in_scope(cap: Mapping[str, Any]) -> bool:
    return cap.get("in_scope", True) is not False


def _capability_samples(report: Mapping[str, Any]) -> dict[str, list[str]]:
    """Levels (YD/T), scores (AWS WA), statuses and unknown clauses; out-of-scope capabilities left out."""
    out: dict[str, list[str]] = {"levels": [], "scores": [], "reqs": [], "unknown": [], "outside": []}
    for fw in report["frameworks"]:
        fid = fw["id"]
        counts = dict.fromkeys(STATUSES, 0)
        codes: dict[str, int] = {}
        caps = [c for c in fw["capabilities"] if _in_scope(c)]
        out["outside"].append(
            _sample("maturity_capabilities_out_of_scope", {"framework": fid}, len(fw["capabilities"]) - len(caps))
        )
        for cap in caps:
            reqs = cap["requirements"]
            for r in reqs:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
                if r["status"] != Status.UNKNOWN.value:
                    continue
                for cl in r.get("clauses", []):
                    if cl["status"] == Status.UNKNOWN.value:
                        code = str(cl.get("reason_code") or "none")
                        codes[code] = codes.get(code, 0) + 1
            labels = {"framework": fid, "capability": cap["id"]}
            if cap.get("level") is not None:
                out["levels"].extend(
                    _sample("maturity_capability_level", {**labels, "kind": kind}, cap[key]) for kind, key in LEVELS
                )
            else:
                satisfied = {Status.MET.value, Status.ATTESTED.value, Status.NOT_APPLICABLE.value}
                score = {
                    "satisfied": sum(1 for r in reqs if r["status"] in satisfied),
                    "met": sum(1 for r in reqs if r["status"] == Status.MET.value),
                    "total": len(reqs),
                }
                out["scores"].extend(
                    _sample("maturity_capability_score", {**labels, "kind": k}, v) for k, v in score.items()
                )
        out["reqs"].extend(
            _sample("maturity_requirements", {"framework": fid, "status": st}, n) for st, n in counts.items()
        )
        out["unknown"].extend(
            _sample("maturity_unknown_clauses", {"framework": fid, "reason_code": code}, n)
            for code, n in sorted(codes.items())
        )
    return out


def render_metrics(report: Mapping[str, Any]) -> str:
    """The report's metrics in the Prometheus text exposition format."""
    caps = _capability_samples(report)
    scan = report["scan"]
    sources = scan.get("sources", [])
    up = [
        _sample(
            "maturity_source_up",
            {"source": s["name"], "probe": s["probe"], "status": s["status"]},
            1 if s["status"] in (SourceState.OK.value, SourceState.PARTIAL.value) else 0,
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
        "Capability maturity level (YD/T 1756-4, in-scope capabilities only); kind=level counts attestations, verified only automated evidence, ceiling assumes every unknown satisfied.",
        caps["levels"],
    )
    if caps["scores"]:
        lines += _family(
            "maturity_capability_score",
            "Best practices of an AWS WA question satisfied (met, attested or waived), met, and in total.",
            caps["scores"],
        )
    lines += _family(
        "maturity_capabilities_out_of_scope",
        "Capabilities whose every item is waived: no level, left out of every other metric.",
        caps["outside"],
    )
    lines += _family(
        "maturity_requirements", "Requirements of in-scope capabilities per framework and status.", caps["reqs"]
    )
    if caps["unknown"]:
        lines += _family(
            "maturity_unknown_clauses",
            "Clauses left unknown in unknown items of in-scope capabilities, per reason code.",
            caps["unknown"],
        )
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
