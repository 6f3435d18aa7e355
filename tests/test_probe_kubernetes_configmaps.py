"""The kubernetes probe reads monitoring configured the plain way (prometheus.yml, rule files,
alertmanager.yml) from the ConfigMaps a Prometheus or Alertmanager container mounts, each read by
name, into the kinds and facts the files path gives for the same texts. Scrape configurations of
other products (Promtail, the CloudWatch agent), Mimir's fallback Alertmanager configuration,
agent-mode and vendored Prometheus servers and unmounted ConfigMaps are never read; what cannot
be read leaves only the kinds it would have fed unknown or partial, never the operator's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from probes.kubernetes.configmaps import CONFIGMAP_KINDS, SERVER
from sandbox.kubernetes import KubeApiServer
from scanner.evidence import Evidence
from scanner.rule_eval import declared, index_evidence
from scanner.runner import ScanResult
from tests.fixtures.kubernetes.helpers import TOKEN, scan_files, scan_live
from tests.test_probe_kubernetes_rbac import grants, load_role, requests_granted

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


def _cm(ns: str, name: str, data: dict[str, str], **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns, **meta}, "data": data}


def _workload(
    kind: str,
    ns: str,
    name: str,
    containers: list[dict[str, Any]],
    volumes: list[dict[str, Any]],
    **meta: Any,
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": ns, **meta},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": containers, "volumes": volumes},
            },
        },
    }


def _prometheus(
    ns: str = "monitoring",
    name: str = "prometheus-server",
    cm: str = "prometheus-server",
    args: list[str] | None = None,
    extra_mounts: list[dict[str, Any]] | None = None,
    extra_volumes: list[dict[str, Any]] | None = None,
    **meta: Any,
) -> dict[str, Any]:
    """The prometheus-community chart's server: a config reloader and Prometheus mounting one ConfigMap."""
    mounts = [{"name": "config-volume", "mountPath": "/etc/config"}, *(extra_mounts or [])]
    return _workload(
        "Deployment",
        ns,
        name,
        [
            {
                "name": "prometheus-server-configmap-reload",
                "image": "quay.io/prometheus-operator/prometheus-config-reloader:v0.77.2",
                "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/config", "readOnly": True}],
            },
            {
                "name": "prometheus-server",
                "image": "quay.io/prometheus/prometheus:v2.55.1",
                "args": args
                if args is not None
                else ["--storage.tsdb.retention.time=15d", "--config.file=/etc/config/prometheus.yml"],
                "volumeMounts": mounts,
            },
        ],
        [{"name": "config-volume", "configMap": {"name": cm}}, *(extra_volumes or [])],
        **meta,
    )


def _alertmanager(cm: str = "alertmanager", image: str = "quay.io/prometheus/alertmanager:v0.27.0") -> dict[str, Any]:
    return _workload(
        "StatefulSet",
        "monitoring",
        "alertmanager",
        [
            {
                "name": "alertmanager",
                "image": image,
                "args": ["--config.file=/etc/alertmanager/alertmanager.yml"],
                "volumeMounts": [{"name": "config", "mountPath": "/etc/alertmanager"}],
            }
        ],
        [{"name": "config", "configMap": {"name": cm}}],
    )


def _server_cm(ns: str = "monitoring", name: str = "prometheus-server") -> dict[str, Any]:
    # The prometheus-community chart's server ConfigMap: its legacy `rules`/`alerts` keys are empty.
    return _cm(
        ns,
        name,
        {
            "prometheus.yml": PROMETHEUS_YML,
            "alerting_rules.yml": ALERTING_RULES,
            "recording_rules.yml": RECORDING_RULES,
            "rules": "{}\n",
            "alerts": "{}\n",
        },
    )


PROMTAIL_YML = """\
server: {http_listen_port: 3101}
clients: [{url: "http://loki-gateway/loki/api/v1/push"}]
positions: {filename: /run/promtail/positions.yaml}
scrape_configs:
  - job_name: kubernetes-pods
    pipeline_stages: [{cri: {}}]
    kubernetes_sd_configs: [{role: pod}]
"""
CLOUDWATCH_PROMETHEUS = """\
global:
  scrape_interval: 1m
  scrape_timeout: 10s
scrape_configs:
  - job_name: kubernetes-pod-appmesh-envoy
    kubernetes_sd_configs: [{role: pod}]
"""
MIMIR_FALLBACK = "receivers: [{name: default-receiver}]\nroute: {receiver: default-receiver}\n"


def _mounting(kind: str, ns: str, name: str, image: str, cm: str, path: str, *args: str) -> dict[str, Any]:
    """A workload whose one container (`image`) mounts ConfigMap `cm` at `path`."""
    container = {"name": name, "image": image, "args": list(args), "volumeMounts": [{"name": "c", "mountPath": path}]}
    return _workload(kind, ns, name, [container], [{"name": "c", "configMap": {"name": cm}}])


def _foreign() -> list[dict[str, Any]]:
    """Configurations that look like Prometheus's or Alertmanager's but that no Prometheus server
    or Alertmanager loads: each would turn rules not_met if it were read as the cluster's."""
    return [
        _cm("logging", "promtail-config", {"promtail.yaml": PROMTAIL_YML}),
        _mounting(
            "DaemonSet", "logging", "promtail", "docker.io/grafana/promtail:3.2.1", "promtail-config", "/etc/promtail"
        ),
        _cm("amazon-cloudwatch", "prometheus-config", {"prometheus.yaml": CLOUDWATCH_PROMETHEUS}),
        _mounting(
            "Deployment",
            "amazon-cloudwatch",
            "cwagent-prometheus",
            "public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300049.1b929",
            "prometheus-config",
            "/etc/prometheusconfig",
        ),
        _cm("mimir", "mimir-alertmanager-fallback-config", {"alertmanager_fallback_config.yaml": MIMIR_FALLBACK}),
        _mounting(
            "StatefulSet",
            "mimir",
            "mimir-alertmanager",
            "grafana/mimir:2.14.0",
            "mimir-alertmanager-fallback-config",
            "/configs",
            "-target=alertmanager",
        ),
        # a prometheus.yml left behind in a namespace, mounted by nothing
        _cm("legacy", "old-prometheus", {"prometheus.yml": CLOUDWATCH_PROMETHEUS}),
        # rendered by the operator from PrometheusRules (read as those), mounted by its StatefulSet
        _cm(
            "monitoring",
            "prometheus-k8s-rulefiles-0",
            {"monitoring-extra.yaml": ALERTING_RULES.replace("shop", "operator")},
            labels={"managed-by": "prometheus-operator"},
        ),
        _workload(
            "StatefulSet",
            "monitoring",
            "prometheus-k8s",
            [
                {
                    "name": "prometheus",
                    "image": "quay.io/prometheus/prometheus:v2.55.1",
                    "volumeMounts": [
                        {"name": "rules", "mountPath": "/etc/prometheus/rules/prometheus-k8s-rulefiles-0"}
                    ],
                }
            ],
            [{"name": "rules", "configMap": {"name": "prometheus-k8s-rulefiles-0"}}],
            ownerReferences=[{"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "name": "k8s"}],
        ),
    ]


def _objects(*, with_server: bool = True) -> list[dict[str, Any]]:
    objs: list[dict[str, Any]] = [
        _cm("monitoring", "alertmanager", {"alertmanager.yml": ALERTMANAGER_YML}),
        _alertmanager(),
        _cm("kube-system", "coredns", {"Corefile": ".:53 {\n    errors\n    forward . /etc/resolv.conf\n}\n"}),
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "alertmanager-main", "namespace": "monitoring"},
            "stringData": {"alertmanager.yaml": ALERTMANAGER_YML},
        },
        *_foreign(),
    ]
    if with_server:
        objs += [_server_cm(), _prometheus()]
    return objs


def _by(result: ScanResult, kind: str) -> dict[str, dict[str, Any]]:
    return {e.subject: dict(e.data) for e in result.evidence if e.kind == kind}


def _cm_requests(srv: KubeApiServer) -> list[str]:
    return [r.path for r in srv.requests if "configmaps" in r.path]


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with KubeApiServer(_objects(), token=TOKEN) as srv:
        result = scan_live(srv, tmp_path_factory.mktemp("cm"), page_size=2)
        yield srv, result


def test_same_evidence_as_the_files_path(plain: tuple[KubeApiServer, ScanResult], tmp_path: Path) -> None:
    """The same texts as files in Git (named as the ConfigMap's keys) give the same items."""
    srv, live = plain
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
    files = scan_files(repo)
    for kind in (*PROM, *AM):
        if kind == "prometheus.config":  # the live one also knows the replicas of the Deployment mounting it
            got = _by(live, kind)
            assert [d.pop("ha_replicas") for d in got.values()] == [1]
            assert got == {k: {f: v for f, v in d.items() if f != "ha_replicas"} for k, d in _by(files, kind).items()}
            continue
        assert _by(live, kind) == _by(files, kind), kind
        assert _by(live, kind), kind
        assert live.observations[kind].observed and not live.observations[kind].partial, kind
    alerts = _by(live, "prometheus.alert_rule")
    assert set(alerts) == {"shop/CheckoutErrorRateHigh", "shop/CheckoutErrorRateWarn"}  # not the operator's
    assert alerts["shop/CheckoutErrorRateHigh"]["file"] == "monitoring/ConfigMap/prometheus-server/alerting_rules.yml"
    # Promtail's and the CloudWatch agent's jobs are not the cluster's Prometheus jobs
    assert set(_by(live, "prometheus.target_pool")) == {"prometheus", "kubernetes-pods"}
    assert set(_by(live, "alertmanager.receiver")) == {"ops-mail", "pager"}  # not Mimir's fallback
    origins = {e.kind: e.origin for e in live.evidence if e.kind in CONFIGMAP_KINDS and e.kind != SERVER}
    base = f"{srv.url}/api/v1/namespaces/monitoring/configmaps"
    assert origins["prometheus.config"] == f"{base}/prometheus-server#prometheus.yml"
    assert origins["prometheus.alert_rule"] == f"{base}/prometheus-server#alerting_rules.yml"
    assert origins["alertmanager.config"] == f"{base}/alertmanager#alertmanager.yml"
    assert all(declared(o) for o in origins.values())


def test_a_rule_the_live_prometheus_reports_counts_once(plain: tuple[KubeApiServer, ScanResult]) -> None:
    _srv, result = plain
    from_cm = next(e for e in result.evidence if e.subject == "shop/CheckoutErrorRateHigh")
    running = Evidence.make(
        from_cm.kind, from_cm.subject, {**from_cm.data, "health": "ok"}, "http://prometheus:9090/api/v1/rules"
    )
    index = index_evidence([*result.evidence, running])
    same = [e for e in index["prometheus.alert_rule"] if e.subject == from_cm.subject]
    assert same == [running]  # counted once, as it runs
    assert not declared("http://prometheus:9090/api/v1/rules")
    assert not declared("https://grafana.example/api/v1/namespaces-are-not/configmaps")


def test_only_mounted_configmaps_are_read_by_name(plain: tuple[KubeApiServer, ScanResult]) -> None:
    srv, _result = plain
    assert sorted(_cm_requests(srv)) == [
        "/api/v1/namespaces/monitoring/configmaps/alertmanager",
        "/api/v1/namespaces/monitoring/configmaps/prometheus-server",
    ]
    assert srv.secret_requests == []
    assert not [r for r in srv.requests if "secret" in r.path.lower()]
    assert all(r.method == "GET" for r in srv.requests)
    role = load_role()
    assert grants(role, "", "configmaps", "get") and not grants(role, "", "configmaps", "list")
    assert requests_granted(srv, role)


def test_alertmanager_credentials_are_never_kept(plain: tuple[KubeApiServer, ScanResult]) -> None:
    _srv, result = plain
    dumped = json.dumps([e.to_json() for e in result.evidence])
    for secret in (SLACK_URL, "XyZsEcReT0123456789abcd", SMTP_PASSWORD, PD_KEY):
        assert secret not in dumped


def test_foreign_configurations_alone_say_nothing(tmp_path: Path) -> None:
    """A cluster whose only Prometheus-shaped texts are Promtail's, the CloudWatch agent's, Mimir's
    fallback and a stale file: every kind stays unknown (never "observed, none")."""
    with KubeApiServer(_foreign(), token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
        assert _cm_requests(srv) == []
    for kind in CONFIGMAP_KINDS:
        obs = result.observations[kind]
        assert not obs.observed and obs.state == "absent", (kind, obs)


@pytest.mark.parametrize(
    "server",
    [
        pytest.param(
            _prometheus(args=["--config.file=/etc/config/prometheus.yml", "--enable-feature=agent"]), id="agent"
        ),
        pytest.param(_prometheus(args=["--agent"]), id="agent-v3"),
        pytest.param(_prometheus(ns="kubecost", name="kubecost-prometheus-server"), id="kubecost"),
        pytest.param(_prometheus(labels={"release": "kubecost", "chart": "prometheus-25.8.0"}), id="kubecost-release"),
        pytest.param(_prometheus(ns="openfaas", name="prometheus"), id="openfaas"),
        pytest.param(_prometheus(labels={"release": "gitlab", "chart": "prometheus-15.0.4"}), id="gitlab"),
        pytest.param(
            _prometheus(args=["--config.file=/etc/config/prometheus.yml", "--enable-feature", "agent"]),
            id="agent-2-args",
        ),
        pytest.param(_prometheus(ns="gmp-system", name="collector"), id="gke-managed"),
    ],
)
def test_agent_mode_and_vendored_servers_are_not_read(server: dict[str, Any], tmp_path: Path) -> None:
    ns = server["metadata"]["namespace"]
    with KubeApiServer([_server_cm(ns=ns), server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
        assert _cm_requests(srv) == []
    for kind in PROM:
        assert result.observations[kind].state == "absent", kind


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
    assert run.status == "partial" and "ConfigMap" in (run.error or "") and "clusterrole" in (run.error or "")


@pytest.mark.parametrize("status", [404, 500])
def test_a_configmap_that_cannot_be_read_loses_only_what_it_fed(status: int, tmp_path: Path) -> None:
    with KubeApiServer(_objects(), token=TOKEN) as srv:
        srv.inject_fault(r"/configmaps/prometheus-server$", status, times=50)
        result = scan_live(srv, tmp_path, retries=0)
    for kind in PROM:
        obs = result.observations[kind]
        assert obs.state == "absent" and "prometheus-server" in (obs.reason or ""), (kind, obs)
    for kind in AM:  # the Alertmanager's ConfigMap is read as ever
        assert result.observations[kind].observed and not result.observations[kind].partial, kind


def test_a_failed_workload_list_leaves_the_kinds_unknown(tmp_path: Path) -> None:
    with KubeApiServer(_objects(), token=TOKEN, forbidden={"statefulsets.apps"}) as srv:
        result = scan_live(srv, tmp_path)
    for kind in AM:  # the Alertmanager's StatefulSet is not seen: its ConfigMap is not read
        obs = result.observations[kind]
        assert obs.state == "absent" and "statefulsets" in (obs.reason or ""), (kind, obs)
    for kind in PROM:  # the Prometheus Deployment is seen, but a StatefulSet might mount another
        obs = result.observations[kind]
        assert obs.observed and "statefulsets" in (obs.partial or ""), (kind, obs)


def test_oversized_key_loses_only_what_it_could_feed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("probes.kubernetes.configmaps.MAX_KEY_BYTES", 4096)
    big_rules = ALERTING_RULES + "".join(f"      - alert: Filler{i}\n        expr: up == {i}\n" for i in range(200))
    assert len(big_rules) > 4096
    server = _server_cm()
    server["data"]["alerting_rules.yml"] = big_rules
    objs = [o for o in _objects() if o["metadata"]["name"] != "prometheus-server" or o["kind"] != "ConfigMap"]
    with KubeApiServer([*objs, server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    obs = result.observations["prometheus.alert_rule"]  # none read: unknown, not "none"
    assert obs.state == "absent" and "larger than 4096 bytes" in (obs.reason or ""), obs
    obs = result.observations["prometheus.recording_rule"]  # read, but partial: the lost key might hold some
    assert obs.observed and "larger than 4096 bytes" in (obs.partial or ""), obs
    assert result.observations["prometheus.config"].observed
    for kind in AM:
        assert result.observations[kind].observed and not result.observations[kind].partial, kind


def test_broken_rule_file_loses_the_rule_kinds_only(tmp_path: Path) -> None:
    server = _server_cm()
    server["data"]["alerting_rules.yml"] = "groups:\n  - name: x\n    rules:\n      - alert: A\n"
    objs = [o for o in _objects() if o["metadata"]["name"] != "prometheus-server" or o["kind"] != "ConfigMap"]
    with KubeApiServer([*objs, server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    for kind in RULES:
        obs = result.observations[kind]
        assert obs.state != "failed" and "alerting_rules.yml" in (obs.partial or obs.reason or ""), (kind, obs)
    assert result.observations["alertmanager.config"].observed
    assert result.observations["prometheus.config"].observed


def test_rule_files_outside_configmaps_are_not_taken_as_none(tmp_path: Path) -> None:
    """A server loading rules from an emptyDir a sidecar fills: its rules are unknown."""
    yml = PROMETHEUS_YML.replace(
        "rule_files:\n  - /etc/config/recording_rules.yml\n  - /etc/config/alerting_rules.yml\n",
        "rule_files:\n  - /etc/rules/*.yml\n",
    )
    server = _prometheus(
        extra_mounts=[{"name": "rules", "mountPath": "/etc/rules"}], extra_volumes=[{"name": "rules", "emptyDir": {}}]
    )
    with KubeApiServer([_cm("monitoring", "prometheus-server", {"prometheus.yml": yml}), server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    for kind in RULES:
        obs = result.observations[kind]
        assert obs.state == "absent" and "/etc/rules/*.yml" in (obs.reason or ""), (kind, obs)
    assert result.observations["prometheus.config"].observed


@pytest.mark.parametrize("remote", [False, True])
def test_a_server_that_loads_no_rule_files_leaves_rules_unknown(remote: bool, tmp_path: Path) -> None:
    """Rules may be evaluated beside it (Thanos Ruler, vmalert, Grafana) or where it writes:
    a prometheus.yml without rule_files never says "no rules" (review: 36 rules not_met)."""
    yml = "global: {scrape_interval: 30s}\nscrape_configs:\n  - job_name: pods\n    kubernetes_sd_configs: [{role: pod}]\n"
    if remote:
        yml += "remote_write: [{url: 'https://aps-workspaces.example/api/v1/remote_write'}]\n"
    objs = [_cm("monitoring", "prometheus-server", {"prometheus.yml": yml}), _prometheus()]
    with KubeApiServer(objs, token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    for kind in RULES:
        obs = result.observations[kind]
        assert obs.state == "absent" and "no rule files" in (obs.reason or ""), (kind, obs)
    assert result.observations["prometheus.target_pool"].observed


def test_rules_evaluated_beside_the_server_make_the_rules_partial(tmp_path: Path) -> None:
    thanos = _workload(
        "StatefulSet",
        "monitoring",
        "thanos-ruler",
        [{"name": "thanos", "image": "quay.io/thanos/thanos:v0.36.1", "args": ["rule", "--rule-file=/rules/*.yaml"]}],
        [],
    )
    with KubeApiServer([*_objects(), thanos], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    for kind in RULES:
        obs = result.observations[kind]
        assert obs.observed and "thanos-ruler" in (obs.partial or ""), (kind, obs)
    assert not result.observations["prometheus.target_pool"].partial


def test_an_alertmanager_no_prometheus_sends_to_is_left_out(tmp_path: Path) -> None:
    """The chart's default Alertmanager left running while alerts go to a central one."""
    server = _server_cm()
    server["data"]["prometheus.yml"] = PROMETHEUS_YML.replace(
        'targets: ["alertmanager:9093"]', 'targets: ["am.central.example.net:9093"]'
    )
    objs = [o for o in _objects() if o["metadata"]["name"] != "prometheus-server" or o["kind"] != "ConfigMap"]
    with KubeApiServer([*objs, server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    for kind in AM:
        obs = result.observations[kind]
        assert obs.state == "absent" and "monitoring/StatefulSet/alertmanager" in (obs.reason or ""), (kind, obs)
    assert not [e for e in result.evidence if e.kind in AM]
    assert result.observations["prometheus.alert_rule"].observed  # the Prometheus is read as ever


def test_rule_files_sharing_a_directory_with_a_secret_are_partial(tmp_path: Path) -> None:
    yml = PROMETHEUS_YML.replace(
        "rule_files:\n  - /etc/config/recording_rules.yml\n  - /etc/config/alerting_rules.yml\n",
        "rule_files:\n  - /etc/config/alerting_rules.yml\n  - /etc/rules/*.yml\n",
    )
    cm = _cm("monitoring", "prometheus-server", {"prometheus.yml": yml})
    rules_cm = _cm("monitoring", "prometheus-rules", {"alerting_rules.yml": ALERTING_RULES})
    projected = {"sources": [{"configMap": {"name": "prometheus-rules"}}, {"secret": {"name": "r"}}]}
    server = _prometheus(
        extra_mounts=[
            {"name": "rules", "mountPath": "/etc/rules"},
            {"name": "more-rules", "mountPath": "/etc/config/alerting_rules.yml", "subPath": "alerting_rules.yml"},
        ],
        extra_volumes=[
            {"name": "rules", "projected": projected},
            {"name": "more-rules", "configMap": {"name": "prometheus-rules"}},
        ],
    )
    with KubeApiServer([cm, rules_cm, server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
        assert srv.secret_requests == []
    obs = result.observations["prometheus.alert_rule"]
    assert obs.observed and "/etc/rules/*.yml" in (obs.partial or ""), obs


def test_replicas_of_the_mounting_workload_are_the_servers(tmp_path: Path) -> None:
    server = _prometheus()
    server["kind"] = "StatefulSet"
    server["spec"]["replicas"] = 2
    with KubeApiServer([_server_cm(), server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    (config,) = _by(result, "prometheus.config").values()
    assert config["ha_replicas"] == 2


def test_only_the_keys_a_container_sees(tmp_path: Path) -> None:
    """A volume's `items` and a mount's `subPath` show some keys; the others are not loaded."""
    cm = _server_cm()
    cm["data"]["extra_rules.yml"] = ALERTING_RULES.replace("shop", "unmounted")
    server = _prometheus()
    server["spec"]["template"]["spec"]["volumes"][0]["configMap"]["items"] = [
        {"key": k, "path": k} for k in ("prometheus.yml", "alerting_rules.yml", "recording_rules.yml")
    ]
    with KubeApiServer([cm, server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    assert set(_by(result, "prometheus.alert_rule")) == {"shop/CheckoutErrorRateHigh", "shop/CheckoutErrorRateWarn"}


def test_a_server_without_its_configuration_in_a_configmap_is_unknown(tmp_path: Path) -> None:
    server = _prometheus()
    server["spec"]["template"]["spec"]["volumes"] = [{"name": "config-volume", "secret": {"secretName": "prom"}}]
    with KubeApiServer([server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
        assert srv.secret_requests == []
    for kind in PROM:
        obs = result.observations[kind]
        assert obs.state == "absent" and "no configuration in a ConfigMap" in (obs.reason or ""), (kind, obs)


def test_a_thanos_ruler_s_mounted_rules_are_read(tmp_path: Path) -> None:
    """Alerting evaluated by a Thanos Ruler, recording rules by the server: both are read, whole."""
    server = _server_cm()
    server["data"]["prometheus.yml"] = PROMETHEUS_YML.replace("  - /etc/config/alerting_rules.yml\n", "")
    del server["data"]["alerting_rules.yml"]
    ruler_rules = _cm("monitoring", "thanos-ruler-rules", {"alerts.yaml": ALERTING_RULES})
    thanos = _mounting(
        "StatefulSet",
        "monitoring",
        "thanos-ruler",
        "quay.io/thanos/thanos:v0.36.1",
        "thanos-ruler-rules",
        "/etc/thanos/rules",
        "rule",
        "--rule-file=/etc/thanos/rules/*.yaml",
    )
    objs = [o for o in _objects() if o["metadata"]["name"] != "prometheus-server" or o["kind"] != "ConfigMap"]
    with KubeApiServer([*objs, server, ruler_rules, thanos], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
        assert "/api/v1/namespaces/monitoring/configmaps/thanos-ruler-rules" in _cm_requests(srv)
    assert set(_by(result, "prometheus.alert_rule")) == {"shop/CheckoutErrorRateHigh", "shop/CheckoutErrorRateWarn"}
    assert set(_by(result, "prometheus.recording_rule")) == {"shop.rules/shop:checkout_errors:ratio_rate5m"}
    for kind in RULES:
        obs = result.observations[kind]
        assert obs.observed and not obs.partial, (kind, obs)


@pytest.mark.parametrize(
    ("target", "am_ns", "read"),
    [
        pytest.param("alertmanager:9093", "monitoring", True, id="same-namespace-name"),
        pytest.param("alertmanager-main.monitoring.svc:9093", "monitoring", True, id="service-after-the-workload"),
        pytest.param("http://alertmanager.monitoring.svc.cluster.local:9093", "monitoring", True, id="cluster-fqdn"),
        pytest.param("alertmanager.ops.corp.example:9093", "monitoring", False, id="outside-host-same-first-label"),
        pytest.param("alertmanager:9093", "legacy", False, id="same-name-other-namespace"),
        pytest.param("alertmanager-0.alertmanager-headless:9093", "monitoring", True, id="statefulset-pod-name"),
        pytest.param("alertmanager.monitoring.svc.cluster.local.:9093", "monitoring", True, id="trailing-dot"),
        pytest.param("alertmanager.corp:9093", "monitoring", False, id="two-label-domain"),
        pytest.param("dnssrv+_web._tcp.alertmanager.monitoring.svc.cluster.local", "monitoring", True, id="dns-srv"),
        pytest.param("alertmanager.monitoring.svc.k8s.corp:9093", "monitoring", True, id="custom-cluster-domain"),
    ],
)
def test_an_alertmanager_is_read_only_where_a_sender_points(
    target: str, am_ns: str, read: bool, tmp_path: Path
) -> None:
    server = _server_cm()
    server["data"]["prometheus.yml"] = PROMETHEUS_YML.replace('"alertmanager:9093"', f'"{target}"')
    am = _alertmanager()
    am["metadata"]["namespace"] = am_ns
    am_cm = _cm(am_ns, "alertmanager", {"alertmanager.yml": ALERTMANAGER_YML})
    with KubeApiServer([server, _prometheus(), am, am_cm], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    for kind in AM:
        obs = result.observations[kind]
        assert (obs.observed and not obs.partial) if read else obs.state == "absent", (kind, obs)


def test_an_unused_alertmanager_beside_the_used_one_is_left_out_silently(tmp_path: Path) -> None:
    """The chart's default Alertmanager nobody sends to does not make the used one partial."""
    spare = _mounting(
        "Deployment", "monitoring", "prometheus-alertmanager", "prom/alertmanager:v0.27.0", "spare", "/etc/am"
    )
    spare_cm = _cm("monitoring", "spare", {"alertmanager.yml": "route: {receiver: d}\nreceivers: [{name: d}]\n"})
    with KubeApiServer([*_objects(), spare, spare_cm], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    assert set(_by(result, "alertmanager.receiver")) == {"ops-mail", "pager"}
    for kind in AM:
        obs = result.observations[kind]
        assert obs.observed and not obs.partial, (kind, obs)


def test_replicas_count_only_the_servers_that_load_the_prometheus_yml(tmp_path: Path) -> None:
    """Two single servers mounting different keys of one ConfigMap are not an HA pair."""
    cm = _server_cm()
    cm["data"]["other.yml"] = PROMETHEUS_YML
    a = _prometheus(name="prom-a")
    a["spec"]["template"]["spec"]["volumes"][0]["configMap"]["items"] = [
        {"key": "prometheus.yml", "path": "prometheus.yml"}
    ]
    b = _prometheus(name="prom-b", args=["--config.file=/etc/config/other.yml"])
    b["spec"]["template"]["spec"]["volumes"][0]["configMap"]["items"] = [{"key": "other.yml", "path": "other.yml"}]
    with KubeApiServer([cm, a, b], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    assert {k.rsplit("/", 1)[-1]: d["ha_replicas"] for k, d in _by(result, "prometheus.config").items()} == {
        "prometheus.yml": 1,
        "other.yml": 1,
    }


def _pair_member(
    suffix: str, replica: str, extra: str = "", edit: tuple[str, str] | None = None
) -> list[dict[str, Any]]:
    """One half of an HA pair written as its own Deployment and its own copy of prometheus.yml:
    `extra` appended to its jobs, `edit` an (old, new) replacement in its text."""
    text = PROMETHEUS_YML.replace(
        "external_labels: {cluster: prod}", f"external_labels: {{cluster: prod, replica: {replica}}}"
    )
    text = text.replace("rule_files:\n  - /etc/config/recording_rules.yml\n  - /etc/config/alerting_rules.yml\n", "")
    if edit is not None:
        text = text.replace(*edit)
    text += extra
    name = f"prometheus-{suffix}"
    return [_cm("monitoring", name, {"prometheus.yml": text}), _prometheus(name=name, cm=name)]


@pytest.mark.parametrize(
    ("b_replica", "b_extra", "b_edit", "pair"),
    [
        pytest.param("b", "", None, True, id="pair"),
        pytest.param("a", "", None, False, id="same-replica-value"),
        pytest.param(
            "b", "  - job_name: extra\n    static_configs: [{targets: ['x:1']}]\n", None, False, id="other-jobs"
        ),
        # the same number of jobs of the same families, scraping other targets: two teams' servers
        # (review 2026-12-04, P1), not a pair
        pytest.param("b", "", ("localhost:9090", "other-team:9090"), False, id="same-shape-other-targets"),
        # a mapping with a non-string key cannot be hashed as JSON: paired with nothing, no crash
        pytest.param(
            "b",
            "  - job_name: odd\n    static_configs: [{targets: ['x:1'], labels: {1: one}}]\n",
            None,
            False,
            id="non-string-key",
        ),
    ],
)
def test_an_ha_pair_of_two_workloads_with_their_own_configs(
    b_replica: str, b_extra: str, b_edit: tuple[str, str] | None, pair: bool, tmp_path: Path
) -> None:
    """Two Deployments whose prometheus.yml copies differ only in the replica label's value are one
    HA pair (review v6: they read as two single servers and failed 5.1.1:L2.3); other jobs, or the
    same replica value, are not."""
    from tests.ruletable import decide

    objects = [*_pair_member("a", "a"), *_pair_member("b", b_replica, b_extra, b_edit)]
    with KubeApiServer(objects, token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    replicas = sorted(d["ha_replicas"] for d in _by(result, "prometheus.config").values())
    assert replicas == ([2, 2] if pair else [1, 1])
    rows = [(e.kind, e.subject, e.data) for e in result.evidence if e.kind == "prometheus.config"]
    assert decide("prometheus.collection.ha-pairs", rows) == ("met" if pair else "not_met")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["sidecar", "--reloader.rule-dir=/etc/prometheus/rules"], id="sidecar"),
        pytest.param(["query", "--query.replica-label=ruler_replica", "--endpoint=thanos-ruler:10901"], id="query"),
    ],
)
def test_thanos_components_other_than_the_ruler_are_not_rulers(args: list[str], tmp_path: Path) -> None:
    other = _workload(
        "Deployment",
        "monitoring",
        "thanos",
        [{"name": "t", "image": "quay.io/thanos/thanos:v0.36.1", "args": args}],
        [],
    )
    with KubeApiServer([*_objects(), other], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    for kind in RULES:
        assert not result.observations[kind].partial, kind


def test_a_rule_file_from_a_secret_by_subpath_is_a_gap(tmp_path: Path) -> None:
    server = _prometheus(
        extra_mounts=[
            {"name": "secret-rules", "mountPath": "/etc/config/alerting_rules.yml", "subPath": "alerting_rules.yml"}
        ],
        extra_volumes=[{"name": "secret-rules", "secret": {"secretName": "rules"}}],
    )
    cm = _server_cm()
    del cm["data"]["alerting_rules.yml"]
    with KubeApiServer([cm, server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
        assert srv.secret_requests == []
    obs = result.observations["prometheus.recording_rule"]
    assert obs.observed and "member(s) not scanned" in (obs.partial or ""), (
        obs
    )  # a gap: nothing concluded it could undo


@pytest.mark.parametrize(
    ("labels", "read"),
    [
        pytest.param({"app.kubernetes.io/instance": "flagger"}, False, id="flagger"),
        pytest.param({"release": "gitlab-platform-monitoring", "chart": "prometheus-25.8.0"}, True, id="own-release"),
    ],
)
def test_vendored_by_exact_release(labels: dict[str, str], read: bool, tmp_path: Path) -> None:
    with KubeApiServer([_server_cm(), _prometheus(labels=labels)], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    assert result.observations["prometheus.config"].observed is read


def test_a_plain_server_is_a_monitoring_server(tmp_path: Path) -> None:
    """Its flags, volumes and prometheus.yml give the facts an operator's resource gives."""
    server = _prometheus(
        args=[
            "--config.file=/etc/config/prometheus.yml",
            "--storage.tsdb.path=/data",
            "--storage.tsdb.retention.time=20d",
            "--storage.tsdb.retention.size=80GB",
        ],
        extra_mounts=[{"name": "storage-volume", "mountPath": "/data"}],
    )
    server["kind"] = "StatefulSet"
    server["spec"]["replicas"] = 2
    server["spec"]["volumeClaimTemplates"] = [{"metadata": {"name": "storage-volume"}}]
    cm = _server_cm()
    cm["data"]["prometheus.yml"] += "remote_write:\n  - url: https://thanos-receive.example.net/api/v1/receive\n"
    ephemeral = _prometheus(ns="batch", name="scratch", extra_mounts=[{"name": "tmp", "mountPath": "/prometheus"}])
    ephemeral["spec"]["template"]["spec"]["volumes"].append({"name": "tmp", "emptyDir": {}})
    with KubeApiServer([cm, server, _server_cm(ns="batch"), ephemeral], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    servers = _by(result, SERVER)
    assert servers["monitoring/StatefulSet/prometheus-server"] == {
        "tool": "prometheus",
        "replicas": 2,
        "shards": None,
        "retention": "20d",
        "retention_s": 20 * 86400.0,
        "retention_size": "80GB",
        "persistent_storage": True,
        "remote_write_count": 1,
        "remote_write_hosts": ["thanos-receive.example.net"],
        "alertmanagers": [],
        "rule_selector": {},
        "selects_rules": False,
        "selects_service_monitors": False,
        "config_source": None,
        "operator": False,
    }
    scratch = servers["batch/Deployment/scratch"]
    assert (scratch["retention"], scratch["persistent_storage"], scratch["remote_write_count"]) == ("15d", False, 0)
    assert result.observations[SERVER].observed and not result.observations[SERVER].partial


def test_only_the_files_a_server_loads_are_read(tmp_path: Path) -> None:
    """A `.bak` copy of a rule file, a job file of scrape_config_files and another key that looks
    like a prometheus.yml are mounted but loaded by nothing here (review v4: W1, W4)."""
    cm = _server_cm()
    cm["data"]["alerting_rules.yml.bak"] = ALERTING_RULES.replace("shop", "old")
    cm["data"]["prometheus.yml"] += "scrape_config_files: [/etc/config/jobs/*.yml]\n"
    cm["data"]["other-prometheus.yml"] = PROMETHEUS_YML
    with KubeApiServer([cm, _prometheus()], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    assert set(_by(result, "prometheus.alert_rule")) == {"shop/CheckoutErrorRateHigh", "shop/CheckoutErrorRateWarn"}
    assert list(_by(result, "prometheus.config")) == ["monitoring/ConfigMap/prometheus-server/prometheus.yml"]
    obs = result.observations["prometheus.target_pool"]
    assert obs.observed and "scrape_config_files" in (obs.partial or ""), obs


def test_rule_keys_of_a_server_without_rule_files_are_not_its_rules(tmp_path: Path) -> None:
    cm = _server_cm()
    cm["data"]["prometheus.yml"] = (
        "global: {scrape_interval: 30s}\nscrape_configs:\n  - job_name: pods\n    kubernetes_sd_configs: [{role: pod}]\n"
    )
    with KubeApiServer([cm, _prometheus()], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    assert not _by(result, "prometheus.alert_rule")
    assert result.observations["prometheus.alert_rule"].state == "absent"


def test_a_ruler_s_rules_outside_its_configmaps_are_a_gap(tmp_path: Path) -> None:
    rules = _cm("monitoring", "ruler-rules", {"alerts.yaml": ALERTING_RULES})
    ruler = _mounting(
        "StatefulSet",
        "monitoring",
        "thanos-ruler",
        "quay.io/thanos/thanos:v0.36.1",
        "ruler-rules",
        "/etc/thanos/rules",
        "rule",
        "--rule-file=/etc/thanos/rules/*.yaml",
        "--rule-file=/etc/thanos/generated/*.yaml",
    )
    with KubeApiServer([*_objects(), rules, ruler], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    obs = result.observations["prometheus.alert_rule"]
    assert obs.observed and "/etc/thanos/generated/*.yaml" in (obs.partial or ""), obs


def test_a_tls_secret_beside_the_configuration_is_no_gap(tmp_path: Path) -> None:
    server = _prometheus(
        extra_mounts=[{"name": "tls", "mountPath": "/etc/config/tls"}],
        extra_volumes=[{"name": "tls", "secret": {"secretName": "prometheus-tls"}}],
    )
    with KubeApiServer([_server_cm(), server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    for kind in RULES:
        obs = result.observations[kind]
        assert obs.observed and not obs.partial, (kind, obs)


def test_two_servers_choosing_their_file_from_one_configmap_are_single(tmp_path: Path) -> None:
    cm = _server_cm()
    cm["data"]["other.yml"] = PROMETHEUS_YML
    a = _prometheus(name="prom-a")
    b = _prometheus(name="prom-b", args=["--config.file=/etc/config/other.yml"])
    with KubeApiServer([cm, a, b], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    got = {k.rsplit("/", 1)[-1]: d["ha_replicas"] for k, d in _by(result, "prometheus.config").items()}
    assert got == {"prometheus.yml": 1, "other.yml": 1}


def test_no_alertmanager_is_left_out_while_a_sender_is_unread(tmp_path: Path) -> None:
    """A second Prometheus whose configuration is not read may be the one sending to it."""
    server = _server_cm()
    server["data"]["prometheus.yml"] = PROMETHEUS_YML.replace('"alertmanager:9093"', '"am.ops.example.net:9093"')
    unread = _prometheus(ns="team-b", name="prometheus", cm="missing")
    with KubeApiServer([server, _prometheus(), unread, _alertmanager(), *_objects()[:1]], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    assert set(_by(result, "alertmanager.receiver")) == {"ops-mail", "pager"}


def test_renamed_items_and_a_shell_wrapper_are_followed(tmp_path: Path) -> None:
    """A volume's `items` give a key another file name, and the server is started by `sh -c`
    (envsubst of the replica label): the rule file is found where it is mounted, and the flags
    in the script are read (review v5)."""
    cm = _server_cm()
    cm["data"]["prometheus.yml"] = PROMETHEUS_YML.replace(
        "  - /etc/config/alerting_rules.yml\n", "  - /etc/config/rules/alerts.yml\n"
    )
    server = _prometheus(args=[])
    spec = server["spec"]["template"]["spec"]
    spec["volumes"][0]["configMap"]["items"] = [
        {"key": "prometheus.yml", "path": "prometheus.yml"},
        {"key": "recording_rules.yml", "path": "recording_rules.yml"},
        {"key": "alerting_rules.yml", "path": "rules/alerts.yml"},
    ]
    spec["containers"][1]["command"] = ["/bin/sh", "-c"]
    spec["containers"][1]["args"] = [
        "envsubst < /etc/config/prometheus.yml > /tmp/p.yml; exec prometheus "
        "--config.file=/etc/config/prometheus.yml --storage.tsdb.retention.size=50GB"
    ]
    with KubeApiServer([cm, server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    assert set(_by(result, "prometheus.alert_rule")) == {"shop/CheckoutErrorRateHigh", "shop/CheckoutErrorRateWarn"}
    (facts,) = _by(result, SERVER).values()
    assert (facts["retention_size"], facts["retention"]) == ("50GB", None)  # a size limit alone sets no time limit


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        pytest.param(["--storage.tsdb.retention.size=${SIZE}"], (None, None), id="size-from-a-variable"),
        pytest.param(["--storage.tsdb.retention.time=$(RETENTION)"], (None, None), id="time-from-a-variable"),
        pytest.param(
            ["--storage.tsdb.retention.time=30d", "--storage.tsdb.retention.size=${SIZE}"],
            (None, "30d"),
            id="one-known",
        ),
        pytest.param([], (None, "15d"), id="default"),
    ],
)
def test_retention_flags_holding_a_variable_are_unknown(
    flags: list[str], expected: tuple[str | None, str | None], tmp_path: Path
) -> None:
    """Review v6: `${SIZE}` was taken as a size limit. A value set from the environment at start
    is not known here, and neither is the default it replaces."""
    server = _prometheus(args=["--config.file=/etc/config/prometheus.yml", *flags])
    with KubeApiServer([_server_cm(), server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    (facts,) = _by(result, SERVER).values()
    assert (facts["retention_size"], facts["retention"]) == expected


def test_a_wildcard_rule_directory_beside_a_sidecar_s_volume_is_a_gap(tmp_path: Path) -> None:
    """rules/*/*.yml over a ConfigMap at rules/team-a and an emptyDir a sidecar fills at
    rules/generated: the rules read are only part (review v6)."""
    cm = _server_cm()
    cm["data"]["prometheus.yml"] = PROMETHEUS_YML.replace(
        "  - /etc/config/alerting_rules.yml\n", "  - /etc/rules/*/*.yml\n"
    )
    team = _cm("monitoring", "team-a-rules", {"alerts.yml": ALERTING_RULES})
    server = _prometheus(
        extra_mounts=[
            {"name": "team-a", "mountPath": "/etc/rules/team-a"},
            {"name": "generated", "mountPath": "/etc/rules/generated"},
        ],
        extra_volumes=[
            {"name": "team-a", "configMap": {"name": "team-a-rules"}},
            {"name": "generated", "emptyDir": {}},
        ],
    )
    with KubeApiServer([cm, team, server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    assert set(_by(result, "prometheus.alert_rule")) == {"shop/CheckoutErrorRateHigh", "shop/CheckoutErrorRateWarn"}
    obs = result.observations["prometheus.alert_rule"]
    assert obs.observed and "member(s) not scanned" in (obs.partial or ""), obs


@pytest.mark.parametrize("shell", [["/bin/sh", "-ec"], ["bash", "-o", "pipefail", "-c"]])
def test_flags_behind_other_shell_options_are_read(shell: list[str], tmp_path: Path) -> None:
    server = _prometheus(args=[])
    container = server["spec"]["template"]["spec"]["containers"][1]
    container["command"] = shell
    container["args"] = ["exec prometheus --config.file=/etc/config/prometheus.yml --storage.tsdb.retention.size=40GB"]
    with KubeApiServer([_server_cm(), server], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    (facts,) = _by(result, SERVER).values()
    assert facts["retention_size"] == "40GB"
