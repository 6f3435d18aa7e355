"""The kubernetes probe reads monitoring configured the plain way from the loopback API server's
ConfigMaps (prometheus.yml, rule files, alertmanager.yml, Grafana sidecar dashboards) into the
kinds and facts the files path gives for the same texts: paged to the end, bounded, never a
Secret, credentials never kept, and unknown (not "none") when ConfigMaps cannot be listed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from probes.kubernetes.configmaps import CONFIGMAP_KINDS
from sandbox.kubernetes import KubeApiServer
from scanner.evidence import Evidence
from scanner.rule_eval import declared, index_evidence
from scanner.runner import ScanResult
from tests.fixtures.kubernetes.helpers import TOKEN, scan_files, scan_live
from tests.test_probe_kubernetes_rbac import grants, load_role

RULES = ("prometheus.alert_rule", "prometheus.recording_rule")
PROM = (*RULES, "prometheus.target_pool", "prometheus.config")
AM = ("alertmanager.config", "alertmanager.receiver")
SLACK_URL = "https://hooks.slack.com/services/T000/B000/XyZsEcReT0123456789abcd"
SMTP_PASSWORD = "smtp-pa55w0rd-d0-not-keep"
PD_KEY = "pd-routing-key-0123456789abcdef"

PROMETHEUS_YML = """\
global:
  scrape_interval: 30s
  evaluation_interval: 30s
  external_labels: {cluster: prod}
rule_files:
  - /etc/config/recording_rules.yml
  - /etc/config/alerting_rules.yml
alerting:
  alertmanagers:
    - static_configs: [{targets: ["alertmanager:9093"]}]
scrape_configs:
  - job_name: prometheus
    static_configs: [{targets: ["localhost:9090"]}]
  - job_name: kubernetes-pods
    kubernetes_sd_configs: [{role: pod}]
    scheme: https
    tls_config: {insecure_skip_verify: false}
"""
ALERTING_RULES = """\
groups:
  - name: shop
    rules:
      - alert: CheckoutErrorRateHigh
        expr: shop:checkout_errors:ratio_rate5m > 0.05
        for: 10m
        labels: {severity: critical}
        annotations: {summary: checkout fails, runbook_url: "https://wiki.example/rb/checkout"}
      - alert: CheckoutErrorRateWarn
        expr: shop:checkout_errors:ratio_rate5m > 0.01
        for: 10m
        labels: {severity: warning}
"""
RECORDING_RULES = """\
groups:
  - name: shop.rules
    interval: 1m
    rules:
      - record: shop:checkout_errors:ratio_rate5m
        expr: sum(rate(http_requests_total{code=~"5.."}[5m])) by (service) / sum(rate(http_requests_total[5m])) by (service)
"""
ALERTMANAGER_YML = f"""\
global:
  resolve_timeout: 5m
  slack_api_url: {SLACK_URL}
  smtp_smarthost: smtp.example.com:587
  smtp_auth_username: alerts@example.com
  smtp_auth_password: {SMTP_PASSWORD}
route:
  receiver: ops-mail
  group_by: [alertname, namespace]
  group_wait: 30s
  routes:
    - receiver: pager
      matchers: ['severity="critical"']
receivers:
  - name: ops-mail
    email_configs: [{{to: ops@example.com}}]
  - name: pager
    pagerduty_configs: [{{routing_key: {PD_KEY}}}]
    slack_configs: [{{channel: "#alerts", send_resolved: true}}]
"""
DASHBOARD = json.dumps(
    {
        "title": "Shop / Overview",
        "uid": "shop",
        "panels": [{"type": "stat", "title": "Orders", "targets": [{"expr": "sum(rate(orders_total[5m]))"}]}],
    }
)


def _cm(ns: str, name: str, data: dict[str, str], **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns, **meta}, "data": data}


def _server_cm() -> dict[str, Any]:
    # The prometheus-community chart's server ConfigMap: its legacy `rules`/`alerts` keys are empty.
    return _cm(
        "monitoring",
        "prometheus-server",
        {
            "prometheus.yml": PROMETHEUS_YML,
            "alerting_rules.yml": ALERTING_RULES,
            "recording_rules.yml": RECORDING_RULES,
            "rules": "{}\n",
            "alerts": "{}\n",
        },
    )


def _objects(fillers: int = 5, *, with_server: bool = True) -> list[dict[str, Any]]:
    objs: list[dict[str, Any]] = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "prometheus-server", "namespace": "monitoring"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "p"}}, "template": {"spec": {}}},
        },
        _cm("monitoring", "alertmanager", {"alertmanager.yml": ALERTMANAGER_YML}),
        _cm("monitoring", "dashboard-shop", {"shop.json": DASHBOARD}, labels={"grafana_dashboard": "1"}),
        _cm("monitoring", "not-a-dashboard", {"other.json": DASHBOARD}),  # no sidecar label: not loaded
        _cm("kube-system", "coredns", {"Corefile": ".:53 {\n    errors\n    forward . /etc/resolv.conf\n}\n"}),
        # rendered by the operator from PrometheusRules (read as those): skipped
        _cm(
            "monitoring",
            "prometheus-k8s-rulefiles-0",
            {"monitoring-extra.yaml": ALERTING_RULES.replace("shop", "operator")},
            labels={"managed-by": "prometheus-operator"},
            ownerReferences=[{"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "name": "k8s"}],
        ),
        _cm(
            "monitoring",
            "thanos-ruler-main-rulefiles-0",
            {"monitoring-extra.yaml": ALERTING_RULES.replace("shop", "ruler")},
            ownerReferences=[{"apiVersion": "monitoring.coreos.com/v1", "kind": "ThanosRuler", "name": "main"}],
        ),
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "alertmanager-main", "namespace": "monitoring"},
            "stringData": {"alertmanager.yaml": ALERTMANAGER_YML},
        },
    ]
    if with_server:
        objs.insert(1, _server_cm())
    objs += [_cm(f"app-{i}", f"settings-{i}", {"app.properties": f"x={i}\n"}) for i in range(fillers)]
    return objs


def _by(result: ScanResult, kind: str) -> dict[str, dict[str, Any]]:
    return {e.subject: dict(e.data) for e in result.evidence if e.kind == kind}


def _cm_requests(srv: KubeApiServer) -> list[dict[str, str]]:
    return [dict(r.query) for r in srv.requests if r.path == "/api/v1/configmaps"]


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with KubeApiServer(_objects(), token=TOKEN) as srv:
        result = scan_live(srv, tmp_path_factory.mktemp("cm"), page_size=2)
        yield srv, result


def test_same_evidence_as_the_files_path(paged: tuple[KubeApiServer, ScanResult], tmp_path: Path) -> None:
    """The same texts as files in Git (named as the ConfigMap's keys) give the same items."""
    srv, live = paged
    assert live.sources[0].status == "ok", live.sources[0].error
    repo = tmp_path / "repo"
    for name, data in (
        ("prometheus-server", _server_cm()["data"]),
        ("alertmanager", {"alertmanager.yml": ALERTMANAGER_YML}),
    ):
        folder = repo / "monitoring" / "ConfigMap" / name
        folder.mkdir(parents=True)
        for key, text in data.items():
            if key.endswith(".yml"):
                (folder / key).write_text(text, encoding="utf-8")
    sidecar = _cm("monitoring", "dashboard-shop", {"shop.json": DASHBOARD}, labels={"grafana_dashboard": "1"})
    (repo / "dashboards.yaml").write_text(yaml.safe_dump(sidecar), encoding="utf-8")
    files = scan_files(repo)
    for kind in (*PROM, *AM, "gitops.dashboard"):
        assert _by(live, kind) == _by(files, kind), kind
        assert _by(live, kind), kind
        assert live.observations[kind].observed and not live.observations[kind].partial, kind
    alerts = _by(live, "prometheus.alert_rule")
    assert set(alerts) == {"shop/CheckoutErrorRateHigh", "shop/CheckoutErrorRateWarn"}  # not the operator's
    assert alerts["shop/CheckoutErrorRateHigh"]["file"] == "monitoring/ConfigMap/prometheus-server/alerting_rules.yml"
    assert set(_by(live, "prometheus.target_pool")) == {"prometheus", "kubernetes-pods"}
    assert set(_by(live, "gitops.dashboard")) == {"monitoring/ConfigMap/dashboard-shop/shop.json"}
    origins = {e.kind: e.origin for e in live.evidence if e.kind in CONFIGMAP_KINDS}
    base = f"{srv.url}/api/v1/namespaces/monitoring/configmaps"
    assert origins["prometheus.config"] == f"{base}/prometheus-server#prometheus.yml"
    assert origins["prometheus.alert_rule"] == f"{base}/prometheus-server#alerting_rules.yml"
    assert origins["alertmanager.config"] == f"{base}/alertmanager#alertmanager.yml"
    assert origins["gitops.dashboard"] == f"{base}/dashboard-shop#shop.json"
    assert all(declared(o) for o in origins.values())


def test_a_rule_the_live_prometheus_reports_counts_once(paged: tuple[KubeApiServer, ScanResult]) -> None:
    _srv, result = paged
    from_cm = next(e for e in result.evidence if e.subject == "shop/CheckoutErrorRateHigh")
    running = Evidence.make(
        from_cm.kind, from_cm.subject, {**from_cm.data, "health": "ok"}, "http://prometheus:9090/api/v1/rules"
    )
    index = index_evidence([*result.evidence, running])
    same = [e for e in index["prometheus.alert_rule"] if e.subject == from_cm.subject]
    assert same == [running]  # counted once, as it runs
    assert not declared("http://prometheus:9090/api/v1/rules")
    assert not declared("https://grafana.example/api/v1/namespaces-are-not/configmaps")


def test_pages_with_limit_and_continue(paged: tuple[KubeApiServer, ScanResult]) -> None:
    srv, result = paged
    calls = _cm_requests(srv)
    listed = len([o for o in _objects() if o["kind"] == "ConfigMap"])
    assert len(calls) == -(-listed // 2) and all(c["limit"] == "2" for c in calls)
    assert "continue" not in calls[0] and all(c.get("continue") for c in calls[1:])
    assert len(_by(result, "prometheus.alert_rule")) == 2  # every page folded in


def test_never_a_secret_and_only_granted_reads(paged: tuple[KubeApiServer, ScanResult]) -> None:
    srv, _result = paged
    assert srv.secret_requests == []
    assert not [r for r in srv.requests if "secret" in r.path.lower()]
    role = load_role()
    assert all(r.method == "GET" for r in srv.requests)
    assert grants(role, "", "configmaps", "list")


def test_alertmanager_credentials_are_never_kept(paged: tuple[KubeApiServer, ScanResult]) -> None:
    _srv, result = paged
    dumped = json.dumps([e.to_json() for e in result.evidence])
    for secret in (SLACK_URL, "XyZsEcReT0123456789abcd", SMTP_PASSWORD, PD_KEY):
        assert secret not in dumped
    receivers = _by(result, "alertmanager.receiver")
    assert set(receivers) == {"ops-mail", "pager"}


def test_forbidden_configmaps_leave_only_their_kinds_unknown(tmp_path: Path) -> None:
    with KubeApiServer(_objects(), token=TOKEN, forbidden={"configmaps"}) as srv:
        result = scan_live(srv, tmp_path)
        assert srv.secret_requests == []
    for kind in CONFIGMAP_KINDS:
        obs = result.observations[kind]
        assert not obs.observed and obs.state == "absent" and "forbidden" in (obs.reason or ""), (kind, obs)
    assert not [e for e in result.evidence if e.kind in CONFIGMAP_KINDS]
    assert result.observations["kubernetes.workload"].observed
    run = result.sources[0]
    assert run.status == "partial" and "configmaps" in (run.error or "") and "clusterrole" in (run.error or "")


def test_a_failed_list_fails_its_kinds_and_keeps_nothing(tmp_path: Path) -> None:
    with KubeApiServer(_objects(), token=TOKEN) as srv:
        srv.inject_fault(r"^/api/v1/configmaps$", 500, times=50)
        result = scan_live(srv, tmp_path, retries=0, page_size=2)
    for kind in CONFIGMAP_KINDS:
        assert result.observations[kind].state == "failed", kind
    assert not [e for e in result.evidence if e.kind in CONFIGMAP_KINDS]
    assert result.observations["kubernetes.workload"].observed


def test_oversized_key_is_bounded_and_fails_what_it_could_feed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("probes.kubernetes.configmaps.MAX_KEY_BYTES", 4096)
    big_rules = ALERTING_RULES + "".join(f"      - alert: Filler{i}\n        expr: up == {i}\n" for i in range(200))
    big_other = "x" * 100_000  # no configuration in it: dropped, spoils nothing
    objs = [
        *_objects(with_server=False),
        _cm("monitoring", "big-rules", {"big.rules.yml": big_rules}),
        _cm("apps", "blob", {"blob.yaml": big_other}),
    ]
    assert len(big_rules) > 4096
    with KubeApiServer(objs, token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    for kind in RULES:
        obs = result.observations[kind]
        assert obs.state == "failed" and "larger than 4096 bytes" in (obs.reason or ""), obs
    assert not [e for e in result.evidence if e.kind in RULES]
    for kind in (*AM, "gitops.dashboard"):  # the other keys are read as ever
        assert result.observations[kind].observed, kind


def test_total_bound_fails_what_the_rest_could_feed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("probes.kubernetes.configmaps.MAX_KEYS", 1)
    with KubeApiServer(_objects(), token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    assert any(
        result.observations[k].state == "failed" and "configuration keys" in (result.observations[k].reason or "")
        for k in CONFIGMAP_KINDS
    )


def test_rule_files_without_a_prometheus_yml_are_partial(tmp_path: Path) -> None:
    rules_only = _cm("monitoring", "rules", {"alerting_rules.yml": ALERTING_RULES})
    with KubeApiServer([*_objects(with_server=False), rules_only], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    obs = result.observations["prometheus.alert_rule"]
    assert obs.observed and "prometheus.yml" in (obs.partial or "")
    assert result.observations["prometheus.config"].state == "absent"


def test_broken_rule_file_fails_the_rule_kinds(tmp_path: Path) -> None:
    broken = _cm("monitoring", "broken", {"alerting_rules.yml": "groups:\n  - name: x\n    rules:\n      - alert: A\n"})
    with KubeApiServer([*_objects(), broken], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    for kind in RULES:
        assert result.observations[kind].state == "failed", kind
    assert result.observations["alertmanager.config"].observed


def test_no_monitoring_in_configmaps_says_nothing(tmp_path: Path) -> None:
    plain = [o for o in _objects(with_server=False) if o["metadata"]["name"] not in ("alertmanager", "dashboard-shop")]
    with KubeApiServer(plain, token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    for kind in CONFIGMAP_KINDS:
        obs = result.observations[kind]
        assert not obs.observed and obs.state == "absent", (kind, obs)
