"""Table tests for rules/prometheus: evidence in, status out (met, not_met, unknown)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ruletable import decide

A, R, T, C = "prometheus.alert_rule", "prometheus.recording_rule", "prometheus.target_pool", "prometheus.config"
X, RT, DB, AMS, S = (
    "prometheus.exporters",
    "prometheus.runtime",
    "prometheus.tsdb",
    "prometheus.alertmanagers",
    "prometheus.slo",
)


def alert(name: str = "HighCpu", expr: str = "cpu > 0.8", **kw: Any) -> tuple[str, str, dict[str, Any]]:
    data: dict[str, Any] = {
        "name": name,
        "expr": expr,
        "for_s": 300.0,
        "severity": "warning",
        "labels": {"team": "x"},
        "has_runbook": True,
        "compares_constant": True,
        "functions": [],
        "health": "ok",
    }
    data.update(kw)
    return (A, f"g/{name}", data)


def rec(
    name: str = "job:x:rate5m", expr: str = "sum by (job) (rate(x[5m]))", **kw: Any
) -> tuple[str, str, dict[str, Any]]:
    data: dict[str, Any] = {"name": name, "expr": expr, "functions": ["rate", "sum"], "aggregates": ["sum"]}
    data.update(kw)
    return (R, f"g/{name}", data)


def pool(job: str = "node", **kw: Any) -> tuple[str, str, dict[str, Any]]:
    data: dict[str, Any] = {
        "job": job,
        "family": job,
        "scheme": "http",
        "targets_total": 1,
        "targets_up": 1,
        "targets_down": 0,
        "limited": False,
    }
    data.update(kw)
    return (T, job, data)


def cfg(**kw: Any) -> tuple[str, str, dict[str, Any]]:
    data: dict[str, Any] = {"scrape_jobs": 3, "remote_write_count": 0, "pushgateway_jobs": 0, "replica_label": None}
    data.update(kw)
    return (C, "prometheus", data)


def exp(**kw: Any) -> tuple[str, str, dict[str, Any]]:
    data: dict[str, Any] = {"families": [], "family_metrics": {}, "latency_histogram_metrics": 0}
    data.update(kw)
    return (X, "prometheus", data)


def slo(avail: float, coverage: float = 1.0) -> tuple[str, str, dict[str, Any]]:
    return (S, f"probe_success{{{avail}}}", {"availability": avail, "coverage": coverage})


NODE = {"node": ["node_cpu_seconds_total", "node_memory_MemAvailable_bytes"]}

# rule id -> (evidence giving met, evidence giving not_met)
TABLE: dict[str, tuple[list[Any], list[Any]]] = {
    "prometheus.collection.os-metrics": ([exp(family_metrics=NODE)], [exp(family_metrics={"node": ["node_load1"]})]),
    "prometheus.collection.node-exporter-job": (
        [pool("node")],
        [pool("node", targets_up=0, targets_down=1), pool("app", family="application")],
    ),
    "prometheus.collection.configurable-interval": ([cfg()], [cfg(scrape_jobs=0)]),
    "prometheus.collection.limits": ([pool(limited=True)], [pool()]),
    "prometheus.collection.targets-healthy": ([pool(), pool("b")], [pool(), pool("b", targets_down=1)]),
    "prometheus.collection.ha-pairs": ([cfg(replica_label="replica")], [cfg()]),
    "prometheus.transmission.standard-protocol": ([pool()], []),
    "prometheus.transmission.pull-and-push": ([cfg(remote_write_count=1)], [cfg()]),
    "prometheus.transmission.remote-write": ([cfg(remote_write_count=2)], [cfg()]),
    "prometheus.transmission.tls": ([pool(scheme="https")], [pool(), pool("b")]),
    "prometheus.storage.time-series": (
        [(DB, "prometheus", {"head_series": 10})],
        [(DB, "prometheus", {"head_series": 0})],
    ),
    "prometheus.storage.retention": (
        [(RT, "p", {"retention_time_s": 40 * 86400}), cfg()],
        [(RT, "p", {"retention_time_s": 15 * 86400}), cfg()],
    ),
    "prometheus.data.statistics": ([rec()], [rec(functions=[], aggregates=[])]),
    "prometheus.data.query-api": ([(RT, "p", {})], []),
    "prometheus.alerting.threshold-rules": ([alert()], [alert(compares_constant=False)]),
    "prometheus.alerting.rules-healthy": ([alert(), alert("B", health=None)], [alert(), alert("B", health="err")]),
    "prometheus.alerting.pending-period": ([alert(), alert("Watchdog", for_s=0)], [alert(for_s=0.0)]),
    "prometheus.alerting.severity-labels": ([alert()], [alert(severity=None)]),
    "prometheus.alerting.warning-tiers": ([alert(), alert(severity="critical")], [alert(), alert("B")]),
    "prometheus.alerting.runbooks": ([alert()], [alert(has_runbook=False)]),
    "prometheus.alerting.runbook-and-owner": ([alert()], [alert(labels={})]),
    "prometheus.alerting.dynamic-thresholds": ([alert(functions=["stddev_over_time"])], [alert()]),
    "prometheus.alerting.alertmanager-reachable": (
        [(AMS, "am", {"reachable": True}), (AMS, "am2", {"reachable": None})],
        [(AMS, "am", {"reachable": False})],
    ),
    "prometheus.capacity.infra-aggregation": (
        [rec(expr="avg by (cluster) (instance:node_cpu_utilisation:rate5m)")],
        [rec()],
    ),
    "prometheus.capacity.business-aggregation": ([rec()], [rec(expr="sum(rate(x[5m]))")]),
    "prometheus.capacity.infra-alerts": (
        [alert(expr="node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.1")],
        [alert()],
    ),
    "prometheus.capacity.early-warning": (
        [alert(expr="node_load1 > 4")],
        [alert(expr="node_load1 > 4", severity="critical")],
    ),
    "prometheus.capacity.forecast": ([alert(functions=["predict_linear"]), rec()], [alert(), rec()]),
    "prometheus.capacity.business-alerts": (
        [alert(expr="job:http_errors:ratio > 0.01")],
        [alert(expr="node_load1 > 4")],
    ),
    "prometheus.capacity.query-api": ([exp(families=["node"])], [exp()]),
    "prometheus.capacity.business-query-api": ([exp(latency_histogram_metrics=2)], [exp()]),
    "prometheus.slo.measured": ([slo(0.9999)], [slo(0.9999, coverage=0.2)]),
    "prometheus.slo.availability-999": ([slo(0.9995), slo(0.5, coverage=0.1)], [slo(0.998)]),
    "prometheus.slo.availability-9995": ([slo(0.9996)], [slo(0.9993)]),
    "prometheus.slo.availability-9999": ([slo(0.99991)], [slo(0.9996)]),
    "prometheus.slo.availability-99995": ([slo(0.99996)], [slo(0.9999)]),
    "prometheus.slo.kpi-indicators": ([rec("job:slo_availability:ratio_rate5m")], [rec()]),
    "prometheus.experience.synthetic-probes": ([pool("blackbox")], [pool("node")]),
    "prometheus.experience.application-telemetry": (
        [exp(latency_histogram_metrics=1), pool("api", family="application")],
        [exp(), pool("api", family="application")],
    ),
    "prometheus.experience.latency-sli": (
        [rec(expr="histogram_quantile(0.99, x)", functions=["histogram_quantile"])],
        [rec(expr="sum by (job) (up)", functions=[])],
    ),
    "prometheus.experience.dependency-telemetry": ([exp(families=["database"])], [exp(families=["node"])]),
}


@pytest.mark.parametrize("rule_id", sorted(TABLE))
def test_rule_table(rule_id: str) -> None:
    met, not_met = TABLE[rule_id]
    assert decide(rule_id, met) == "met"
    assert decide(rule_id, not_met) == "not_met"
    assert decide(rule_id, None) == "unknown"


def test_every_prometheus_rule_has_a_table() -> None:
    from tests.ruletable import installed_rules

    ours = {r.id for r in installed_rules().rules if r.id.startswith(("prometheus.", "alertmanager."))}
    from tests.test_rules_alertmanager import TABLE as AM_TABLE

    assert ours == set(TABLE) | set(AM_TABLE)


def test_zero_alert_rules_observed_is_not_met() -> None:
    assert decide("prometheus.alerting.threshold-rules", []) == "not_met"
    assert decide("prometheus.alerting.alertmanager-reachable", []) == "not_met"


def test_slo_targets_are_parameters() -> None:
    assert decide("prometheus.slo.availability-999", [slo(0.998)], params={"target": 0.99}) == "met"
