"""Prometheus metrics of a report: for the node_exporter textfile collector or a Pushgateway.

The exposition is written by `prometheus_client` (text format 0.0.4: HELP and TYPE for every
family, label values escaped, no timestamps, which the textfile collector rejects). Only the
report is read, never the installed catalog. Platform teams graph the trend in Grafana
(deploy/grafana/maturity-dashboard.json). Grades carry a `scope` label: empty for the whole
estate, the scope's name for each scope the config declares. `render_openmetrics` gives the
same families in the OpenMetrics text format, for GitLab's metrics report (`--openmetrics`).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from scanner.errors import InputError, ScanError
from scanner.model import SourceState, Status

__all__ = ["CONTENT_TYPE", "grouping_key", "push_metrics", "pushgateway_auth", "render_metrics", "render_openmetrics"]

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


def _graded(report: Mapping[str, Any]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """(scope, frameworks) for the whole estate (scope "") and each declared scope.

    The estate's scope label is empty, which Prometheus stores as no label at all: series and
    queries written before scopes existed see exactly the estate, and scope names (which never
    start with anything but a letter or digit) cannot collide with it.
    """
    out: list[tuple[str, list[Mapping[str, Any]]]] = [("", list(report["frameworks"]))]
    out += [(str(sc["name"]), list(sc.get("frameworks") or [])) for sc in report.get("scopes") or []]
    return out


def _framework_families(report: Mapping[str, Any]) -> list[GaugeMetricFamily]:
    """Levels (levelled frameworks), scores (the others), statuses and unknown clauses; in-scope only."""
    levels = _gauge("maturity_capability_level", ("framework", "capability", "kind", "scope"))
    scores = _gauge("maturity_capability_score", ("framework", "capability", "kind", "scope"))
    outside = _gauge("maturity_capabilities_out_of_scope", ("framework", "scope"))
    reqs = _gauge("maturity_requirements", ("framework", "status", "scope"))
    unknown = _gauge("maturity_unknown_clauses", ("framework", "reason_code", "scope"))
    for scope, frameworks in _graded(report):
        for fw in frameworks:
            fid = fw["id"]
            counts = {st.value: 0 for st in Status}
            codes: dict[str, int] = {}
            caps = [c for c in fw["capabilities"] if c.get("in_scope", True) is not False]
            outside.add_metric([fid, scope], len(fw["capabilities"]) - len(caps))
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
                        levels.add_metric([fid, cap["id"], kind, scope], cap[key])
                else:
                    satisfied = sum(r["status"] in SATISFIED for r in items)
                    scores.add_metric([fid, cap["id"], "satisfied", scope], satisfied)
                    scores.add_metric(
                        [fid, cap["id"], "met", scope], sum(r["status"] == Status.MET.value for r in items)
                    )
                    scores.add_metric([fid, cap["id"], "total", scope], len(items))
            for st, n in counts.items():
                reqs.add_metric([fid, st, scope], n)
            for code, n in sorted(codes.items()):
                unknown.add_metric([fid, code, scope], n)
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


def render_openmetrics(report: Mapping[str, Any]) -> str:
    """The same metrics in the OpenMetrics text format (ends with `# EOF`): what GitLab's
    metrics report reads, comparing each series with the target branch's report."""
    from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ReportCollector(report))
    text: bytes = generate_openmetrics(registry)  # type: ignore[no-untyped-call]  # untyped upstream
    return text.decode("utf-8")


_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLAIN = re.compile(r"^[A-Za-z0-9._~-]+$")
GROUP_JOB = "maturity_scanner"


def grouping_key(specs: Iterable[str], shard: Mapping[str, Any] | None = None) -> list[tuple[str, str]]:
    """The Pushgateway grouping key beyond `job`: each `KEY=VALUE` given, then `shard=I` for a
    sharded scan (count > 1), so shards never overwrite each other's group. InputError on a
    malformed pair, a key used twice, or `job`/`instance`-style clashes with what is set here."""
    out: list[tuple[str, str]] = []
    for spec in specs:
        key, sep, value = str(spec).partition("=")
        if not sep or not _LABEL.match(key) or key.startswith("__") or key == "job":
            raise InputError(
                f"--pushgateway-group takes KEY=VALUE with a label name as KEY (not job), got {spec!r}",
                field="--pushgateway-group",
            )
        out.append((key, value))
    if shard is not None and int(shard.get("count", 1)) > 1:
        if any(k == "shard" for k, _ in out):
            raise InputError(
                "--pushgateway-group shard=… clashes with the scan's own shard", field="--pushgateway-group"
            )
        out.append(("shard", str(int(shard.get("index", 0)))))
    keys = [k for k, _ in out]
    if len(set(keys)) != len(keys):
        raise InputError("--pushgateway-group names a key twice", field="--pushgateway-group")
    return out


def _group_path(group: Iterable[tuple[str, str]]) -> str:
    """`/metrics/job/maturity_scanner/K/V...`; a value with `/`, an empty one or any other odd
    character goes in the Pushgateway's base64 form (`K@base64/...`)."""
    parts = [f"/metrics/job/{GROUP_JOB}"]
    for key, value in group:
        if _PLAIN.match(value):
            parts.append(f"/{key}/{quote(value, safe='')}")
        else:
            encoded = base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii") or "="
            parts.append(f"/{key}@base64/{encoded}")
    return "".join(parts)


def pushgateway_auth(env: Mapping[str, str] | None = None) -> tuple[str, str] | str | None:
    """Credentials for the Pushgateway from the environment (never from argv, where `ps` shows
    them): a bearer token ($MATURITY_PUSHGATEWAY_TOKEN), else basic auth
    ($MATURITY_PUSHGATEWAY_USERNAME and $MATURITY_PUSHGATEWAY_PASSWORD); None for neither."""
    e = os.environ if env is None else env
    token = e.get("MATURITY_PUSHGATEWAY_TOKEN")
    if token:
        return token
    user = e.get("MATURITY_PUSHGATEWAY_USERNAME")
    if user:
        return (user, e.get("MATURITY_PUSHGATEWAY_PASSWORD", ""))
    return None


def push_metrics(
    url: str,
    text: str,
    *,
    timeout_s: float = 30.0,
    transport: Any = None,
    group: Iterable[tuple[str, str]] = (),
    auth: tuple[str, str] | str | None = None,
) -> None:
    """PUT the metrics to a Pushgateway, replacing the group job=maturity_scanner plus `group`
    (see `grouping_key`); `auth` a bearer token or (user, password). ScanError on failure.

    Sent through httpx (not `prometheus_client.push_to_gateway`) so the request goes through the
    same client, timeout and test transport seam as every other HTTP call of the scanner.
    """
    import httpx

    target = url.rstrip("/") + _group_path(group)
    headers = {"Content-Type": CONTENT_TYPE}
    if isinstance(auth, str):
        headers["Authorization"] = f"Bearer {auth}"
    basic = httpx.BasicAuth(*auth) if isinstance(auth, tuple) else None
    try:
        with httpx.Client(timeout=timeout_s, transport=transport) as client:
            resp = client.put(
                target, content=text.encode("utf-8"), headers=headers, auth=basic or httpx.USE_CLIENT_DEFAULT
            )
    except httpx.HTTPError as exc:
        raise ScanError(f"cannot push metrics to {target}: {type(exc).__name__}: {exc}") from exc
    if resp.status_code >= 300:
        raise ScanError(f"Pushgateway at {target} answered HTTP {resp.status_code}: {resp.text[:300]}")
