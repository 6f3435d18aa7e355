"""What a GitOps repository really holds, read by the files probe (issue 17, part 3): the
Alertmanager configuration in a Secret (never a secret value out), Prometheus Operator
resources, Grafana dashboards, SLO definitions, Argo CD applications, Velero backups, kustomize
overlays and Helm charts. Fixture repositories under tests/fixtures/gitops/ were written for
these tests."""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from probes.files import FilesProbe
from probes.gitops.dashboards import is_infra, metric_names
from probes.gitops.files import KINDS as GITOPS_KINDS
from probes.kubernetes.join import FILE_KINDS
from scanner.rules import evaluate_rules
from scanner.runner import ScanResult
from tests.fixtures.kubernetes.helpers import by_subject, scan_files
from tests.ruletable import installed_rules

FIXTURES = Path(__file__).parent / "fixtures" / "gitops"
PLATFORM = FIXTURES / "platform"


def everything(result: ScanResult) -> str:
    """All a report could show of a scan: evidence, observations, source errors."""
    return json.dumps(
        {
            "evidence": [e.to_json() for e in result.evidence],
            "observations": {k: o.to_json() for k, o in result.observations.items()},
            "sources": [[s.status, s.error] for s in result.sources],
        },
        default=str,
    )


@pytest.fixture(scope="module")
def platform() -> ScanResult:
    return scan_files(PLATFORM)


def one(result: ScanResult, kind: str, subject: str) -> dict[str, Any]:
    items = by_subject(result, kind)
    assert subject in items, (kind, sorted(items))
    return items[subject]


# ------------------------------------------------------------------ Alertmanager in a Secret


def test_secret_config_read_as_alertmanager_kinds(platform: ScanResult) -> None:
    cfg = one(platform, "alertmanager.config", "monitoring/Secret/alertmanager-main")
    assert cfg["group_by"] == ["alertname", "namespace"]
    assert cfg["inhibit_rules_count"] == 1 and cfg["severity_routes"] == 2
    assert cfg["integration_types"] == ["email", "pagerduty", "slack", "webhook"]
    receivers = by_subject(platform, "alertmanager.receiver")
    assert receivers["oncall-pager"]["paging"] is True
    assert platform.observations["alertmanager.config"].observed


def test_no_secret_value_ever_leaves(platform: ScanResult) -> None:
    blob = everything(platform)
    assert "CANARY" not in blob  # api keys, webhook tokens, SMTP passwords, a git token in a URL
    assert "grafana-admin" not in blob and "admin-password" not in blob  # other Secrets: not even keys


def test_base64_secret_gives_the_same_facts() -> None:
    result = scan_files(FIXTURES / "b64")
    cfg = one(result, "alertmanager.config", "monitoring/Secret/alertmanager-main")
    assert cfg["integration_types"] == ["opsgenie", "slack"] and cfg["paging_types"] == ["opsgenie"]
    blob = everything(result)
    assert "CANARY" not in blob and "db-credentials" not in blob
    assert result.sources[0].status == "ok"


def _secret(body: str) -> str:
    return f"apiVersion: v1\nkind: Secret\nmetadata: {{name: alertmanager-main, namespace: monitoring}}\n{body}"


@pytest.mark.parametrize(
    "body",
    [
        "data:\n  alertmanager.yaml: '!!not-base64 CANARY-broken-1!!'\n",
        "stringData:\n  alertmanager.yaml: 'route: [CANARY-broken-2\n'\n",
        "data:\n  alertmanager.yaml: "
        + base64.b64encode(b"global: {smtp_auth_password: CANARY-broken-3}\n").decode()
        + "\n",
    ],
)
def test_unreadable_secret_fails_the_family_without_quoting_it(tmp_path: Path, body: str) -> None:
    (tmp_path / "am.yaml").write_text(_secret(body), encoding="utf-8")
    result = scan_files(tmp_path)
    assert result.sources[0].status == "partial"
    errors = [e for e in result.evidence if e.kind == "files.parse_error"]
    assert errors and "am.yaml" in errors[0].data["error"]
    obs = result.observations["alertmanager.config"]
    assert not obs.observed and obs.state == "failed"
    assert "CANARY" not in everything(result)


def test_repository_without_alertmanager_config_leaves_kinds_absent(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(_secret("stringData: {token: CANARY-x}\n"), encoding="utf-8")
    result = scan_files(tmp_path)
    obs = result.observations["alertmanager.config"]
    assert obs.state == "absent"  # another Secret is not an Alertmanager configuration
    assert "CANARY" not in everything(result)


# ------------------------------------------------------------------ Prometheus Operator


def test_prometheus_resource_is_its_configuration(platform: ScanResult) -> None:
    cfg = one(platform, "prometheus.config", "monitoring/Prometheus/k8s")
    assert cfg["replica_label"] == "prometheus_replica"  # two replicas: an HA pair
    assert cfg["remote_write_count"] == 1 and cfg["remote_write"][0]["host"] == "thanos-receive.example.com"
    assert cfg["remote_write"][0]["authenticated"] and cfg["alertmanager_configs"] == 1
    server = one(platform, "gitops.monitoring_server", "monitoring/Prometheus/k8s")
    assert server["replicas"] == 2 and server["retention_s"] == 15 * 86400 and server["persistent_storage"]
    assert server["rule_selector"] == {"role": "alert-rules"}
    am = one(platform, "gitops.monitoring_server", "monitoring/Alertmanager/main")
    assert am["replicas"] == 3 and am["config_source"] == "alertmanager-main"


def test_single_replica_prometheus_has_no_replica_label(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: p, namespace: m}\nspec: {}\n",
        encoding="utf-8",
    )
    cfg = one(scan_files(tmp_path), "prometheus.config", "m/Prometheus/p")
    assert cfg["replica_label"] is None and cfg["remote_write_count"] == 0


def test_monitors_are_target_pools_named_as_the_operator_names_jobs(platform: ScanResult) -> None:
    pools = by_subject(platform, "prometheus.target_pool")
    assert set(pools) == {
        "serviceMonitor/shop/checkout/0",
        "serviceMonitor/shop/checkout/1",
        "podMonitor/shop/worker/0",
        "probe/monitoring/storefront",
    }
    assert pools["serviceMonitor/shop/checkout/0"]["scrape_interval_s"] == 15.0
    assert pools["serviceMonitor/shop/checkout/1"]["tls_verify"] is True
    assert pools["podMonitor/shop/worker/0"]["limited"] is True
    probe = pools["probe/monitoring/storefront"]
    assert probe["family"] == "blackbox" and probe["static_targets"] == 2
    assert probe["targets_up"] is None  # only a live server knows


def test_monitors_alone_do_not_observe_the_configuration(tmp_path: Path) -> None:
    shutil.copy(PLATFORM / "monitoring" / "monitors.yaml", tmp_path)
    result = scan_files(tmp_path)
    assert result.observations["prometheus.target_pool"].observed
    assert result.observations["prometheus.config"].state == "absent"  # no "remote_write missing" finding


# ------------------------------------------------------------------ dashboards


def test_dashboards_classified_from_their_metrics(platform: ScanResult) -> None:
    business = one(platform, "gitops.dashboard", "dashboards/checkout.json")
    assert business["category"] == "business" and business["source"] == "json_file"
    assert business["panels"] == 4 and business["variables"] == ["datasource", "region"]
    assert business["variable_count"] == 1  # the data source picker is no dimension of the data
    assert {"checkout_orders_total", "payment_attempts_total"} <= set(business["application_metrics"])
    assert business["infrastructure_metrics"] == ["container_cpu_usage_seconds_total"]
    assert business["highlighted_application_metrics"] == ["checkout_orders_total"]  # the stat panel
    infra = one(platform, "gitops.dashboard", "monitoring/ConfigMap/grafana-dashboard-nodes/nodes.json")
    assert infra["category"] == "infrastructure" and infra["source"] == "configmap"
    # Prometheus's own HTTP histogram is self-monitoring, never business evidence.
    assert "prometheus_http_request_duration_seconds_bucket" in infra["infrastructure_metrics"]
    assert infra["application_metrics"] == []
    assert not any("shop-settings" in s for s in by_subject(platform, "gitops.dashboard"))  # unlabelled ConfigMap


def test_metric_names_leave_out_labels_functions_and_variables() -> None:
    expr = 'sum by (le, code) (rate(http_requests_total{job="$job", code=~"5.."}[$__rate_interval])) / ignoring(code) group_left sum(up offset 1h)'
    assert metric_names(expr) == {"http_requests_total", "up"}
    assert metric_names("job:slo_errors:ratio_rate5m > 0.001") == {"job:slo_errors:ratio_rate5m"}
    assert is_infra("go_goroutines") and is_infra("up") and not is_infra("orders_created_total")


def test_bad_dashboard_configmap_fails_only_the_gitops_family(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d, namespace: m, labels: {grafana_dashboard: '1'}}\n"
        'data:\n  d.json: \'{"title": "x", "panels": [\'\n',
        encoding="utf-8",
    )
    (tmp_path / "p.yaml").write_text((PLATFORM / "monitoring" / "prometheus.yaml").read_text(), encoding="utf-8")
    result = scan_files(tmp_path)
    assert result.observations["gitops.dashboard"].state == "failed"
    assert result.observations["prometheus.config"].observed


# ------------------------------------------------------------------ SLOs, Argo CD, Velero, kustomize


def test_slo_definitions_of_three_tools(platform: ScanResult) -> None:
    slos = by_subject(platform, "gitops.slo")
    sloth = slos["shop/PrometheusServiceLevel/checkout/requests-availability"]
    assert (sloth["tool"], sloth["service"], sloth["objective_percent"], sloth["window_days"]) == (
        "sloth", "checkout", 99.9, 30.0,
    )  # fmt: skip
    assert sloth["sli_type"] == "ratio" and sloth["metrics"] == ["http_requests_total"] and sloth["alerting"]
    pyrra = slos["shop/ServiceLevelObjective/search-latency"]
    assert (pyrra["objective_percent"], pyrra["window_days"], pyrra["sli_type"]) == (99.5, 28.0, "latency")
    openslo = slos["default/SLO/payments-availability"]
    assert (openslo["objective_percent"], openslo["window_days"], openslo["service"]) == (99.5, 28.0, "payments")


def test_argocd_applications(platform: ScanResult) -> None:
    app = one(platform, "gitops.argocd_app", "argocd/Application/shop-production")
    assert app["automated"] and app["self_heal"] and app["prune"]
    assert app["repo_hosts"] == ["git.example.com"]  # never the token in the URL
    assert (app["destination_namespace"], app["target_revisions"]) == ("shop", ["main"])
    appset = one(platform, "gitops.argocd_app", "argocd/ApplicationSet/monitoring")
    assert not appset["automated"] and appset["generators"] == ["clusters"]
    # a subscription with a recipient counts, an empty one does not; the recipient is never kept
    assert app["notifications"] == ["on-sync-succeeded"] and appset["notifications"] == []
    assert "shop-deploys" not in everything(platform)


def test_velero_backup_and_schedule(platform: ScanResult) -> None:
    backup = one(platform, "gitops.velero_backup", "velero/Backup/before-postgres-upgrade")
    assert backup["ttl_s"] == 7 * 86400 and backup["snapshot_volumes"] is True
    schedules = by_subject(platform, "kubernetes.velero_schedule")
    assert list(schedules) == ["velero/nightly-shop"]


def test_kustomize_overlays_are_environments(platform: ScanResult) -> None:
    app = one(platform, "gitops.kustomize_app", "apps/shop")
    assert app["environments"] == ["production", "staging"] and app["shared_base"]
    assert app["bases"] == ["apps/shop/base"]


def test_rollout_with_workload_ref_joins_its_deployment(tmp_path: Path) -> None:
    for sub in ("apps/shop/base/deployment.yaml", "rollouts/checkout-rollout.yaml"):
        shutil.copy(PLATFORM / sub, tmp_path / Path(sub).name)
    result = scan_files(tmp_path)
    workloads = by_subject(result, "kubernetes.workload")
    assert list(workloads) == ["shop/Deployment/checkout"]  # one workload, not two
    w = workloads["shop/Deployment/checkout"]
    assert w["progressive"] == "argo-rollouts" and w["containers"][0]["readiness"]


def test_kinds_without_items_are_absent_not_zero(tmp_path: Path) -> None:
    shutil.copy(PLATFORM / "argocd" / "apps.yaml", tmp_path)
    result = scan_files(tmp_path)
    assert result.observations["gitops.argocd_app"].observed
    for kind in ("gitops.dashboard", "gitops.slo", "gitops.kustomize_app"):
        assert result.observations[kind].state == "absent", kind
    assert set(GITOPS_KINDS) <= set(FilesProbe.kinds)


# ------------------------------------------------------------------ Helm


def test_unrendered_chart_is_reported_and_hides_no_missing_object(platform: ScanResult) -> None:
    chart = one(platform, "gitops.helm_chart", "charts/cache")
    assert chart["rendered"] is False and chart["templates"] == 1 and "helm" in (chart["reason"] or "")
    assert not any(e.kind == "files.parse_error" for e in platform.evidence)  # templates are not parsed
    for kind in FILE_KINDS:
        obs = platform.observations[kind]
        assert obs.state == "absent" and "charts/cache" in (obs.reason or ""), kind
    assert platform.observations["gitops.dashboard"].observed  # kinds a template cannot feed stay observed


def _chart(repo: Path, name: str, templates: dict[str, str], chart_yaml: str = "") -> None:
    (repo / name / "templates").mkdir(parents=True)
    (repo / name / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 1.0.0\n{chart_yaml}", "utf-8")
    for file, text in templates.items():
        (repo / name / "templates" / file).write_text(text, encoding="utf-8")


_APP = (
    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop, namespace: argocd}\n"
    "spec:\n  project: default\n  source: {repoURL: 'https://git.example.com/shop.git', path: charts/api}\n"
    "  destination: {server: 'https://kubernetes.default.svc', namespace: shop}\n"
    "  syncPolicy: {automated: {selfHeal: true}}\n"
)
_RULES = 'groups:\n  - name: api\n    rules:\n      - alert: ApiDown\n        expr: up{job="api"} == 0\n'
_DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
_MONITOR = "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: {{ .Release.Name }}\n"


def test_a_helper_template_is_read_as_the_charts_text(tmp_path: Path) -> None:
    """An Application defined in _helpers.tpl and included by a template hides Argo CD apps."""
    repo = tmp_path / "repo"
    helper = '{{- define "platform.app" -}}\n' + _APP.replace("name: shop,", "name: {{ .name }},") + "{{- end }}\n"
    apps = '{{- range .Values.apps }}\n---\n{{ include "platform.app" . }}\n{{- end }}\n'
    _chart(repo, "charts/apps", {"apps.yaml": apps, "_helpers.tpl": helper})
    (repo / "apps").mkdir()
    (repo / "apps" / "shop.yaml").write_text(_APP, encoding="utf-8")
    result = scan_files(repo)
    obs = result.observations["gitops.argocd_app"]
    assert obs.state == "absent" and "charts/apps" in (obs.reason or "")
    assert one(result, "gitops.helm_chart", "charts/apps")["templates"] == 2  # the .tpl counted


def test_label_snippets_in_helpers_leave_the_chart_closed(tmp_path: Path) -> None:
    """`helm create`'s _helpers.tpl assembles labels with line-start includes inside defines:
    that renders no object, so the chart still hides only its Deployment's kinds."""
    helpers = (
        '{{- define "api.labels" -}}\nhelm.sh/chart: {{ include "api.chart" . }}\n'
        '{{ include "api.selectorLabels" . }}\n{{- end }}\n'
    )
    repo = tmp_path / "repo"
    _chart(repo, "charts/api", {"deployment.yaml": _DEPLOYMENT, "_helpers.tpl": helpers})
    (repo / "apps").mkdir()
    (repo / "apps" / "shop.yaml").write_text(_APP, encoding="utf-8")
    result = scan_files(repo)
    assert result.observations["gitops.argocd_app"].observed
    assert result.observations["kubernetes.workload"].state == "absent"


def test_a_template_of_blank_lines_is_read_in_linear_time() -> None:
    """Hostile input: no template pattern may retry a line-start match across a run of blank
    lines (quadratic under MULTILINE with a leading `\\s*`). 1 MB of newlines must be quick."""
    from probes.files.base import template_kinds
    from probes.gitops.files import GitopsFiles
    from probes.prometheus.files import PrometheusFiles

    text = "\n" * 1_000_000 + "kind: Deployment\n"
    gitops, prom = template_kinds(GitopsFiles, text), template_kinds(PrometheusFiles, text)
    assert "gitops.argocd_app" not in gitops and "prometheus.alert_rule" not in prom


def test_unrendered_chart_hides_only_the_kinds_its_templates_spell(tmp_path: Path) -> None:
    """A chart of a Deployment and a ServiceMonitor cannot hold an Argo CD Application or a rule
    file: those stay observed from the repository's plain files; workloads and scrape jobs do not."""
    repo = tmp_path / "repo"
    _chart(
        repo,
        "charts/api",
        {"deployment.yaml": _DEPLOYMENT, "monitor.yaml": _MONITOR, "_helpers.tpl": '{{- define "x" -}}{{- end }}'},
    )
    (repo / "apps").mkdir()
    (repo / "apps" / "shop.yaml").write_text(_APP, encoding="utf-8")
    (repo / "rules.yml").write_text(_RULES, encoding="utf-8")
    result = scan_files(repo)
    assert result.observations["gitops.argocd_app"].observed
    assert result.observations["prometheus.alert_rule"].observed
    for kind in ("kubernetes.workload", "prometheus.target_pool"):
        obs = result.observations[kind]
        assert obs.state == "absent" and "charts/api" in (obs.reason or ""), kind


@pytest.mark.parametrize(
    ("case", "templates", "chart_yaml"),
    [
        ("templated kind", {"x.yaml": "apiVersion: v1\nkind: {{ .Values.kind }}\n"}, ""),
        (
            "extra objects",
            {"extra.yaml": "{{- range .Values.extraObjects }}\n---\n{{ tpl (toYaml .) $ }}\n{{- end }}\n"},
            "",
        ),
        (
            "Bitnami extraDeploy",
            {
                "extra.yaml": '{{- range .Values.extraDeploy }}\n---\n{{ include "common.tplvalues.render" (dict "value" . "context" $) }}\n{{- end }}\n'
            },
            "",
        ),
        ("values as a document", {"raw.yaml": "{{- toYaml .Values.manifest }}\n"}, ""),
        (
            "subchart dependency",
            {"deployment.yaml": _DEPLOYMENT},
            "dependencies:\n  - {name: kube-prometheus-stack, version: 65.0.0, repository: https://prometheus-community.github.io/helm-charts}\n",
        ),
        (
            "object from a helper",
            {
                "apps.yaml": '{{- include "platform.app" . }}\n',
                "_helpers.tpl": '{{- define "platform.app" -}}\nkind: {{ .kind }}\n{{- end }}\n',
            },
            "",
        ),
        (
            "objects from a values loop",
            {"apps.yaml": "{{- range .Values.apps }}\n---\n{{ . | toYaml }}\n{{- end }}\n"},
            "",
        ),
    ],
)
def test_unrendered_chart_that_can_emit_anything_hides_every_kind(
    tmp_path: Path, case: str, templates: dict[str, str], chart_yaml: str
) -> None:
    repo = tmp_path / "repo"
    _chart(repo, "charts/api", templates, chart_yaml)
    (repo / "apps").mkdir()
    (repo / "apps" / "shop.yaml").write_text(_APP, encoding="utf-8")
    (repo / "rules.yml").write_text(_RULES, encoding="utf-8")
    result = scan_files(repo)
    for kind in ("gitops.argocd_app", "prometheus.alert_rule", "kubernetes.workload"):
        obs = result.observations[kind]
        assert obs.state == "absent" and "charts/api" in (obs.reason or ""), (case, kind)


def _fake_helm(tmp: Path) -> Path:
    """A stand-in `helm` that renders the cache chart as `helm template` would."""
    out = tmp / "rendered.yaml"
    out.write_text(
        "---\n# Source: cache/templates/statefulset.yaml\napiVersion: apps/v1\nkind: StatefulSet\n"
        "metadata: {name: cache-redis, namespace: shop}\nspec:\n  replicas: 2\n  serviceName: cache-redis\n"
        "  selector: {matchLabels: {app: redis}}\n  template:\n    metadata: {labels: {app: redis}}\n"
        "    spec: {containers: [{name: redis, image: 'redis:7.2'}]}\n",
        encoding="utf-8",
    )
    script = tmp / "helm"
    script.write_text(f'#!/bin/sh\n[ "$1" = template ] || exit 2\ncat "{out}"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_chart_rendered_when_helm_is_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(PLATFORM / "charts", repo / "charts")
    monkeypatch.setenv("HELM_BINARY", str(_fake_helm(tmp_path)))
    result = scan_files(repo)
    chart = one(result, "gitops.helm_chart", "charts/cache")
    assert chart["rendered"] is True and chart["objects"] == 1 and chart["reason"] is None
    assert one(result, "kubernetes.workload", "shop/StatefulSet/cache-redis")["replicas"] == 2
    assert result.observations["kubernetes.workload"].observed


def test_failing_helm_leaves_the_chart_unrendered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(PLATFORM / "charts", repo / "charts")
    broken = tmp_path / "helm"
    broken.write_text("#!/bin/sh\necho 'Error: chart requires kubeVersion' >&2\nexit 1\n", encoding="utf-8")
    broken.chmod(0o755)
    monkeypatch.setenv("HELM_BINARY", str(broken))
    result = scan_files(repo)
    chart = one(result, "gitops.helm_chart", "charts/cache")
    assert chart["rendered"] is False and "kubeVersion" in (chart["reason"] or "")
    assert result.observations["kubernetes.workload"].state == "absent"
    assert os.environ["HELM_BINARY"] == str(broken)


def test_recording_rule_names_are_classified_by_the_metric_they_build_on() -> None:
    # level:metric:operations: the kube-prometheus mixin's recording rules are infrastructure
    assert is_infra("namespace_cpu:kube_pod_container_resource_requests:sum")
    assert is_infra("node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate")
    assert not is_infra("service:http_requests:rate5m")


# ------------------------------------------------------------------ the repository, and the rules


def test_repository_summary_names_the_families_found(platform: ScanResult, tmp_path: Path) -> None:
    summary = one(platform, "files.repository", ".")
    assert summary["families"] == ["alertmanager", "gitops", "kubernetes", "prometheus"]
    assert summary["helm_charts"] == 1 and summary["files"] >= 10
    (tmp_path / "notes.yaml").write_text("owner: someone\n", encoding="utf-8")
    assert one(scan_files(tmp_path), "files.repository", ".")["families"] == []


def gitops_rules(result: ScanResult) -> dict[str, str]:
    """Every installed gitops.* rule's status over a scan."""
    rules = installed_rules()
    subset = type(rules)([r for r in rules.rules if r.id.startswith("gitops.")], "")
    obs = {k: o.to_json() for k, o in result.observations.items()}
    return {k: v.status for k, v in evaluate_rules(subset, result.evidence, obs).items()}


def test_gitops_rules_over_the_platform_repository(platform: ScanResult) -> None:
    status = gitops_rules(platform)
    met = {
        "gitops.dashboards.online-charts",
        "gitops.dashboards.workload-telemetry",
        "gitops.dashboards.business-views",
        "gitops.dashboards.highlighted-business-metrics",
        "gitops.dashboards.scenario-queries",
        "gitops.slo.defined-and-monitored",
        "gitops.argocd.self-heal",
        "gitops.argocd.change-notifications",
        "gitops.kustomize.environment-overlays",
        "gitops.kustomize.config-separated",
        "gitops.repository.configuration-as-files",
    }
    assert {k for k, v in status.items() if v == "met"} >= met, status
    # the monitoring ApplicationSet is synced by hand: not every deployment is automated
    assert status["gitops.argocd.every-app-automated"] == "not_met"
    # no dashboard links anywhere to drill down to
    assert status["gitops.dashboards.drill-down"] == "unknown"


def test_gitops_rules_unknown_without_the_files(tmp_path: Path) -> None:
    (tmp_path / "notes.yaml").write_text("owner: someone\n", encoding="utf-8")
    assert set(gitops_rules(scan_files(tmp_path)).values()) == {"unknown"}


def test_runtime_dashboards_are_not_business_views() -> None:
    """A JVM or Node.js dashboard (Micrometer, prom-client defaults) watches the runtime."""
    from probes.gitops.dashboards import dashboard_facts

    jvm = {
        "title": "JVM",
        "panels": [
            {"type": "stat", "targets": [{"expr": "jvm_memory_used_bytes{area='heap'}"}]},
            {"type": "timeseries", "targets": [{"expr": "rate(hikaricp_connections_timeout_total[5m])"}]},
            {"type": "timeseries", "targets": [{"expr": "nodejs_eventloop_lag_seconds"}]},
        ],
    }
    facts = dashboard_facts(jvm, "json_file")
    assert facts["category"] == "infrastructure" and facts["highlighted_application_metrics"] == []
