"""Issue 17 (data processing, capacity scenarios, collection management): the fields the
prometheus probe derives from rule expressions and scrape configs, read from a real Prometheus
through the real pipeline, and the rules that decide from them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.prometheus import Server, free_port, start_prometheus
from tests.promserver import scan_sources, statuses

pytestmark = pytest.mark.slow

CONFIG = """
global:
  scrape_interval: 15s
  evaluation_interval: 15s
rule_files: ["*.yaml"]
remote_write:
  - url: "http://mimir-distributor.mimir.svc:8080/api/v1/push"
  - url: "http://127.0.0.1:{dead}/analytics/push"
scrape_configs:
  - job_name: prometheus
    label_limit: 60
    static_configs: [{{targets: ["127.0.0.1:{port}"]}}]
    relabel_configs:
      - source_labels: [__address__]
        modulus: 2
        target_label: __tmp_hash
        action: hashmod
      - source_labels: [__tmp_hash]
        regex: "0|1"
        action: keep
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: "go_gc_.*"
        action: drop
  - job_name: slow-exporter
    scrape_interval: 2m
    static_configs: [{{targets: ["127.0.0.1:{dead}"]}}]
"""

RULES = """
groups:
  - name: shop.capacity
    rules:
      - record: service_route:http_requests:rate5m
        expr: sum by (service, route) (rate(http_requests_total[5m]))
      - record: service:requests_per_cpu:ratio
        expr: >-
          sum by (service) (rate(http_requests_total[5m]))
          / on (service) group_left sum by (service) (rate(process_cpu_seconds_total[5m]))
      - record: cluster:node_memory_available:sum
        expr: sum by (cluster) (node_memory_MemAvailable_bytes)
      - record: service:http_requests:avg30d
        expr: avg_over_time(service_route:http_requests:rate5m[30d])
      - record: service:http_requests:forecast7d
        expr: predict_linear(service_route:http_requests:rate5m[1d], 7 * 86400)
      - alert: OrdersMissing
        expr: absent(orders_total{service="checkout"})
        for: 10m
        labels: {severity: critical, team: shop}
      - alert: CheckoutErrors
        expr: rate(http_requests_total{service="checkout", code=~"5.."}[5m]) > 1
        labels: {severity: critical, team: shop}
      - alert: ScrapesSlow
        expr: max by (job) (scrape_duration_seconds) > 10
        labels: {severity: warning, team: platform}
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("processing")
    port, dead = free_port(), free_port()
    prom: Server = start_prometheus(root / "prom", CONFIG.format(port=port, dead=dead), {"shop.yaml": RULES}, port=port)
    try:
        yield scan_sources(root / "scan", [{"name": "prom", "probe": "prometheus", "url": prom.url, "timeout_s": 60}])
    finally:
        prom.stop()


def _data(report: dict[str, Any], kind: str, subject: str) -> dict[str, Any]:
    for e in report["evidence"]:
        if e["kind"] == kind and e["subject"].endswith(subject):
            return dict(e["data"])
    raise AssertionError(f"no {kind} {subject}")


def test_expression_facts_from_the_live_rules_api(report: dict[str, Any]) -> None:
    dims = _data(report, "prometheus.recording_rule", "service_route:http_requests:rate5m")
    assert dims["grouping_labels"] == ["route", "service"]
    assert dims["business_dimensions"] == ["route", "service"]
    assert dims["max_range_s"] == 300.0 and dims["joins"] is False
    joined = _data(report, "prometheus.recording_rule", "service:requests_per_cpu:ratio")
    assert joined["joins"] is True
    assert joined["metric_sources"] == ["application", "process"]
    assert _data(report, "prometheus.recording_rule", "service:http_requests:avg30d")["max_range_s"] == 30 * 86400.0
    assert _data(report, "prometheus.recording_rule", "cluster:node_memory_available:sum")["metric_sources"] == ["node"]


def test_scrape_config_facts_from_the_running_configuration(report: dict[str, Any]) -> None:
    own = _data(report, "prometheus.target_pool", "prometheus")
    assert own["sharded"] is True and own["label_limits"] is True and own["interval_default"] is False
    slow = _data(report, "prometheus.target_pool", "slow-exporter")
    assert slow["sharded"] is False and slow["label_limits"] is False and slow["scrape_interval_s"] == 120.0


EXPECTED = {
    "ydt:5.1.2:L2.2": "met",  # two remote_write endpoints
    "ydt:5.1.2:L2.1": "met",  # text scrapes plus binary remote_write
    "ydt:5.2.1:L4.1": "not_met",  # one job every two minutes
    "ydt:5.2.1:L3.2": "met",  # absent() alert and a label limit
    "ydt:5.2.2:L1.2": "not_met",  # absent() identifies (#a), but nothing corrects data (#b)
    "ydt:5.2.2:L2.4": "met",  # application joined to process CPU on service
    "ydt:5.2.2:L3.2": "met",  # 15s evaluation, a 30-day average
    "ydt:8.1.2:L3.1": "met",
    "ydt:8.1.2:L3.5": "met",
}


@pytest.mark.parametrize(("req", "want"), sorted(EXPECTED.items()))
def test_items_decided_from_a_live_server(report: dict[str, Any], req: str, want: str) -> None:
    got = statuses(report)[req]
    assert got["status"] == want, got


def test_collection_management_and_correction_clauses(report: dict[str, Any]) -> None:
    clauses = {c["id"]: c for item in statuses(report).values() for c in item["clauses"]}
    assert clauses["ydt:5.1.1:L3.4#a"]["status"] == "met"  # rule over scrape_duration_seconds
    assert clauses["ydt:5.1.2:L3.2#a"]["status"] == "met"  # hashmod sharding and Mimir
    # Only a drop in metric_relabel_configs and no clamp: nothing corrects data.
    assert clauses["ydt:5.2.2:L1.2#b"]["status"] == "not_met"
