"""Issue 17 (tracing, storage management, basic coverage): the tracing facts the prometheus probe
reads from a real Prometheus scraping a collector and Tempo's generated series, and the rules that
decide from them and from the HA, integrity and coverage evidence, through the real pipeline."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.prometheus import TEXT, Exporter, Server, free_port, start_prometheus
from tests.promserver import scan_sources, statuses

pytestmark = pytest.mark.slow

CONFIG = """
global:
  scrape_interval: 1s
  evaluation_interval: 1s
  # as the Prometheus Operator renders them: `prometheus` is <namespace>/<name>, the replica
  # label is the pod's name
  external_labels: {{cluster: eu-1, prometheus: monitoring/k8s, prometheus_replica: prometheus-k8s-0}}
rule_files: ["*.yaml"]
remote_write:
  - url: "http://mimir-distributor.invalid:{dead}/api/v1/push"
scrape_configs:
  - job_name: node
    metrics_path: /node
    static_configs: [{{targets: ["{exporter}"]}}]
  # the operator's ServiceMonitor adds the collector's Kubernetes Service as `service`
  - job_name: otel-collector
    metrics_path: /otelcol
    static_configs: [{{targets: ["{exporter}"], labels: {{service: otel-collector, namespace: observability}}}}]
  - job_name: tempo
    metrics_path: /tempo
    static_configs: [{{targets: ["{exporter}"]}}]
  # the Prometheus pods of the Service, as each replica scrapes them{replicas}
"""
REPLICA_JOB = """
  - job_name: prometheus-k8s-{i}
    metrics_path: /prom{i}
    static_configs: [{{targets: ["{exporter}"], labels: {{namespace: monitoring, pod: prometheus-k8s-{i}}}}}]"""
BUILD_INFO = '# TYPE prometheus_build_info gauge\nprometheus_build_info{version="3.0.0"} 1\n'
# One instrumented service (checkout) as the review reproduced it: OTel span metrics scraped
# through a ServiceMonitor (`service="otel-collector"` beside `service_name`) and Tempo's
# service graph naming the uninstrumented caller `user` (a virtual node) and a database.
OTEL_ONE = """# TYPE traces_span_metrics_calls_total counter
traces_span_metrics_calls_total{service_name="checkout",span_name="GET /",span_kind="SPAN_KIND_SERVER",status_code="STATUS_CODE_UNSET"} 500
# TYPE otelcol_receiver_accepted_spans_total counter
otelcol_receiver_accepted_spans_total{receiver="otlp"} 100
"""
TEMPO_ONE = """# TYPE traces_service_graph_request_total counter
traces_service_graph_request_total{client="user",server="checkout",connection_type="virtual_node"} 120
traces_service_graph_request_total{client="checkout",server="postgres",connection_type="database"} 80
"""

RULES = """
groups:
  - name: platform
    rules:
      - alert: TargetDown
        expr: up == 0
        for: 5m
        labels: {severity: warning}
      - alert: HostMemoryLow
        expr: node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1
        for: 5m
        labels: {severity: warning}
      - alert: PrometheusTsdbCompactionsFailing
        expr: increase(prometheus_tsdb_compactions_failed_total[3h]) > 0
        labels: {severity: warning}
  - name: traces
    rules:
      - alert: ServiceErrorRateHigh
        expr: >-
          sum by (service) (rate(traces_spanmetrics_calls_total{status_code="STATUS_CODE_ERROR"}[5m]))
          / sum by (service) (rate(traces_spanmetrics_calls_total[5m])) > 0.05
        for: 10m
        labels: {severity: critical}
"""

NODE = """# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 1000
# TYPE node_memory_MemAvailable_bytes gauge
node_memory_MemAvailable_bytes 4e9
# TYPE node_memory_MemTotal_bytes gauge
node_memory_MemTotal_bytes 8e9
"""
TEMPO = """# TYPE traces_service_graph_request_total counter
traces_service_graph_request_total{client="frontend",server="checkout"} 120
traces_service_graph_request_total{client="checkout",server="payments"} 60
traces_service_graph_request_total{client="user",server="frontend",connection_type="virtual_node"} 90
# TYPE traces_spanmetrics_calls_total counter
traces_spanmetrics_calls_total{service="frontend",span_name="GET /",status_code="STATUS_CODE_UNSET"} 500
traces_spanmetrics_calls_total{service="",span_name="orphan",status_code="STATUS_CODE_UNSET"} 3
"""


def _spans(n: int) -> tuple[int, str, str]:
    text = f'# TYPE otelcol_receiver_accepted_spans_total counter\notelcol_receiver_accepted_spans_total{{receiver="otlp",transport="grpc"}} {n}\n'
    return (200, TEXT, text)


def _wait_for(prom: Server, query: str, timeout_s: float = 20.0) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        doc = httpx.get(prom.url + "/api/v1/query", params={"query": query}, timeout=2).json()
        if doc["data"]["result"]:
            return
        time.sleep(0.5)
    raise AssertionError(f"no result for {query}")


def _config(exporter: Exporter, replicas: int) -> str:
    where = f"127.0.0.1:{exporter.port}"
    jobs = "".join(REPLICA_JOB.format(i=i, exporter=where) for i in range(replicas))
    return CONFIG.format(exporter=where, dead=free_port(), replicas=jobs)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("tracing")
    pages = {"/node": (200, TEXT, NODE), "/tempo": (200, TEXT, TEMPO), "/otelcol": _spans(100)}
    exporter = Exporter(
        {**pages, "/prom0": (200, TEXT, BUILD_INFO), "/prom1": (200, TEXT, BUILD_INFO)}, stamp=True
    ).start()
    prom: Server = start_prometheus(root / "prom", _config(exporter, 2), {"platform.yaml": RULES})
    try:
        _wait_for(prom, "otelcol_receiver_accepted_spans_total")
        _wait_for(prom, "traces_service_graph_request_total")  # the tempo job, scraped apart
        _wait_for(prom, "traces_spanmetrics_calls_total")
        _wait_for(prom, 'count(prometheus_build_info{namespace="monitoring"}) == 2')
        exporter.pages["/otelcol"] = _spans(2500)  # spans keep arriving between scrapes
        _wait_for(prom, "otelcol_receiver_accepted_spans_total > 100")
        yield scan_sources(root / "scan", [{"name": "prom", "probe": "prometheus", "url": prom.url, "timeout_s": 60}])
    finally:
        prom.stop()
        exporter.stop()


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One operator replica and one instrumented service: the over-counts the review found."""
    root = tmp_path_factory.mktemp("tracing-single")
    pages = {"/node": (200, TEXT, NODE), "/tempo": (200, TEXT, TEMPO_ONE), "/otelcol": (200, TEXT, OTEL_ONE)}
    exporter = Exporter({**pages, "/prom0": (200, TEXT, BUILD_INFO)}, stamp=True).start()
    prom: Server = start_prometheus(root / "prom", _config(exporter, 1), {"platform.yaml": RULES})
    try:
        _wait_for(prom, "traces_service_graph_request_total")
        _wait_for(prom, "traces_span_metrics_calls_total")
        _wait_for(prom, "prometheus_build_info")
        exporter.pages["/otelcol"] = (200, TEXT, OTEL_ONE.replace("} 100", "} 2500"))
        _wait_for(prom, "otelcol_receiver_accepted_spans_total > 100")
        yield scan_sources(root / "scan", [{"name": "prom", "probe": "prometheus", "url": prom.url, "timeout_s": 60}])
    finally:
        prom.stop()
        exporter.stop()


def _data(report: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(dict(e["data"]) for e in report["evidence"] if e["kind"] == kind)


def test_tracing_facts_from_the_live_series(report: dict[str, Any]) -> None:
    facts = _data(report, "prometheus.exporters")
    assert "tracing" in facts["families"]
    assert facts["spans_last_hour"] > 0
    # frontend, checkout and payments; the span series with an empty service is no service,
    # and neither the collector's Kubernetes Service nor Tempo's virtual `user` node counts.
    assert facts["traced_services"] == 3
    assert facts["service_graph"] is True


def test_ha_pair_counted_from_the_replica_pods_seen(report: dict[str, Any], single: dict[str, Any]) -> None:
    pair, one = _data(report, "prometheus.config"), _data(single, "prometheus.config")
    assert pair["replica_label"] == one["replica_label"] == "prometheus_replica"
    assert pair["ha_replicas"] == 2
    # the operator labels a single replica too: the label is there, the pair is not
    assert one["ha_replicas"] == 1


def test_one_instrumented_service_is_one_traced_service(single: dict[str, Any]) -> None:
    """Review wave 4: this estate read as 3 services (otel-collector, checkout, user)."""
    facts = _data(single, "prometheus.exporters")
    assert facts["traced_services"] == 1
    assert facts["spans_last_hour"] > 0


def test_single_server_and_single_service_decide_nothing_from_the_labels(single: dict[str, Any]) -> None:
    clauses = {c["id"]: c for item in statuses(single).values() for c in item["clauses"]}
    assert clauses["wa:OPS04-BP05#a"]["status"] != "met"  # spans from one service only
    assert clauses["ydt:5.2.3:L2.3#a"]["status"] != "met"  # no HA pair to deduplicate
    assert clauses["ydt:5.1.2:L3.1#b"]["status"] == "not_met"  # one replica: no HA transmission


def test_tracing_and_storage_clauses_decided(report: dict[str, Any]) -> None:
    clauses = {c["id"]: c for item in statuses(report).values() for c in item["clauses"]}
    assert clauses["wa:OPS04-BP05#a"]["status"] == "met"
    assert clauses["wa:OPS08-BP04#a"]["status"] == "met"
    assert clauses["ydt:5.2.3:L2.3#a"]["status"] == "met"  # two replicas writing to Mimir
    assert clauses["ydt:5.1.2:L3.1#b"]["status"] == "met"  # HA pair
    assert clauses["ydt:5.2.3:L2.3#b"]["status"] == "met"  # alert on failed compactions
    assert clauses["ydt:6.1.1:L2.1#d"]["status"] == "met"  # node job up, host and `up` alerts
    assert statuses(report)["wa:OPS04-BP05"]["status"] == "met"
