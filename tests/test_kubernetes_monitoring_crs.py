"""The kubernetes probe reads the Prometheus Operator's resources (monitoring.coreos.com/v1) from
the loopback API server into the kinds the GitOps path emits for the same objects: paged to the
end, bounded, and unknown (never "no rules") when the API is not served or forbidden."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from probes.kubernetes.monitoring import MONITORING_KINDS, RESOURCES
from sandbox.kubernetes import SURFACE, KubeApiServer
from sandbox.kubernetes.surface import resource_list
from scanner.runner import ScanResult
from tests.fixtures.kubernetes.helpers import TOKEN, by_subject, scan_files, scan_live
from tests.test_probe_kubernetes_rbac import grants, load_role

GV = "monitoring.coreos.com/v1"
RULES = ("prometheus.alert_rule", "prometheus.recording_rule")


def _rule(ns: str, name: str, groups: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": GV,
        "kind": "PrometheusRule",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"groups": groups},
    }


def _objects(rule_objects: int = 3) -> list[dict[str, Any]]:
    rules = [
        _rule(
            f"team-{i % 2}",
            f"rules-{i}",
            [
                {"name": f"g{i}.rules", "rules": [{"record": f"job:r{i}:rate5m", "expr": "sum(rate(x_total[5m]))"}]},
                {
                    "name": f"g{i}.alerts",
                    "interval": "1m",
                    "rules": [
                        {
                            "alert": f"High{i}",
                            "expr": f"job:r{i}:rate5m > 5",
                            "for": "5m",
                            "labels": {"severity": "critical"},
                            "annotations": {"summary": "s", "runbook_url": "https://wiki.example/rb"},
                        }
                    ],
                },
            ],
        )
        for i in range(rule_objects)
    ]
    return [
        {
            "apiVersion": GV,
            "kind": "Prometheus",
            "metadata": {"name": "k8s", "namespace": "monitoring"},
            "spec": {
                "replicas": 2,
                "retention": "15d",
                "scrapeInterval": "30s",
                "ruleSelector": {"matchLabels": {"release": "kps"}},
                "serviceMonitorSelector": {},
                "storage": {"volumeClaimTemplate": {"spec": {}}},
            },
        },
        {
            "apiVersion": GV,
            "kind": "Alertmanager",
            "metadata": {"name": "main", "namespace": "monitoring"},
            "spec": {"replicas": 3, "configSecret": "am-config"},
        },
        *rules,
        {
            "apiVersion": GV,
            "kind": "ServiceMonitor",
            "metadata": {"name": "api", "namespace": "team-0"},
            "spec": {
                "selector": {},
                "endpoints": [{"port": "m", "interval": "15s"}, {"port": "m2", "scheme": "https"}],
            },
        },
        {
            "apiVersion": GV,
            "kind": "PodMonitor",
            "metadata": {"name": "worker", "namespace": "team-1"},
            "spec": {"podMetricsEndpoints": [{"port": "m", "interval": "30s"}], "sampleLimit": 1000},
        },
        {
            "apiVersion": GV,
            "kind": "Probe",
            "metadata": {"name": "site", "namespace": "monitoring"},
            "spec": {
                "interval": "60s",
                "prober": {"url": "bb:9115"},
                "targets": {"staticConfig": {"static": ["https://x"]}},
            },
        },
    ]


def _monitoring_requests(srv: KubeApiServer, plural: str) -> list[dict[str, str]]:
    return [dict(r.query) for r in srv.requests if r.path == f"/apis/{GV}/{plural}"]


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KubeApiServer, ScanResult]]:
    with KubeApiServer(_objects(), token=TOKEN) as srv:
        yield srv, scan_live(srv, tmp_path_factory.mktemp("mon"), page_size=1)


def test_served_in_the_documented_wire_format() -> None:
    """PrometheusRuleList with metadata.continue, CRD items keep kind/apiVersion, and an absent
    group is a 404 Status, as the API server answers."""
    with KubeApiServer(_objects(), token=TOKEN) as srv, KubeApiServer([], token=TOKEN) as bare:

        def get(base: str, path: str) -> tuple[int, dict[str, Any]]:
            req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {TOKEN}"})
            try:
                with urllib.request.urlopen(req) as resp:
                    return resp.status, json.loads(resp.read())
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read())

        code, page = get(srv.url, f"/apis/{GV}/prometheusrules?limit=2")
        assert code == 200 and page["kind"] == "PrometheusRuleList" and page["apiVersion"] == GV
        assert len(page["items"]) == 2 and page["metadata"]["continue"] and page["metadata"]["remainingItemCount"] == 1
        assert all(i["kind"] == "PrometheusRule" and i["apiVersion"] == GV for i in page["items"])
        code, doc = get(srv.url, f"/apis/{GV}")
        assert code == 200 and {r["name"] for r in doc["resources"]} >= {
            p.plural for p, _k in RESOURCES if p.version == "v1"
        }
        code, group = get(srv.url, "/apis/monitoring.coreos.com")
        assert code == 200 and group["preferredVersion"]["version"] == "v1"
        code, status = get(bare.url, f"/apis/{GV}/prometheusrules")
        assert code == 404 and status["kind"] == "Status" and status["reason"] == "NotFound"
    listed = resource_list(SURFACE, "monitoring.coreos.com", "v1alpha1")
    assert [r["kind"] for r in listed["resources"]] == ["AlertmanagerConfig"]


def test_reads_every_cr_into_the_gitops_kinds(paged: tuple[KubeApiServer, ScanResult]) -> None:
    _srv, result = paged
    run = result.sources[0]
    assert run.status == "ok", run.error
    for kind in MONITORING_KINDS:
        if kind.startswith("alertmanager."):  # no AlertmanagerConfig: the Secret alone, never read
            assert result.observations[kind].state == "absent" and "am-config" in (
                result.observations[kind].reason or ""
            )
            continue
        assert result.observations[kind].observed, (kind, result.observations[kind].reason)
        assert not result.observations[kind].partial, kind
    alerts = by_subject(result, "prometheus.alert_rule")
    assert set(alerts) == {"g0.alerts/High0", "g1.alerts/High1", "g2.alerts/High2"}
    assert alerts["g1.alerts/High1"]["file"] == "team-1/rules-1" and alerts["g1.alerts/High1"]["has_runbook"]
    assert alerts["g1.alerts/High1"]["group_interval_s"] == 60.0
    assert len(by_subject(result, "prometheus.recording_rule")) == 3
    pools = by_subject(result, "prometheus.target_pool")
    assert set(pools) == {
        "serviceMonitor/team-0/api/0",
        "serviceMonitor/team-0/api/1",
        "podMonitor/team-1/worker/0",
        "probe/monitoring/site",
    }
    assert pools["serviceMonitor/team-0/api/0"]["scrape_interval_s"] == 15.0
    servers = by_subject(result, "gitops.monitoring_server")
    assert (
        servers["monitoring/Prometheus/k8s"]["replicas"] == 2
        and servers["monitoring/Prometheus/k8s"]["persistent_storage"]
    )
    assert servers["monitoring/Alertmanager/main"]["config_source"] == "am-config"
    config = by_subject(result, "prometheus.config")["monitoring/Prometheus/k8s"]
    assert config["ha_replicas"] == 2
    origins = {e.origin for e in result.evidence if e.kind == "prometheus.alert_rule"}
    assert origins == {f"{_srv.url}/apis/{GV}/prometheusrules"}


def test_same_facts_as_the_files_path(paged: tuple[KubeApiServer, ScanResult], tmp_path: Path) -> None:
    """The same objects in a repository give the same data: one derivation, no rule duplication."""
    _srv, live = paged
    (tmp_path / "monitoring.yaml").write_text(yaml.safe_dump_all(_objects()), encoding="utf-8")
    files = scan_files(tmp_path)
    for kind in (*RULES, "prometheus.target_pool", "prometheus.config", "gitops.monitoring_server"):
        assert by_subject(live, kind) == by_subject(files, kind), kind


def test_pages_with_limit_and_continue(paged: tuple[KubeApiServer, ScanResult]) -> None:
    srv, result = paged
    calls = _monitoring_requests(srv, "prometheusrules")
    assert len(calls) == 3 and all(c["limit"] == "1" for c in calls)
    assert "continue" not in calls[0] and all(c.get("continue") for c in calls[1:])
    assert len(by_subject(result, "prometheus.alert_rule")) == 3  # every page folded in


def test_requests_are_read_only_and_granted(paged: tuple[KubeApiServer, ScanResult]) -> None:
    srv, _result = paged
    role = load_role()
    mon = [r for r in srv.requests if r.path.startswith(f"/apis/{GV}/")]
    assert mon and all(r.method == "GET" for r in mon)
    for r in mon:
        plural = r.path.rsplit("/", 1)[1]
        assert grants(role, "monitoring.coreos.com", plural, "list"), r.path
    assert srv.secret_requests == []


def test_group_not_served_is_unknown_not_no_rules(tmp_path: Path) -> None:
    with KubeApiServer([], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
        # /apis does not list the group: it is not asked for (one request fewer)
        assert "/apis" in srv.request_paths() and f"/apis/{GV}" not in srv.request_paths()
    assert result.sources[0].status == "ok"
    for kind in MONITORING_KINDS:
        obs = result.observations[kind]
        assert not obs.observed and obs.state == "absent", (kind, obs)
        assert "not served" in (obs.reason or "")
    assert not [e for e in result.evidence if e.kind in MONITORING_KINDS]


def test_crd_not_installed_leaves_its_kinds_unknown(tmp_path: Path) -> None:
    surface = [r for r in SURFACE if r.plural != "prometheusrules"]
    objs = [o for o in _objects() if o["kind"] != "PrometheusRule"]
    with KubeApiServer(objs, token=TOKEN, surface=surface) as srv:
        result = scan_live(srv, tmp_path)
        assert not _monitoring_requests(srv, "prometheusrules")
    for kind in RULES:
        assert not result.observations[kind].observed and result.observations[kind].state == "absent"
    assert result.observations["prometheus.target_pool"].observed


def test_forbidden_is_unknown_and_warned(tmp_path: Path) -> None:
    with KubeApiServer(_objects(), token=TOKEN, forbidden={"prometheusrules.monitoring.coreos.com"}) as srv:
        result = scan_live(srv, tmp_path)
    for kind in RULES:
        obs = result.observations[kind]
        assert not obs.observed and obs.state == "absent" and "forbidden" in (obs.reason or ""), obs
    assert result.observations["prometheus.target_pool"].observed
    assert result.sources[0].status == "partial" and "clusterrole" in (result.sources[0].error or "")
    assert not [e for e in result.evidence if e.kind in RULES]


def test_forbidden_secondary_list_makes_its_kind_partial(tmp_path: Path) -> None:
    with KubeApiServer(_objects(), token=TOKEN, forbidden={"podmonitors.monitoring.coreos.com"}) as srv:
        result = scan_live(srv, tmp_path)
    obs = result.observations["prometheus.target_pool"]
    assert obs.observed and "podmonitors" in (obs.partial or "")


def test_bounded_list_fails_never_reads_as_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("probes.netguard.MAX_PAGES", 2)  # prometheusrules has 5 pages of one
    with KubeApiServer(_objects(rule_objects=5), token=TOKEN) as srv:
        result = scan_live(srv, tmp_path, page_size=1)
        assert len(_monitoring_requests(srv, "prometheusrules")) <= 3
    for kind in RULES:
        obs = result.observations[kind]
        assert not obs.observed and obs.state == "failed", obs
    assert not [e for e in result.evidence if e.kind in RULES]  # nothing half-collected
    assert result.observations["prometheus.target_pool"].observed


def test_server_error_fails_only_its_kinds(tmp_path: Path) -> None:
    with KubeApiServer(_objects(), token=TOKEN) as srv:
        srv.inject_fault(r"/servicemonitors$", 500, times=10)
        result = scan_live(srv, tmp_path, retries=0)
    assert result.observations["prometheus.target_pool"].state == "failed"
    assert result.observations["prometheus.alert_rule"].observed


def test_no_prometheus_resource(tmp_path: Path) -> None:
    """CRDs installed but no server: none is no finding; rules without the server are partial."""
    monitor = [o for o in _objects() if o["kind"] == "ServiceMonitor"]
    with KubeApiServer(monitor, token=TOKEN, installed={"monitoring.coreos.com"}) as srv:
        result = scan_live(srv, tmp_path)
    for kind in (*RULES, "prometheus.config", "gitops.monitoring_server"):
        assert result.observations[kind].state == "absent", kind
    pools = result.observations["prometheus.target_pool"]
    assert pools.observed and "no Prometheus resource" in (pools.partial or "")


def test_namespace_filter_is_partial(tmp_path: Path) -> None:
    with KubeApiServer(_objects(), token=TOKEN) as srv:
        result = scan_live(srv, tmp_path, namespaces={"include": ["team-1", "monitoring"]})
        paths = set(srv.request_paths())
    assert f"/apis/{GV}/namespaces/team-1/prometheusrules" in paths and f"/apis/{GV}/prometheusrules" not in paths
    assert set(by_subject(result, "prometheus.alert_rule")) == {"g1.alerts/High1"}
    assert "namespaces" in (result.observations["prometheus.alert_rule"].partial or "")


def test_monitor_crd_not_installed_hides_nothing(tmp_path: Path) -> None:
    """An operator without the Probe CRD serves no Probes: the monitors read are all there are."""
    surface = [r for r in SURFACE if r.plural != "probes"]
    objs = [o for o in _objects() if o["kind"] != "Probe"]
    with KubeApiServer(objs, token=TOKEN, surface=surface) as srv:
        result = scan_live(srv, tmp_path)
    pools = result.observations["prometheus.target_pool"]
    assert pools.observed and not pools.partial
    assert len(by_subject(result, "prometheus.target_pool")) == 3


def test_role_grants_every_monitoring_list_read_only() -> None:
    role = load_role()
    for res, _kinds in RESOURCES:
        assert grants(role, res.group, res.plural, "list") and grants(role, res.group, res.plural, "get"), res
    mon = [r for r in role["rules"] if "monitoring.coreos.com" in r.get("apiGroups", [])]
    assert mon and all(set(r["verbs"]) == {"get", "list"} for r in mon)
