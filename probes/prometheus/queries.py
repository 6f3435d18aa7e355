"""The handful of PromQL queries the probe asks: what is monitored, and measured availability.

Never a dump of all series: each query returns at most a few dozen aggregated samples.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from probes.fanout import IN_CALLER, Fanout
from probes.http import ApiError, JsonClient
from probes.prometheus.normalise import PLATFORM_METRIC

__all__ = ["FAMILY_METRICS", "SLI_NAME", "exporter_facts", "instant", "slo_facts"]

# Counters of spans a tracing pipeline accepted (collector receivers, Tempo and Jaeger ingest).
SPAN_INGEST_METRICS = (
    "otelcol_receiver_accepted_spans",
    "otelcol_receiver_accepted_spans_total",
    "tempo_distributor_spans_received_total",
    "jaeger_collector_spans_received_total",
)
# Request counters derived from spans: per service (span metrics) and per caller/callee edge.
SPAN_METRICS = ("traces_spanmetrics_calls_total", "traces_span_metrics_calls_total")
SERVICE_GRAPH_METRICS = ("traces_service_graph_request_total",)
# Metric names whose presence shows an exporter family is scraped.
FAMILY_METRICS: dict[str, tuple[str, ...]] = {
    "node": (
        "node_cpu_seconds_total",
        "node_memory_MemAvailable_bytes",
        "node_filesystem_avail_bytes",
        "node_network_receive_bytes_total",
        "node_load1",
    ),
    "windows": ("windows_cpu_time_total", "windows_memory_available_bytes"),
    "kube-state-metrics": ("kube_pod_info", "kube_node_info", "kube_deployment_status_replicas"),
    "cadvisor": ("container_cpu_usage_seconds_total", "container_memory_working_set_bytes"),
    "blackbox": ("probe_success", "probe_duration_seconds"),
    "pushgateway": ("push_time_seconds", "pushgateway_build_info"),
    "jvm": ("jvm_memory_used_bytes", "jvm_memory_bytes_used"),
    "database": ("mysql_up", "pg_up", "redis_up", "mongodb_up"),
    "proxy": ("nginx_up", "haproxy_up", "envoy_server_live"),
    "process": ("process_cpu_seconds_total", "process_resident_memory_bytes"),
    # Distributed tracing: spans received by an OpenTelemetry Collector, Tempo or Jaeger, and the
    # span metrics and service graph generated from traces (Tempo metrics-generator, OTel
    # spanmetrics/servicegraph connectors).
    "tracing": (*SPAN_INGEST_METRICS, *SPAN_METRICS, *SERVICE_GRAPH_METRICS),
}
# A recording rule whose name says it is an availability or error-ratio SLI.
SLI_NAME = re.compile(
    r"(^|[:_])(slo|sli)([:_]|$)|availability|success_ratio|error_ratio|errors?:ratio|error_budget|uptime", re.I
)
# Series SLO generators record beside the SLI that are not measurements of it: Sloth's
# slo:objective:ratio (a target), slo:error_budget:ratio, slo:current_burn_rate:ratio,
# slo:period_error_budget_remaining:ratio, slo:time_period:days; Pyrra's pyrra_objective and
# pyrra_window; burn-rate alert helpers. Reading them as availability misstates it.
NOT_SLI = re.compile(r"objective|target|budget|burn|period|window|_info$|:days$", re.I)
_ERROR_SLI = re.compile(r"error|fail", re.I)
# SLIs of the platform itself (kube-prometheus's apiserver availability, etcd, kubelet...).
PLATFORM_SLI = re.compile(
    r"^(apiserver|kube|kubelet|etcd|coredns|scheduler|prometheus|alertmanager|node|code_verb)", re.I
)
_LATENCY_HISTOGRAM = ".*(request|http|grpc|rpc|rest|api).*(duration|latency|seconds).*_bucket"
MAX_NAMES = 20
WINDOW_DAYS = 30
MAX_SERIES = 50


def instant(client: JsonClient, query: str) -> list[tuple[dict[str, str], float]]:
    """An instant query's vector as (labels, value) pairs; malformed answers raise ApiError."""
    doc = client.get_json("/api/v1/query", {"query": query})
    try:
        if doc["status"] != "success":
            raise ApiError(f"query failed: {str(doc.get('error'))[:200]}", "error")
        data = doc["data"]
        if data["resultType"] == "scalar":
            return [({}, float(data["result"][1]))]
        out = []
        for r in data["result"]:
            out.append(({str(k): str(v) for k, v in r["metric"].items()}, float(r["value"][1])))
        return out
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise ApiError(f"/api/v1/query: unexpected answer shape ({type(exc).__name__})", "malformed") from exc


def _first(rows: list[tuple[dict[str, str], float]]) -> float:
    return rows[0][1] if rows else 0.0


def _scalar(client: JsonClient, query: str) -> float:
    return _first(instant(client, query))


def exporter_facts(client: JsonClient, fan: Fanout = IN_CALLER) -> dict[str, Any]:
    """Which exporter families are scraped, and how many histogram/summary metrics exist.
    The five independent queries run at once (`fan`); the tracing ones depend on the first."""
    names = sorted({m for ms in FAMILY_METRICS.values() for m in ms})
    asked = [
        f'count by (__name__) ({{__name__=~"{"|".join(names)}"}})',
        "count by (job) (up)",
        f'count by (__name__) ({{__name__=~"{_LATENCY_HISTOGRAM}"}})',
        'count(count by (__name__) ({__name__=~".+_bucket"}))',
        'count(count by (__name__) ({quantile!=""}))',
    ]
    found, jobs, latency_rows, buckets, quantiles = fan.map(lambda q: instant(client, q), asked)
    present = {labels.get("__name__", "") for labels, _ in found}
    families = {fam: sorted(m for m in ms if m in present) for fam, ms in FAMILY_METRICS.items()}
    latency = sorted({lbl.get("__name__", "") for lbl, _ in latency_rows} - {""})
    app_latency = [n for n in latency if not PLATFORM_METRIC.match(n)]
    return {
        "families": sorted(f for f, ms in families.items() if ms),
        "family_metrics": {f: ms for f, ms in families.items() if ms},
        "node_resources": sorted(m.split("_")[1] for m in families["node"]),
        "histogram_metrics": int(_first(buckets)),
        "latency_histogram_metrics": len(latency),
        "app_latency_histograms": app_latency[:MAX_NAMES],
        "app_latency_histogram_count": len(app_latency),
        "source_families": len([f for f, ms in families.items() if ms and f != "process"]),
        "summary_metrics": int(_first(quantiles)),
        "scrape_jobs": len(jobs),
        **_tracing_facts(client, present),
    }


def _tracing_facts(client: JsonClient, present: set[str]) -> dict[str, Any]:
    """Spans ingested over the last hour and how many services the trace-derived series name."""
    ingest = [m for m in SPAN_INGEST_METRICS if m in present]
    spans = _scalar(client, f'sum(increase({{__name__=~"{"|".join(ingest)}"}}[1h]))') if ingest else None
    services = 0
    parts = [*_span_metric_services(m for m in SPAN_METRICS if m in present)]
    parts += _graph_services(m for m in SERVICE_GRAPH_METRICS if m in present)
    if parts:
        services = int(_scalar(client, f"count(count by (traced_service) ({' or '.join(parts)}))"))
    return {
        "spans_last_hour": None if spans is None or math.isnan(spans) else round(spans, 1),
        "traced_services": services,
        "service_graph": any(m in present for m in SERVICE_GRAPH_METRICS),
    }


def _as_service(selector: str, label: str) -> str:
    return f'label_replace({selector}, "traced_service", "$1", "{label}", "(.+)")'


def _span_metric_services(metrics: Iterable[str]) -> list[str]:
    """Selectors naming the traced service of span-metric series. The OpenTelemetry spanmetrics
    connector puts `service.name` in `service_name`; Tempo's metrics-generator puts it in
    `service`. A series that has `service_name` is read from it alone: a `service` beside it is
    the Kubernetes Service of the collector that a ServiceMonitor scrape added, not a traced one."""
    out = []
    for m in metrics:
        out.append(_as_service(f'{m}{{service_name!=""}}', "service_name"))
        out.append(_as_service(f'{m}{{service_name="",service!=""}}', "service"))
    return out


def _graph_services(metrics: Iterable[str]) -> list[str]:
    """Selectors naming both ends of service-graph edges between two instrumented services.
    Edges to a virtual node (an uninstrumented caller, named `user`, or a peer named from span
    attributes) or to a database have one end that sends no spans, and the `connection_type`
    label does not say which: both ends are left out (an instrumented end is still counted
    from its span metrics or its other edges). `client="user"` is left out too, for generators
    older than `connection_type`."""
    out = []
    for m in metrics:
        edge = 'connection_type=~"|messaging_system"'
        out.append(_as_service(f'{m}{{{edge},client!="user"}}', "client"))
        out.append(_as_service(f"{m}{{{edge}}}", "server"))
    return out


def _label_text(labels: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return "{" + inner + "}"


def _measure(
    client: JsonClient, selector: str, *, inverted: bool, fan: Fanout = IN_CALLER
) -> list[tuple[dict[str, str], float, float]]:
    """(labels, availability, coverage) per series of `selector` over the window."""
    w = f"{WINDOW_DAYS}d"
    avg, cov_rows = fan.map(
        lambda q: instant(client, q),
        [f"avg_over_time(({selector})[{w}:5m])", f"count_over_time(({selector})[{w}:1h]) / {WINDOW_DAYS * 24}"],
    )
    cov = {_label_text(lbl): v for lbl, v in cov_rows}
    out = []
    # Prometheus returns an aggregation's series in no set order: sort before capping, so which
    # series are kept, and their order, never depend on the answer.
    for labels, value in sorted(avg, key=lambda row: _label_text(row[0]))[:MAX_SERIES]:
        if math.isnan(value) or not (0.0 <= value <= 1.0):
            continue  # not a ratio: not an availability SLI after all
        availability = 1.0 - value if inverted else value
        out.append((labels, round(availability, 6), round(min(1.0, cov.get(_label_text(labels), 0.0)), 4)))
    return out


def slo_facts(
    client: JsonClient, recording_names: Iterable[str], fan: Fanout = IN_CALLER
) -> list[tuple[str, dict[str, Any]]]:
    """Measured availability over 30 days of SLI recording rules and blackbox probes; the SLIs
    are measured at once (`fan`), their facts kept in name order."""
    items: list[tuple[str, dict[str, Any]]] = []
    names = sorted({n for n in recording_names if SLI_NAME.search(n) and not NOT_SLI.search(n)})[:20]
    asked = [(n, bool(_ERROR_SLI.search(n))) for n in names] + [("avg by (job, instance) (probe_success)", False)]
    measured = fan.map(lambda x: _measure(client, x[0], inverted=x[1], fan=fan), asked)
    for (name, inverted), rows in zip(asked[:-1], measured[:-1], strict=True):
        for labels, availability, coverage in rows:
            items.append(
                (
                    name + _label_text(labels),
                    {
                        "sli": name,
                        "source": "recording_rule",
                        "inverted": inverted,
                        "labels": labels,
                        "window_days": WINDOW_DAYS,
                        "availability": availability,
                        "coverage": coverage,
                        "platform": bool(PLATFORM_SLI.match(name)),
                    },
                )
            )
    for labels, availability, coverage in measured[-1]:
        items.append(
            (
                "probe_success" + _label_text(labels),
                {
                    "sli": "probe_success",
                    "source": "probe_success",
                    "inverted": False,
                    "labels": labels,
                    "window_days": WINDOW_DAYS,
                    "availability": availability,
                    "coverage": coverage,
                    "platform": False,
                },
            )
        )
    return items
