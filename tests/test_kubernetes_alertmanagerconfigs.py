"""The kubernetes probe reads AlertmanagerConfig resources (monitoring.coreos.com v1alpha1, else
v1beta1) from the loopback API server into `alertmanager.config` / `alertmanager.receiver`, as
the Prometheus Operator renders them into the Alertmanagers that select them: partial (the
Alertmanager's own Secret is never read), and unknown, never "no receivers", when the list is not
served, forbidden, or selected by no Alertmanager."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from probes.kubernetes.amconfig import amconfig_facts, selected_by
from sandbox.kubernetes import SURFACE, ApiResource, KubeApiServer
from scanner.rules import evaluate_rules
from tests.fixtures.kubernetes.helpers import TOKEN, by_subject, scan_live
from tests.ruletable import installed_rules
from tests.test_probe_kubernetes_rbac import grants, load_role

AM_KINDS = ("alertmanager.config", "alertmanager.receiver")
ALPHA = "monitoring.coreos.com/v1alpha1"


def _am(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "Alertmanager",
        "metadata": {"name": "main", "namespace": "monitoring"},
        "spec": {
            "replicas": 3,
            "configSecret": "am-config",
            "alertmanagerConfigSelector": {"matchLabels": {"alertmanagerConfig": "enabled"}},
            "alertmanagerConfigNamespaceSelector": {},
            **spec,
        },
    }


def _amc(ns: str, team: str, gv: str = ALPHA, labels: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": gv,
        "kind": "AlertmanagerConfig",
        "metadata": {"name": f"{team}-team", "namespace": ns, "labels": labels or {"alertmanagerConfig": "enabled"}},
        "spec": {
            "route": {
                "receiver": f"{team}-slack",
                "groupBy": ["alertname", "job"],
                "groupWait": "30s",
                "repeatInterval": "4h",
                "matchers": [{"name": "team", "value": team}],
                "routes": [
                    {
                        "receiver": f"{team}-pager",
                        "matchers": [{"name": "severity", "value": "critical"}],
                        "continue": True,
                    }
                ],
            },
            "receivers": [
                {
                    "name": f"{team}-slack",
                    "slackConfigs": [
                        {"channel": f"#{team}", "apiURL": {"name": "slack", "key": "url"}, "sendResolved": True}
                    ],
                },
                {"name": f"{team}-pager", "pagerdutyConfigs": [{"routingKey": {"name": "pd", "key": "routingKey"}}]},
            ],
            **extra,
        },
    }


INHIBIT: dict[str, Any] = {
    "inhibitRules": [
        {
            "sourceMatch": [{"name": "alertname", "value": "KubeNodeNotReady"}],
            "targetMatch": [{"name": "severity", "value": "warning"}],
            "equal": ["node"],
        }
    ]
}


def _objects() -> list[dict[str, Any]]:
    return [
        _am(),
        _amc("core", "core"),
        _amc("portal", "web"),
        _amc("monitoring", "platform", inhibitRules=INHIBIT["inhibitRules"]),
        _amc("scratch", "nobody", labels={"alertmanagerConfig": "disabled"}),  # selected by nothing
    ]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with KubeApiServer(_objects(), token=TOKEN) as srv:
        yield srv, scan_live(srv, tmp_path_factory.mktemp("amc"), page_size=2)


def test_rendered_as_the_operator_renders_them(scanned: Any) -> None:
    _srv, result = scanned
    assert result.sources[0].status == "ok", result.sources[0].error
    configs = by_subject(result, "alertmanager.config")
    assert set(configs) == {
        "core/AlertmanagerConfig/core-team",
        "portal/AlertmanagerConfig/web-team",
        "monitoring/AlertmanagerConfig/platform-team",
    }
    core = configs["core/AlertmanagerConfig/core-team"]
    assert core["receiver"] == "core/core-team/core-slack" and core["group_by"] == ["alertname", "job"]
    assert core["repeat_interval_s"] == 14400.0 and core["integration_types"] == ["pagerduty", "slack"]
    assert core["routes"][0]["receiver"] == "core/core-team/core-pager" and core["severity_routes"] == 1
    assert {"namespace", "team", "severity"} <= set(core["route_matcher_labels"])
    # the team's own route is a child of the Alertmanager's root (unseen): it and its child hand
    # the team's alerts to the team's receivers
    assert core["owner_receivers"] == ["core/core-team/core-pager", "core/core-team/core-slack"]
    platform = configs["monitoring/AlertmanagerConfig/platform-team"]
    (rule,) = platform["inhibit_rules"]
    assert rule["source"] == ['alertname="KubeNodeNotReady"', 'namespace="monitoring"']
    assert rule["target"] == ['severity="warning"', 'namespace="monitoring"'] and rule["equal"] == ["node"]
    assert platform["cross_object_inhibit_rules"] == 1
    receivers = by_subject(result, "alertmanager.receiver")
    assert receivers["core/core-team/core-pager"]["paging"] and receivers["core/core-team/core-slack"]["send_resolved"]
    assert not any(k.startswith("scratch/") for k in receivers)
    for kind in AM_KINDS:
        obs = result.observations[kind]
        assert obs.observed and "monitoring/am-config" in (obs.partial or ""), obs


def test_never_copies_secret_references(scanned: Any) -> None:
    _srv, result = scanned
    text = repr([e.data for e in result.evidence if e.kind in AM_KINDS])
    assert "routingKey" not in text and "apiURL" not in text and "pd" not in text.split("'")


def test_read_only_paged_and_granted_never_secrets(scanned: Any) -> None:
    srv, _result = scanned
    calls = [r for r in srv.requests if r.path == f"/apis/{ALPHA}/alertmanagerconfigs"]
    assert len(calls) == 2 and all(dict(c.query)["limit"] == "2" for c in calls)  # 4 objects, pages of 2
    assert "continue" not in calls[0].query and calls[1].query.get("continue")
    assert all(r.method == "GET" for r in srv.requests)
    assert srv.secret_requests == [] and not any("/secrets" in r.path for r in srv.requests)
    role = load_role()
    assert grants(role, "monitoring.coreos.com", "alertmanagerconfigs", "list")
    assert grants(role, "monitoring.coreos.com", "alertmanagerconfigs", "get")
    assert not grants(role, "", "secrets", "get") and not grants(role, "", "secrets", "list")


def test_decides_the_alerting_items(scanned: Any) -> None:
    """The rules that read alertmanager.yml decide from the live objects: channels, grouping,
    storm control and team routes met; escalation to PagerDuty left to PagerDuty's evidence."""
    _srv, result = scanned
    rules = installed_rules()
    wanted = {
        "alertmanager.notify.multi-channel",
        "alertmanager.alerting.storm-control",
        "alertmanager.alerting.escalation-path",
    }
    subset = type(rules)([r for r in rules.rules if r.id in wanted], "")
    obs = {k: o.to_json() for k, o in result.observations.items()}
    got = {rule_id: r.status for rule_id, r in evaluate_rules(subset, result.evidence, obs).items()}
    assert got == {
        "alertmanager.notify.multi-channel": "met",
        "alertmanager.alerting.storm-control": "met",
        "alertmanager.alerting.escalation-path": "unknown",
    }


def test_v1beta1_when_v1alpha1_is_not_served(tmp_path: Path) -> None:
    surface = [r for r in SURFACE if r.plural != "alertmanagerconfigs"]
    surface.append(
        ApiResource("monitoring.coreos.com", "v1beta1", "alertmanagerconfigs", "AlertmanagerConfig", optional=True)
    )
    beta = _amc("core", "core", gv="monitoring.coreos.com/v1beta1", timeIntervals=[{"name": "weekend"}])
    beta["spec"]["route"]["routes"][0]["matchers"] = [{"name": "severity", "value": "critical|page", "matchType": "=~"}]
    with KubeApiServer([_am(), beta], token=TOKEN, surface=surface) as srv:
        result = scan_live(srv, tmp_path)
        assert "/apis/monitoring.coreos.com/v1beta1/alertmanagerconfigs" in srv.request_paths()
    (config,) = by_subject(result, "alertmanager.config").values()
    assert config["time_intervals"] == ["core/core-team/weekend"]
    assert config["routes"][0]["matchers"] == ['severity=~"critical|page"']


@pytest.mark.parametrize(
    ("objects", "surface_without", "forbidden", "why"),
    [
        ([_amc("core", "core")], None, (), "no Alertmanager resource"),
        ([_am(), _amc("core", "core", labels={"x": "y"})], None, (), "monitoring/am-config"),
        ([_am()], "alertmanagerconfigs", (), "monitoring/am-config"),
        (_objects(), None, ("alertmanagerconfigs.monitoring.coreos.com",), "forbidden"),
        (_objects(), None, ("alertmanagers.monitoring.coreos.com",), "forbidden"),
    ],
    ids=["no-alertmanager", "none-selected", "crd-not-installed", "forbidden", "alertmanagers-forbidden"],
)
def test_unknown_never_no_receivers(
    tmp_path: Path, objects: list[dict[str, Any]], surface_without: str | None, forbidden: tuple[str, ...], why: str
) -> None:
    surface = [r for r in SURFACE if r.plural != surface_without]
    with KubeApiServer(
        objects, token=TOKEN, surface=surface, forbidden=forbidden, installed={"monitoring.coreos.com"}
    ) as srv:
        result = scan_live(srv, tmp_path)
    for kind in AM_KINDS:
        obs = result.observations[kind]
        assert not obs.observed and obs.state == "absent" and why in (obs.reason or ""), obs
    assert not [e for e in result.evidence if e.kind in AM_KINDS]


def test_server_error_fails_the_kinds(tmp_path: Path) -> None:
    with KubeApiServer(_objects(), token=TOKEN) as srv:
        srv.inject_fault(r"/alertmanagerconfigs$", 500, times=10)
        result = scan_live(srv, tmp_path, retries=0)
    for kind in AM_KINDS:
        assert result.observations[kind].state == "failed"
    assert not [e for e in result.evidence if e.kind in AM_KINDS]
    assert result.observations["gitops.monitoring_server"].observed


def test_selection_and_matcher_strategy() -> None:
    am = _am(alertmanagerConfigNamespaceSelector=None)
    assert selected_by(am, _amc("monitoring", "x")) is True and selected_by(am, _amc("core", "x")) is False
    assert selected_by(_am(alertmanagerConfigNamespaceSelector={"matchLabels": {"a": "b"}}), _amc("core", "x")) is None
    assert selected_by(_am(alertmanagerConfigSelector=None), _amc("monitoring", "x")) is False
    facts, _ = amconfig_facts(_amc("core", "core"), on_namespace=False)
    assert "namespace" not in facts["route_matcher_labels"]


def test_prometheus_size_bound_and_argocd_tracking_decide(tmp_path: Path) -> None:
    """retentionSize on the Prometheus resource decides 5.2.3:L3.5; an application tracked by
    Argo CD (tracking-id annotation) decides 6.2.2:L1.1/L2.2, both through the live objects."""
    prom = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "Prometheus",
        "metadata": {"name": "k8s", "namespace": "monitoring"},
        "spec": {"replicas": 2, "retention": "30d", "retentionSize": "90GB"},
    }
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "orders",
            "namespace": "core",
            "annotations": {"argocd.argoproj.io/tracking-id": "core:apps/Deployment:core/orders"},
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "orders"}},
            "template": {
                "metadata": {"labels": {"app": "orders"}},
                "spec": {"containers": [{"name": "app", "image": "registry.example.com/orders:1.4.2"}]},
            },
        },
    }
    with KubeApiServer([prom, deploy], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    assert by_subject(result, "gitops.monitoring_server")["monitoring/Prometheus/k8s"]["retention_size"] == "90GB"
    rules = installed_rules()
    wanted = {"gitops.servers.capacity-bound", "kubernetes.workloads.deployment-tooling"}
    subset = type(rules)([r for r in rules.rules if r.id in wanted], "")
    obs = {k: o.to_json() for k, o in result.observations.items()}
    got = {rule_id: r.status for rule_id, r in evaluate_rules(subset, result.evidence, obs).items()}
    assert got == {"gitops.servers.capacity-bound": "met", "kubernetes.workloads.deployment-tooling": "met"}
