"""Kubernetes facts added for coverage (issue 17), read from the loopback API server and from
manifests on disk: Rollouts that take over a Deployment by workloadRef, HPAs coupled by a shared
metric, surge-first rolling updates, charts rendered by `helm template`; and the same object
seen live and in Git counted once by the rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

# probes.files first: importing a parser module before it is a circular import (reported).
from probes.files import FilesConfig
from probes.kubernetes import KubernetesConfig
from sandbox.kubernetes import KubeApiServer, write_kubeconfig
from scanner.config import ScanConfig
from scanner.probe import load_probes
from scanner.runner import ScanResult, run_sources
from tests.fixtures.kubernetes.helpers import TOKEN, by_subject, kube_rule_results, scan_files, scan_live

pytestmark = pytest.mark.slow  # starts the loopback API server


def deployment(name: str, replicas: int, **spec: Any) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "shop", "labels": dict(spec.pop("labels", {}))},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {"name": "app", "image": f"registry.example.com/{name}:1", "readinessProbe": {"httpGet": {}}}
                    ]
                },
            },
            **spec,
        },
    }


def hpa(name: str, target_kind: str, target: str, metric: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "scaleTargetRef": {"kind": target_kind, "name": target},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [metric],
        },
    }


QUEUE = {"type": "External", "external": {"metric": {"name": "orders_queue_depth"}, "target": {"type": "Value"}}}
CPU = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}

OBJECTS: list[dict[str, Any]] = [
    # Scaled to zero: the blue-green Rollout below runs its template with 4 replicas.
    deployment("catalog", 0),
    {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "catalog-rollout", "namespace": "shop"},
        "spec": {
            "replicas": 4,
            "workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "catalog"},
            "strategy": {"blueGreen": {"activeService": "catalog"}},
        },
    },
    hpa("catalog", "Rollout", "catalog-rollout", CPU),
    deployment("orders", 3, strategy={"rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}),
    deployment("payments", 8),  # the default 25% of 8 is two pods down per step
    deployment("web", 3, labels={"app.kubernetes.io/managed-by": "Helm"}),  # 25% of 3 rounds to none
    hpa("orders", "Deployment", "orders", QUEUE),
    hpa("payments", "Deployment", "payments", QUEUE),
    hpa("web", "Deployment", "web", CPU),
    {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "orders-redis", "namespace": "shop"},
        "spec": {
            "selector": {"matchLabels": {"app": "orders-redis"}},
            "template": {
                "metadata": {"labels": {"app": "orders-redis"}},
                "spec": {
                    "containers": [
                        {"name": "redis", "image": "redis:7.2", "args": ["--maxmemory-policy", "allkeys-lru"]}
                    ]
                },
            },
        },
    },
    deployment("redis-cart", 1),
    {
        "apiVersion": "velero.io/v1",
        "kind": "Restore",
        "metadata": {"name": "drill-q3", "namespace": "velero"},
        "spec": {"backupName": "nightly-shop-20260901", "includedNamespaces": ["shop"]},
        "status": {
            "phase": "Completed",
            "startTimestamp": "2026-09-02T01:00:00Z",
            "completionTimestamp": "2026-09-02T01:42:30Z",
            "warnings": 3,
        },
    },
]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScanResult]:
    with KubeApiServer(OBJECTS, token=TOKEN) as srv:
        yield scan_live(srv, tmp_path_factory.mktemp("kube"))


def test_workload_ref_rollout_gives_the_deployment_its_strategy_and_replicas(live: ScanResult) -> None:
    w = by_subject(live, "kubernetes.workload")
    assert "shop/Rollout/catalog-rollout" not in w  # one workload, the Deployment
    catalog = w["shop/Deployment/catalog"]
    assert (catalog["strategy"], catalog["replicas"], catalog["progressive"]) == ("blueGreen", 4, "argo-rollouts")
    assert catalog["hpa_covered"] and catalog["min_replicas"] == 2  # the HPA scales the Rollout
    assert catalog["surge_first"] is False  # blue-green is judged as progressive delivery, not here


def test_surge_first_follows_how_kubernetes_rounds(live: ScanResult) -> None:
    w = by_subject(live, "kubernetes.workload")
    assert w["shop/Deployment/orders"]["surge_first"] is True  # maxUnavailable 0
    assert w["shop/Deployment/payments"]["surge_first"] is False  # HPA ceiling 10: 25% is two pods
    assert w["shop/Deployment/web"]["surge_first"] is False  # HPA ceiling 10 as well
    # the share a rolling update may take down: 25% of ten pods rounds down to two
    assert w["shop/Deployment/orders"]["rollout_unavailable_share"] == 0.0
    assert w["shop/Deployment/payments"]["rollout_unavailable_share"] == 0.2


def test_hpas_on_one_external_metric_are_coupled(live: ScanResult) -> None:
    h = by_subject(live, "kubernetes.hpa")
    assert h["shop/HorizontalPodAutoscaler/orders"]["coupled_with"] == ["shop/payments"]
    assert h["shop/HorizontalPodAutoscaler/payments"]["coupled_with"] == ["shop/orders"]
    assert h["shop/HorizontalPodAutoscaler/web"]["coupled_with"] == []  # CPU is each workload's own
    assert kube_rule_results(live, ["kubernetes.autoscalers.coupled"])["kubernetes.autoscalers.coupled"].status == "met"


def test_keda_metric_names_and_other_namespaces_do_not_couple() -> None:
    from probes.kubernetes.workloads import coupled_autoscalers

    def hpa(ns: str, name: str, metric: str) -> dict[str, Any]:
        return {"namespace": ns, "type": "HorizontalPodAutoscaler", "name": name, "target_kind": "Deployment",
                "target_name": name, "metrics": [metric]}  # fmt: skip

    coupled = coupled_autoscalers(
        [
            hpa("shop", "keda-hpa-orders", "External/s0-prometheus"),
            hpa("shop", "keda-hpa-mailer", "External/s0-prometheus"),  # KEDA's name, not one signal
            hpa("staging", "worker", "External/queue_depth"),
            hpa("prod", "worker", "External/queue_depth"),  # same name, another namespace's queue
            hpa("prod", "notifier", "External/queue_depth"),
        ]
    )
    assert coupled == {
        ("prod", "HorizontalPodAutoscaler", "worker"): ["prod/notifier"],
        ("prod", "HorizontalPodAutoscaler", "notifier"): ["prod/worker"],
    }


def test_chart_label_without_helm_release_is_rendered_not_installed(live: ScanResult) -> None:
    assert by_subject(live, "kubernetes.workload")["shop/Deployment/web"]["managed_by"] == "helm-template"


def test_zero_downtime_release_judged_over_the_serving_deployments(live: ScanResult) -> None:
    # No Service selects these pods: nothing serves, so nothing is in scope.
    result = kube_rule_results(live, ["kubernetes.workloads.zero-downtime-release"])
    assert result["kubernetes.workloads.zero-downtime-release"].status == "unknown"


# ------------------------------------------------------------------ live and Git together


def _service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80}]},
    }


def test_object_live_and_in_git_is_one_subject(tmp_path: Path) -> None:
    """Git declares web with one replica; the cluster runs it with three (someone scaled it).
    The rules count web once, as it runs, and a workload only in Git still counts."""
    live_objects = [deployment("web", 3), _service("web")]
    repo = tmp_path / "repo"
    repo.mkdir()
    git = [deployment("web", 1), _service("web"), deployment("api", 2), _service("api")]
    (repo / "apps.yaml").write_text(yaml.safe_dump_all(git), encoding="utf-8")
    with KubeApiServer(live_objects, token=TOKEN) as srv:
        kc = write_kubeconfig(tmp_path / "kubeconfig.yaml", srv.url, token=TOKEN, context="test")
        both = ScanConfig(
            sources=[
                KubernetesConfig(name="cluster", probe="kubernetes", kubeconfig=str(kc), context="test"),
                FilesConfig(name="repo", probe="files", path=str(repo)),
            ]
        )
        result = run_sources(both, load_probes())
    webs = [e for e in result.evidence if e.kind == "kubernetes.workload" and e.subject == "shop/Deployment/web"]
    assert len(webs) == 2  # both stay in the report's evidence
    replicated = kube_rule_results(result, ["kubernetes.workloads.replicated"])["kubernetes.workloads.replicated"]
    assert replicated.status == "met", replicated.explanation
    assert replicated.stats["total"] == 2  # web (live) and api (Git only), not web twice


def test_git_manifests_never_decide_the_deployment_platform(tmp_path: Path) -> None:
    """Argo CD adds its tracking label in the cluster only: manifests in Git are unknown here."""
    (tmp_path / "apps.yaml").write_text(yaml.safe_dump_all([deployment("web", 2)]), encoding="utf-8")
    rule = "kubernetes.workloads.unified-deployment-platform"
    assert kube_rule_results(scan_files(tmp_path), [rule])[rule].status == "unknown"


def test_velero_restores_are_drills_read_live_only(live: ScanResult, tmp_path: Path) -> None:
    restore = by_subject(live, "kubernetes.velero_restore")["velero/drill-q3"]
    assert (restore["phase"], restore["duration_minutes"], restore["errors"], restore["warnings"]) == (
        "Completed", 42.5, 0, 3,
    )  # fmt: skip
    assert restore["backup"] == "nightly-shop-20260901" and restore["days_since_completed"] > 0
    assert live.observations["kubernetes.velero_schedule"].observed  # same API, listed together
    # A Restore kept in Git is a record of a run, not a run: the files probe never reports one.
    (tmp_path / "restore.yaml").write_text(yaml.safe_dump(OBJECTS[-1]), encoding="utf-8")  # the Restore
    from_git = scan_files(tmp_path)
    assert not by_subject(from_git, "kubernetes.velero_restore")
    assert "kubernetes.velero_restore" not in from_git.observations or not (
        from_git.observations["kubernetes.velero_restore"].observed
    )


def test_redis_counts_as_a_cache_only_when_configured_as_one(live: ScanResult) -> None:
    w = by_subject(live, "kubernetes.workload")
    assert w["shop/StatefulSet/orders-redis"]["cache_hint"] is True  # evicts least-recently-used keys
    assert w["shop/Deployment/redis-cart"]["cache_hint"] is False
    caches = kube_rule_results(live, ["kubernetes.workloads.caches"])["kubernetes.workloads.caches"]
    assert caches.status == "met" and caches.subjects == ("shop/StatefulSet/orders-redis",)
