"""kube-prometheus-stack Helm values read by the files probe as what they configure
(probes/files/kps.py): additional rules -> prometheus rules, alertmanager.config -> the
Alertmanager configuration (credentials never read), prometheusSpec / alertmanagerSpec ->
gitops.monitoring_server; only what a file writes, never the chart's defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from probes.files import FilesConfig
from probes.files.kps import is_kps_values
from scanner.config import ScanConfig
from scanner.probe import load_probes
from scanner.rules import evaluate_rules
from scanner.runner import ScanResult, run_sources
from tests.fixtures.kubernetes.helpers import by_subject, scan_files
from tests.ruletable import installed_rules

SLACK_URL = "https://hooks.slack.com/services/T000/B000/not-a-real-secret-XYZ"
PD_KEY = "pd-routing-key-not-real-0123"
RW_TOKEN = "glc_not_a_real_token_abcdef"

BASE = f"""\
# Shared values for kube-prometheus-stack
fullnameOverride: kps

defaultRules:
  create: true
  rules:
    etcd: false

prometheus:
  prometheusSpec:
    ruleSelectorNilUsesHelmValues: false
    scrapeInterval: 30s
    externalLabels:
      cluster: unset
    remoteWrite:
      - url: https://user:{RW_TOKEN}@mimir.example.com/api/v1/push?token={RW_TOKEN}

alertmanager:
  alertmanagerSpec:
    resources:
      requests: {{cpu: 50m}}
  config:
    global:
      resolve_timeout: 5m
      slack_api_url: {SLACK_URL}
    route:
      receiver: ops
      group_by: [alertname, namespace]
      group_wait: 30s
      group_interval: 5m
      repeat_interval: 4h
      routes:
        - receiver: "null"
          matchers: ['alertname = "Watchdog"']
        - receiver: pager
          matchers: ['severity = "critical"']
    inhibit_rules:
      - source_matchers: ['severity = "critical"']
        target_matchers: ['severity = "warning"']
        equal: [alertname]
    receivers:
      - name: "null"
      - name: ops
        slack_configs:
          - api_url: {SLACK_URL}
            channel: "#ops"
      - name: pager
        pagerduty_configs:
          - routing_key: {PD_KEY}

additionalPrometheusRulesMap:
  shop-rules:
    groups:
      - name: shop.rules
        rules:
          - alert: CheckoutErrors
            expr: sum(rate(http_requests_total{{job="checkout",code=~"5.."}}[5m])) > 1
            for: 10m
            labels: {{severity: critical}}
            annotations:
              summary: checkout errors
              runbook_url: https://runbooks.example.com/checkout
          - record: job:http_requests:rate5m
            expr: sum by (job) (rate(http_requests_total[5m]))
"""

PROD = """\
# prod: two replicas, kept 15 days, bounded by size, on persistent volumes
prometheus:
  prometheusSpec:
    replicas: 2
    retention: 15d
    retentionSize: 90GB
    storageSpec:
      volumeClaimTemplate:
        spec:
          resources: {requests: {storage: 100Gi}}

alertmanager:
  alertmanagerSpec:
    replicas: 3

additionalPrometheusRulesMap:
  shop-rules:
    groups:
      - name: shop.rules
        rules:
          - alert: CheckoutErrors
            expr: sum(rate(http_requests_total{job="checkout",code=~"5.."}[5m])) > 1
            for: 10m
            labels: {severity: critical}
            annotations:
              summary: checkout errors
              runbook_url: https://runbooks.example.com/checkout
          - record: job:http_requests:rate5m
            expr: sum by (job) (rate(http_requests_total[5m]))
additionalPrometheusRules:
  - name: prod-only
    groups:
      - name: prod.rules
        rules:
          - alert: ProdDiskFull
            expr: node_filesystem_avail_bytes < 1e9
            labels: {severity: warning}
"""


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def _origins(result: ScanResult, kind: str) -> dict[str, str]:
    return {e.subject: e.origin for e in result.evidence if e.kind == kind}


def test_recognition_is_conservative() -> None:
    assert is_kps_values({"prometheus": {"prometheusSpec": {}}})
    assert is_kps_values({"additionalPrometheusRulesMap": {}})
    assert is_kps_values({"defaultRules": {"create": False}})
    assert is_kps_values({"alertmanager": {"config": {"route": {"receiver": "x"}, "receivers": [{"name": "x"}]}}})
    # an override of part of the configuration alone is not recognisably this chart's
    assert not is_kps_values({"alertmanager": {"config": {"receivers": []}}})
    assert not is_kps_values({"prometheus": {"enabled": True}})  # e.g. some chart's toggle
    assert not is_kps_values({"apiVersion": "v1", "kind": "ConfigMap", "prometheus": {"prometheusSpec": {}}})
    assert not is_kps_values({"groups": [], "defaultRules": {}})  # a rule file
    assert not is_kps_values({"server": {}, "alertmanager": {"alertmanagerSpec": {}}})  # prometheus chart
    assert not is_kps_values({"vmsingle": {}, "defaultRules": {}})  # victoria-metrics-k8s-stack
    assert not is_kps_values(["prometheus"])


def test_base_values_read_as_rules_alertmanager_and_servers(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"platform/kps/values.yaml": BASE})
    result = scan_files(repo)
    assert result.sources[0].status == "ok"

    alerts = by_subject(result, "prometheus.alert_rule")
    assert set(alerts) == {"shop.rules/CheckoutErrors"}
    alert = alerts["shop.rules/CheckoutErrors"]
    assert alert["file"] == "additionalPrometheusRulesMap/shop-rules"
    assert alert["severity"] == "critical" and alert["has_runbook"] and alert["for_s"] == 600
    assert set(by_subject(result, "prometheus.recording_rule")) == {"shop.rules/job:http_requests:rate5m"}
    rule_origin = _origins(result, "prometheus.alert_rule")["shop.rules/CheckoutErrors"]
    assert (
        rule_origin
        == f"file://platform/kps/values.yaml#additionalPrometheusRulesMap/shop-rules;line={_line(BASE, '  shop-rules:')}"
    )

    config = by_subject(result, "alertmanager.config")
    assert set(config) == {"platform/kps/values.yaml#alertmanager.config"}
    facts = config["platform/kps/values.yaml#alertmanager.config"]
    assert facts["receiver"] == "ops" and facts["group_wait_s"] == 30
    receivers = by_subject(result, "alertmanager.receiver")
    assert set(receivers) == {"null", "ops", "pager"}
    assert receivers["ops"]["integration_types"] == ["slack"]
    assert _origins(result, "alertmanager.config")["platform/kps/values.yaml#alertmanager.config"] == (
        f"file://platform/kps/values.yaml#alertmanager.config;line={_line(BASE, '  config:')}"
    )

    servers = by_subject(result, "gitops.monitoring_server")
    prom = servers["platform/kps/values.yaml#prometheus"]
    # only what is written: the chart's defaults (1 replica, 10d) are not claimed
    assert prom["replicas"] is None and prom["retention"] is None and prom["retention_s"] is None
    assert prom["remote_write_count"] == 1 and prom["remote_write_hosts"] == ["mimir.example.com"]
    assert prom["selects_rules"] and not prom["persistent_storage"]
    am = servers["platform/kps/values.yaml#alertmanager"]
    assert am["tool"] == "alertmanager" and am["replicas"] is None
    assert _origins(result, "gitops.monitoring_server")["platform/kps/values.yaml#prometheus"] == (
        f"file://platform/kps/values.yaml#prometheus.prometheusSpec;line={_line(BASE, '  prometheusSpec:')}"
    )

    # rules from the chart's values are part of what its Prometheus loads (default rules, other namespaces)
    for kind in ("prometheus.alert_rule", "prometheus.recording_rule"):
        assert "kube-prometheus-stack values" in (result.observations[kind].partial or "")
    # the written configuration leaves nothing to the chart's default: observed whole
    assert result.observations["alertmanager.config"].observed
    assert result.observations["alertmanager.config"].partial is None


def test_credentials_never_reach_the_evidence(tmp_path: Path) -> None:
    result = scan_files(_repo(tmp_path, {"values.yaml": BASE}))
    assert by_subject(result, "alertmanager.receiver")["pager"]["integration_types"] == ["pagerduty"]
    dumped = json.dumps([(e.kind, e.subject, dict(e.data), e.origin) for e in result.evidence], default=str)
    dumped += json.dumps({k: (o.reason, o.partial) for k, o in result.observations.items()})
    for secret in (SLACK_URL, "not-a-real-secret", PD_KEY, RW_TOKEN, "hooks.slack.com"):
        assert secret not in dumped, secret


def test_base_and_override_do_not_double_count(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"kps/values.yaml": BASE, "kps/values-prod.yaml": PROD})
    result = scan_files(repo)
    alerts = [e for e in result.evidence if e.kind == "prometheus.alert_rule"]
    # CheckoutErrors is written identically in both files: one item, from the first file read
    assert sorted(e.subject for e in alerts) == ["prod.rules/ProdDiskFull", "shop.rules/CheckoutErrors"]
    origins = {e.subject: e.origin for e in alerts}
    assert origins["shop.rules/CheckoutErrors"].startswith("file://kps/values-prod.yaml#")
    assert origins["prod.rules/ProdDiskFull"] == (
        f"file://kps/values-prod.yaml#additionalPrometheusRules/prod-only;line={_line(PROD, '  - name: prod-only')}"
    )
    assert len([e for e in result.evidence if e.kind == "prometheus.recording_rule"]) == 1
    # each file its own server subject: what it writes
    servers = by_subject(result, "gitops.monitoring_server")
    prod = servers["kps/values-prod.yaml#prometheus"]
    assert prod["replicas"] == 2 and prod["retention"] == "15d" and prod["retention_s"] == 15 * 86400
    assert prod["retention_size"] == "90GB" and prod["persistent_storage"]
    assert prod["remote_write_count"] == 0  # prod writes none (the base's is merged in by Helm)
    assert servers["kps/values-prod.yaml#alertmanager"]["replicas"] == 3
    assert servers["kps/values.yaml#prometheus"]["replicas"] is None
    assert "each file on its own" in (result.observations["gitops.monitoring_server"].partial or "")


def test_servers_decide_only_what_is_written(tmp_path: Path) -> None:
    """Over base values alone (replicas not written) no HA-pair finding is made: the kind is
    partial, so a failing `some` is undecided; with the override's two replicas it is met."""
    rule = "prometheus.collection.operator-ha-pair"
    base_only = scan_files(_repo(tmp_path / "a", {"kps/values.yaml": BASE}))
    both = scan_files(_repo(tmp_path / "b", {"kps/values.yaml": BASE, "kps/values-prod.yaml": PROD}))
    assert _rule_status(base_only, rule) == "unknown"
    assert _rule_status(both, rule) == "met"
    assert _rule_status(both, "gitops.servers.capacity-bound") == "met"


def test_differing_definitions_are_each_kept(tmp_path: Path) -> None:
    prod = PROD.replace("for: 10m", "for: 5m")
    result = scan_files(_repo(tmp_path, {"kps/values.yaml": BASE, "kps/values-prod.yaml": prod}))
    alerts = [e for e in result.evidence if e.kind == "prometheus.alert_rule" and e.subject.endswith("CheckoutErrors")]
    assert sorted(e.data["for_s"] for e in alerts) == [300, 600]


def test_config_that_leaves_keys_to_the_chart_is_partial(tmp_path: Path) -> None:
    values = """\
alertmanager:
  config:
    route: {receiver: team}
    receivers:
      - name: team
        webhook_configs: [{url: "https://hooks.example.com/alert?token=abc123secret"}]
"""
    result = scan_files(_repo(tmp_path, {"values.yaml": values}))
    obs = result.observations["alertmanager.config"]
    assert obs.observed
    assert "inhibit_rules" in (obs.partial or "") and "route.group_by" in (obs.partial or "")
    assert "abc123secret" not in json.dumps([dict(e.data) for e in result.evidence], default=str)


def test_fragment_override_reads_nothing_and_makes_the_kinds_partial(tmp_path: Path) -> None:
    prod = """\
prometheus:
  prometheusSpec: {replicas: 2}
alertmanager:
  config:
    receivers:
      - name: ops
        slack_configs: [{api_url: "https://hooks.slack.com/services/X/Y/Z", channel: "#prod"}]
"""
    result = scan_files(_repo(tmp_path, {"kps/values.yaml": BASE, "kps/values-prod.yaml": prod}))
    assert set(by_subject(result, "alertmanager.config")) == {"kps/values.yaml#alertmanager.config"}
    for kind in ("alertmanager.config", "alertmanager.receiver"):
        assert "values-prod.yaml writes an alertmanager.config" in (result.observations[kind].partial or "")


@pytest.mark.parametrize(
    "ignored_by",
    [
        "alertmanagerSpec: {useExistingSecret: true}",
        "alertmanagerSpec: {configSecret: alertmanager-prod}",
        "stringConfig: x",
    ],
)
def test_a_config_the_chart_ignores_is_not_read(tmp_path: Path, ignored_by: str) -> None:
    """With an existing Secret, a configSecret or a stringConfig the chart never loads `config`."""
    values = f"""\
alertmanager:
  {ignored_by}
  config:
    route: {{receiver: ops}}
    receivers: [{{name: ops}}]
"""
    result = scan_files(_repo(tmp_path, {"kps/values.yaml": values}))
    assert by_subject(result, "alertmanager.config") == {}
    obs = result.observations["alertmanager.config"]  # never "observed, none": what runs is unknown
    assert obs.state == "absent" or "writes an alertmanager.config" in (obs.partial or ""), obs


def test_disabled_components_and_defaults_are_not_claimed(tmp_path: Path) -> None:
    values = """\
defaultRules: {create: true}
prometheus:
  enabled: false
  prometheusSpec: {replicas: 2}
alertmanager:
  enabled: false
  config:
    route: {receiver: x}
    receivers: [{name: x}]
"""
    result = scan_files(_repo(tmp_path, {"values.yaml": values}))
    # nothing written that the chart renders: every kind stays absent, never "observed, zero"
    for kind in ("prometheus.alert_rule", "alertmanager.config", "alertmanager.receiver", "gitops.monitoring_server"):
        assert not result.observations[kind].observed, kind


def test_a_charts_own_values_are_not_read(tmp_path: Path) -> None:
    """A vendored kube-prometheus-stack: its values.yaml holds the chart's defaults (the `null`
    receiver) and its ci/ values are tests; neither is the deployment's."""
    repo = _repo(
        tmp_path,
        {
            "vendor-charts/kube-prometheus-stack/Chart.yaml": "apiVersion: v2\nname: kube-prometheus-stack\nversion: 65.1.1\n",
            "vendor-charts/kube-prometheus-stack/values.yaml": BASE,
            "vendor-charts/kube-prometheus-stack/ci/test-values.yaml": PROD,
        },
    )
    result = scan_files(repo)
    for kind in ("prometheus.alert_rule", "alertmanager.config", "alertmanager.receiver", "gitops.monitoring_server"):
        assert not [e for e in result.evidence if e.kind == kind], kind
        assert not result.observations[kind].observed, kind


def test_malformed_rules_fail_that_file_only(tmp_path: Path) -> None:
    bad = "additionalPrometheusRulesMap:\n  broken:\n    groups: [{name: g, rules: [{alert: A}]}]\n"
    result = scan_files(_repo(tmp_path, {"a/values.yaml": BASE, "b/values.yaml": bad}))
    errors = [e for e in result.evidence if e.kind == "files.parse_error"]
    assert [e.subject for e in errors] == ["b/values.yaml#1"]
    assert "additionalPrometheusRulesMap/broken" in errors[0].data["error"]
    assert not result.observations["prometheus.alert_rule"].observed  # its rules are unknown
    assert result.observations["alertmanager.config"].observed  # other families intact
    assert result.observations["gitops.monitoring_server"].observed


@pytest.mark.parametrize("hostile", ["deep", "huge"])
def test_hostile_values_fail_that_file_only(tmp_path: Path, hostile: str) -> None:
    if hostile == "deep":
        text = "prometheus:\n  prometheusSpec:\n    x: " + "[" * 5000 + "]" * 5000 + "\n"
    else:
        text = "additionalPrometheusRulesMap:\n  big:\n    groups:\n" + "      - {name: g, rules: []}\n" * 40000
    repo = _repo(tmp_path, {"a/values.yaml": BASE, "b/values.yaml": text})
    src = FilesConfig(name="repo", probe="files", path=str(repo), max_file_bytes=1_000_000)
    result = run_sources(ScanConfig(sources=[src]), load_probes())
    assert result.sources[0].status == "partial"
    assert [e.subject for e in result.evidence if e.kind == "files.parse_error"] == ["b/values.yaml"]
    # what the broken file could have fed is failed, the rest of the repository is read
    failed = "prometheus.alert_rule" if hostile == "huge" else "gitops.monitoring_server"
    assert not result.observations[failed].observed
    assert "b/values.yaml" in (result.observations[failed].reason or "")
    assert set(by_subject(result, "alertmanager.receiver")) == {"null", "ops", "pager"}


def test_repositories_without_such_values_are_unchanged(tmp_path: Path) -> None:
    """Other charts' values (and a prometheus chart's) produce none of these kinds."""
    repo = _repo(
        tmp_path,
        {
            "loki/values.yaml": "loki:\n  storage: {type: s3}\n",
            "grafana/values.yaml": "grafana:\n  adminPassword: x\nalertmanager: {enabled: true}\n",
            "prom/values.yaml": "server: {retention: 30d}\nalertmanager:\n  config:\n    route: {receiver: a}\n    receivers: [{name: a}]\n",
        },
    )
    result = scan_files(repo)
    for kind in ("prometheus.alert_rule", "alertmanager.config", "gitops.monitoring_server"):
        assert not result.observations[kind].observed, kind
        assert not [e for e in result.evidence if e.kind == kind]


def _rule_status(result: ScanResult, rule_id: str) -> str:
    rules = installed_rules()
    subset = type(rules)([r for r in rules.rules if r.id == rule_id], "")
    obs = {k: o.to_json() for k, o in result.observations.items()}
    return str(evaluate_rules(subset, result.evidence, obs)[rule_id].status)


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(needle))
