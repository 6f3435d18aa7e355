"""The file parsers (PrometheusFiles, AlertmanagerFiles) through the real `files` probe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from probes.files import FilesConfig, FilesProbe
from sandbox.prometheus import ESTATE_DIR
from scanner.config import ScanConfig
from scanner.probe import ProbeRegistry
from scanner.runner import ScanResult, run_sources

# Imported through the files probe: importing a parser module first is a circular import.
PARSERS = {c.family: c for c in FilesProbe.parser_classes()}
PrometheusFiles, AlertmanagerFiles = PARSERS["prometheus"], PARSERS["alertmanager"]
GITOPS = Path(__file__).parent / "fixtures" / "prometheus" / "gitops"


def _scan(path: Path) -> ScanResult:
    cfg = FilesConfig(name="repo", probe="files", path=str(path))
    return run_sources(ScanConfig(sources=[cfg]), ProbeRegistry({"files": FilesProbe}))


def _data(result: ScanResult, kind: str) -> list[dict[str, Any]]:
    return [dict(e.data) for e in result.evidence if e.kind == kind]


def test_prometheusrule_and_alertmanager_yml() -> None:
    result = _scan(GITOPS / "monitoring")
    [alert] = _data(result, "prometheus.alert_rule")
    assert alert["name"] == "NodeDiskFull" and alert["severity"] == "critical" and alert["for_s"] == 600.0
    assert alert["file"] == "monitoring/node-alerts" and alert["has_runbook"] and alert["compares_constant"]
    [rec] = _data(result, "prometheus.recording_rule")
    assert rec["aggregates"] == ["sum"]
    [am] = _data(result, "alertmanager.config")
    assert am["integration_types"] == ["pagerduty", "slack"] and am["severity_routes"] == 1
    assert "SECRET" not in json.dumps([e.to_json() for e in result.evidence])
    assert "abcdef0123456789" not in json.dumps([e.to_json() for e in result.evidence])
    assert result.observations["prometheus.alert_rule"].observed


def test_estate_prometheus_yml_gives_config_and_pools() -> None:
    result = _scan(ESTATE_DIR)
    [cfg] = _data(result, "prometheus.config")
    assert cfg["replica_label"] == "replica" and cfg["remote_write_count"] == 1
    assert cfg["jobs_custom_interval"] == 1
    pools = {p["job"]: p for p in _data(result, "prometheus.target_pool")}
    assert pools["node"]["family"] == "node" and pools["blackbox"]["family"] == "blackbox"
    assert pools["node"]["targets_total"] is None  # files cannot say whether targets are up


def test_broken_file_is_reported_not_a_crash() -> None:
    result = _scan(GITOPS / "broken")
    [run] = result.sources
    assert run.status == "partial"
    # The broken file fails the kinds it could have fed (issue 15): its rules are unknown.
    obs = result.observations["prometheus.alert_rule"]
    assert not obs.observed and "rule without `expr`" in (obs.reason or "")
    assert any(e.kind == "files.parse_error" for e in result.evidence)


def test_parser_kinds_are_only_what_files_can_give() -> None:
    assert set(PrometheusFiles.kinds) == {
        "prometheus.alert_rule",
        "prometheus.recording_rule",
        "prometheus.target_pool",
        "prometheus.config",
    }
    assert set(AlertmanagerFiles.kinds) == {"alertmanager.config", "alertmanager.receiver"}


def test_absent_kinds_when_only_rules_are_found() -> None:
    parser: Any = PrometheusFiles()
    list(parser.accept("r.yaml", 0, {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0"}]}]}))
    assert set(parser.absent_kinds()) == {"prometheus.config", "prometheus.target_pool"}
    # alert rules without the Prometheus that loads them: both rule kinds are only part of its rules
    assert set(parser.partial_kinds()) == {"prometheus.alert_rule", "prometheus.recording_rule"}
    assert "only part" in parser.partial_kinds()["prometheus.recording_rule"]


def test_monitors_without_a_prometheus_are_partial() -> None:
    parser: Any = PrometheusFiles()
    monitor = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "app", "namespace": "shop"},
        "spec": {"endpoints": [{"port": "http"}]},
    }
    list(parser.accept("sm.yaml", 0, monitor))
    assert set(parser.partial_kinds()) == {"prometheus.target_pool"}


def test_a_prometheus_yml_makes_its_rules_and_jobs_complete() -> None:
    parser: Any = PrometheusFiles()
    list(parser.accept("r.yaml", 0, {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0"}]}]}))
    list(parser.accept("prometheus.yml", 0, {"scrape_configs": [{"job_name": "app"}]}))
    assert parser.partial_kinds() == {}


def test_namespace_selectors_make_rules_and_monitors_partial() -> None:
    def prometheus(spec: dict[str, Any]) -> dict[str, Any]:
        return {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "Prometheus",
            "metadata": {"name": "k8s", "namespace": "monitoring"},
            "spec": spec,
        }

    rules = {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0"}]}]}
    parser: Any = PrometheusFiles()
    list(parser.accept("p.yaml", 0, prometheus({"ruleNamespaceSelector": {}, "serviceMonitorNamespaceSelector": {}})))
    list(parser.accept("r.yaml", 0, rules))
    partial = parser.partial_kinds()
    assert set(partial) == {"prometheus.alert_rule", "prometheus.recording_rule"}  # no monitor held here
    assert "monitoring/k8s" in partial["prometheus.alert_rule"]
    # without a namespace selector the operator loads its own namespace's rules only
    parser = PrometheusFiles()
    list(parser.accept("p.yaml", 0, prometheus({"ruleSelector": {}})))
    list(parser.accept("r.yaml", 0, rules))
    assert parser.partial_kinds() == {}
    am: Any = AlertmanagerFiles()
    assert am.absent_kinds().keys() == set(AlertmanagerFiles.kinds)


def test_monitor_metric_relabelings_are_the_jobs_metric_relabel_configs() -> None:
    """The operator renders metricRelabelings into the job's metric_relabel_configs: read from
    Git they must count as they do live (prometheus.data.correction reads their actions)."""
    from probes.prometheus.configfacts import scrape_pool
    from probes.prometheus.files import monitor_scrape_configs

    monitor = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "app", "namespace": "shop"},
        "spec": {
            "endpoints": [
                {"port": "http", "metricRelabelings": [{"action": "Replace", "targetLabel": "env"}]},
                {"port": "admin"},
            ]
        },
    }
    probe = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "Probe",
        "metadata": {"name": "site", "namespace": "shop"},
        "spec": {"metricRelabelings": [{"action": "labelmap", "regex": "x"}], "targets": {}},
    }
    pools = [scrape_pool(sc, {})[1] for sc in monitor_scrape_configs(monitor) + monitor_scrape_configs(probe)]
    assert [p["relabel_actions"] for p in pools] == [["replace"], [], ["labelmap"]]


def test_peer_severities_pair_tiers_on_a_shared_metric_across_groups_of_a_file() -> None:
    """A warning and a critical rule reading one metric are each other's peers, also across the
    groups of one file; a rule on another metric has none; an unlabelled rule gives no severity."""
    from probes.prometheus.files import rule_facts

    groups = [
        {
            "name": "disk",
            "rules": [
                {"alert": "DiskLow", "expr": "node_filesystem_avail_bytes < 0.2", "labels": {"severity": "warning"}},
                {"alert": "Unlabelled", "expr": "node_filesystem_avail_bytes < 0.01"},
            ],
        },
        {
            "name": "disk-critical",
            "rules": [
                {"alert": "DiskFull", "expr": "node_filesystem_avail_bytes < 0.1", "labels": {"severity": "critical"}},
                {"alert": "CPU", "expr": "rate(node_cpu_seconds_total[5m]) > 0.9", "labels": {"severity": "warning"}},
                {"record": "job:up:sum", "expr": "sum(up)"},
            ],
        },
    ]
    facts = {s: d for kind, s, d in rule_facts(groups, "rules.yml") if kind == "prometheus.alert_rule"}
    assert facts["disk/DiskLow"]["peer_severities"] == ["critical"]
    assert facts["disk-critical/DiskFull"]["peer_severities"] == ["warning"]
    assert facts["disk/Unlabelled"]["peer_severities"] == ["critical", "warning"]
    assert facts["disk-critical/CPU"]["peer_severities"] == []


def test_edge_requests_are_an_applications_only_when_selected_or_grouped_per_application() -> None:
    """Ingress or mesh request series count as an application's when selected for one (not the
    controller's own namespace) or grouped per service, Istio's destination_service included."""
    from probes.prometheus import rulefacts

    def edge(expr: str) -> list[str]:
        return list(rulefacts.recording_rule("g", "f", {"record": "x", "expr": expr})[1]["edge_request_metrics"])

    assert edge('sum by (destination_service) (rate(istio_requests_total{reporter="destination"}[5m]))')
    assert edge('sum(rate(nginx_ingress_controller_requests{namespace="shop"}[5m]))')
    assert not edge('sum(rate(nginx_ingress_controller_requests{namespace="ingress-nginx"}[5m]))')
    assert not edge("sum(rate(nginx_ingress_controller_requests[5m]))")


def test_tier_key_keeps_label_values() -> None:
    from probes.prometheus.rulefacts import tier_key

    assert tier_key('up{job="api-v1"} == 0') != tier_key('up{job="api-v2"} == 0')
    assert tier_key("disk_free_ratio < 0.20") == tier_key("disk_free_ratio  <  0.1")
