"""A Prometheus Operator estate read from Git (known defect of issue 17): the Prometheus
resource carries no scrape_configs, its jobs are ServiceMonitors and its push path is the
resource's remoteWrite. The collection and transmission clauses must count them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.promserver import scan_sources

pytestmark = pytest.mark.slow  # a whole scan through the pipeline (~6s), though no server starts

OPERATOR = """
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s, namespace: monitoring}
spec:
  replicas: 2
  shards: 3
  scrapeInterval: 30s
  serviceMonitorSelector: {}
  remoteWrite:
    - url: http://mimir-distributor.mimir.svc:8080/api/v1/push
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: checkout, namespace: shop}
spec:
  selector: {matchLabels: {app: checkout}}
  endpoints:
    - port: metrics
      interval: 15s
    - port: admin
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: node-exporter, namespace: monitoring}
spec:
  selector: {matchLabels: {app: node-exporter}}
  endpoints:
    - port: https
      scheme: https
"""


def _clauses(report: dict[str, Any]) -> dict[str, str]:
    out = {}
    for fw in report["frameworks"]:
        for cap in fw["capabilities"]:
            for req in cap["requirements"]:
                for c in req["clauses"]:
                    out[c["id"]] = c["status"]
    return out


def test_operator_monitors_and_remote_write_count(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "monitoring.yaml").write_text(OPERATOR, encoding="utf-8")
    report = scan_sources(tmp_path / "scan", [{"name": "repo", "probe": "files", "path": str(repo)}])
    got = _clauses(report)
    pools = {e["subject"]: e["data"] for e in report["evidence"] if e["kind"] == "prometheus.target_pool"}
    # An endpoint without `interval` takes the Prometheus resource's: not read as the 60s default.
    assert pools["serviceMonitor/shop/checkout/1"]["interval_default"] is True
    assert pools["serviceMonitor/shop/checkout/0"]["interval_default"] is False
    assert got["ydt:5.1.1:L4.1#a"] == "met"  # monitors set the interval
    assert got["ydt:5.1.1:L3.3#a"] == "met"
    assert got["ydt:5.1.2:L3.1#c"] == "met"  # monitors pull, remoteWrite pushes
    assert got["ydt:5.1.2:L3.2#a"] == "met"  # three shards, and Mimir
    # 15s endpoint, the rest on the resource's 30s: 15-30 s is neither plainly 秒级 nor a minute
    assert got["ydt:5.2.1:L4.1#a"] == "unknown"
    assert got["ydt:9.1.3:L3.1#a"] == "met"  # Kubernetes service discovery
    # two replicas declared: an HA pair writing to Mimir, which deduplicates on the replica label
    cfg = next(e["data"] for e in report["evidence"] if e["kind"] == "prometheus.config")
    assert cfg["replica_label"] == "prometheus_replica" and cfg["ha_replicas"] == 2
    assert got["ydt:5.2.3:L2.3#a"] == "met" and got["ydt:5.1.2:L3.1#b"] == "met"


def test_operator_single_replica_is_no_ha_pair(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "monitoring.yaml").write_text(OPERATOR.replace("replicas: 2", "replicas: 1"), encoding="utf-8")
    report = scan_sources(tmp_path / "scan", [{"name": "repo", "probe": "files", "path": str(repo)}])
    cfg = next(e["data"] for e in report["evidence"] if e["kind"] == "prometheus.config")
    assert cfg["replica_label"] is None and cfg["ha_replicas"] == 1
    got = _clauses(report)
    assert got["ydt:5.1.2:L3.1#b"] == "not_met"  # one server failing stops collection
    assert got["ydt:5.2.3:L2.3#a"] != "met"
