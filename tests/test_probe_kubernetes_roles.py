"""Workload roles (application / platform / cache / agent / system) and Service selection.

Rules judge "no single point", probes and autoscaling over application workloads that serve
traffic; these facts must not count controllers, operators or caches as applications.
"""

from __future__ import annotations

from typing import Any

import pytest

from probes.kubernetes.derive import image_path, role_of
from probes.kubernetes.join import Joiner
from probes.kubernetes.kinds import MODELS
from scanner.evidence import Evidence


@pytest.mark.parametrize(
    ("image", "path"),
    [
        ("quay.io/prometheus/prometheus:v2.53.0", "prometheus/prometheus"),
        ("redis:7", "redis"),
        ("localhost:5000/shop/api@sha256:abc", "shop/api"),
        ("registry.k8s.io/ingress-nginx/controller:v1.11.0", "ingress-nginx/controller"),
        ("ghcr.io/example/pgvector:0.7", "example/pgvector"),
    ],
)
def test_image_path_drops_registry_tag_and_digest(image: str, path: str) -> None:
    assert image_path(image) == path


@pytest.mark.parametrize(
    ("kind", "ns", "images", "role"),
    [
        ("Deployment", "shop", ["registry.example.com/shop/checkout:1.4"], "application"),
        ("Deployment", "shop", ["registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.12.0"], "platform"),
        ("Deployment", "default", ["quay.io/jetstack/cert-manager-controller:v1.15.0"], "platform"),
        ("Deployment", "tools", ["quay.io/argoproj/argocd:v2.11.0"], "platform"),
        ("Deployment", "monitoring", ["docker.io/grafana/grafana:11.0.0"], "platform"),
        ("Deployment", "shop", ["myorg/payments-operator:0.3"], "platform"),
        ("Deployment", "k6-operator-system", ["ghcr.io/grafana/k6-operator:controller-v0.0.19"], "platform"),
        ("StatefulSet", "shop", ["bitnami/redis:7.2", "oliver006/redis_exporter:v1.6"], "cache"),
        ("Deployment", "shop", ["memcached:1.6"], "cache"),
        ("Deployment", "shop", ["shop/api:1", "redis:7"], "application"),  # main container decides
        ("StatefulSet", "shop", ["postgres:16"], "application"),
        ("Deployment", "ingress-nginx", ["registry.k8s.io/ingress-nginx/controller:v1.11.0"], "application"),
        ("DaemonSet", "shop", ["shop/log-forwarder:1"], "agent"),
        ("DaemonSet", "monitoring", ["prom/node-exporter:v1.8"], "platform"),
        ("Deployment", "kube-system", ["registry.k8s.io/coredns/coredns:v1.11.1"], "system"),
        # cost engines and operations tools serve the platform team wherever they run
        (
            "Deployment",
            "finops",
            ["ghcr.io/opencost/opencost:1.111.0", "ghcr.io/opencost/opencost-ui:1.111.0"],
            "platform",
        ),
        ("Deployment", "tools", ["gcr.io/kubecost1/cost-model:prod-2.3.0"], "platform"),
        ("Deployment", "ops", ["quay.io/ansible/awx:24.6.1"], "platform"),
        ("Deployment", "ops", ["rundeck/rundeck:5.6.0"], "platform"),
        ("Deployment", "ops", ["stackstorm/st2api:3.8"], "platform"),
        ("Deployment", "ops", ["registry.redhat.io/ansible-automation-platform-24/controller-rhel8:4.5"], "platform"),
        ("Deployment", "ops", ["rundeckpro/enterprise:5.6.0"], "platform"),
        ("Deployment", "shop", ["registry.example.com/shop/cost-report:1"], "application"),
        # placeholder pods (cluster-autoscaler overprovisioning, balloons) hold headroom: platform
        ("Deployment", "default", ["registry.k8s.io/pause:3.9"], "platform"),
        ("Deployment", "overprovisioning", ["k8s.gcr.io/pause-amd64:3.1"], "platform"),
        ("Deployment", "default", ["rancher/mirrored-pause:3.6"], "platform"),
        ("Deployment", "shop", ["registry.example.com/shop/pause-resume-worker:2"], "application"),
    ],
)
def test_role_of(kind: str, ns: str, images: list[str], role: str) -> None:
    assert role_of(kind, ns, images) == role


def _deployment(ns: str, name: str, labels: dict[str, str], image: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"namespace": ns, "name": name},
        "spec": {
            "replicas": 1,
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": image}]}},
        },
    }


def _service(ns: str, name: str, selector: dict[str, str] | None, type_: str = "ClusterIP") -> dict[str, Any]:
    spec: dict[str, Any] = {"type": type_, "ports": [{"port": 80}]}
    if selector is not None:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"namespace": ns, "name": name}, "spec": spec}


def test_serving_joins_services_by_selector_within_the_namespace() -> None:
    j = Joiner(make=Evidence.make)
    j.services_listed = True  # the live probe sets it once the Service list was read whole
    objects = [
        _deployment("shop", "web", {"app": "web", "tier": "front"}, "shop/web:1"),
        _deployment("shop", "worker", {"app": "worker"}, "shop/worker:1"),
        _deployment("other", "web", {"app": "web"}, "shop/web:1"),
        _service("shop", "web", {"app": "web"}),
        _service("shop", "web-canary", {"app": "web", "tier": "canary"}),  # a label the pods lack
        _service("shop", "external", None, "ExternalName"),
    ]
    for o in objects:
        list(j.add(o, "test"))
    out = {e.subject: e for e in j.finish()}
    web, worker, other = (
        out[s].data for s in ("shop/Deployment/web", "shop/Deployment/worker", "other/Deployment/web")
    )
    assert (web["serving"], web["services"], web["role"]) == (True, ["web"], "application")
    assert (worker["serving"], worker["services"]) == (False, [])
    assert other["serving"] is False  # a Service selects pods of its own namespace only
    # The join key never leaks into the Service evidence, and every item fits its model.
    assert "_selector" not in out["shop/web"].data
    for e in out.values():
        MODELS[e.kind].model_validate(e.data)


def test_chaos_days_since_run() -> None:
    from datetime import UTC, datetime

    from probes.kubernetes.derive import chaos_facts

    now = datetime(2026, 12, 1, tzinfo=UTC)
    one_off = {
        "metadata": {"name": "kill", "namespace": "shop", "creationTimestamp": "2026-11-21T00:00:00Z"},
        "spec": {"action": "pod-kill"},
    }
    schedule = {
        "metadata": {"name": "weekly", "namespace": "shop", "creationTimestamp": "2025-01-01T00:00:00Z"},
        "spec": {"type": "StressChaos", "stressChaos": {}},
        "status": {"lastScheduleTime": "2026-11-30T12:00:00Z"},
    }
    never = {"metadata": {"name": "x"}, "spec": {"type": "PodChaos"}}  # a schedule from Git: no status
    litmus = {
        "metadata": {"name": "l"},
        "spec": {},
        "status": {"schedule": {"lastScheduleTime": "2026-10-02T00:00:00Z"}},
    }
    assert chaos_facts("chaos-mesh", "PodChaos", one_off, now)["days_since_run"] == 10.0
    assert chaos_facts("chaos-mesh", "Schedule", schedule, now)["days_since_run"] == 0.5  # last run, not creation
    assert chaos_facts("chaos-mesh", "Schedule", never, now)["days_since_run"] is None
    assert chaos_facts("litmus", "ChaosSchedule", litmus, now)["days_since_run"] == 60.0
