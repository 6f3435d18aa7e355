"""The kubernetes probe against the loopback API server: what it derives, how it pages, and
how forbidden, missing or failing APIs degrade only the kinds they feed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.kubernetes import KubeApiServer, default_estate_dir, load_objects
from scanner.runner import ScanResult
from tests.fixtures.kubernetes.helpers import TOKEN, by_subject, scan_live

OBJECTS = load_objects(default_estate_dir())


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KubeApiServer, ScanResult]]:
    with KubeApiServer(OBJECTS, token=TOKEN) as srv:
        yield srv, scan_live(srv, tmp_path_factory.mktemp("kube"), page_size=2)


def test_every_kind_observed(estate: tuple[KubeApiServer, ScanResult]) -> None:
    _srv, result = estate
    run = result.sources[0]
    assert run.status == "ok", run.error
    kube = {k: o for k, o in result.observations.items() if k.startswith("kubernetes.")}
    assert all(o.observed for o in kube.values()), {k: o.reason for k, o in kube.items() if not o.observed}
    assert not [e for e in result.evidence if TOKEN in str(e.to_json())]


def test_workload_facts(estate: tuple[KubeApiServer, ScanResult]) -> None:
    w = by_subject(estate[1], "kubernetes.workload")
    good = w["shop/Deployment/checkout"]
    assert good | {"containers": None, "images": None} == good | {
        "replicas": 3,
        "min_replicas": 3,
        "readiness_all": True,
        "liveness_all": True,
        "startup_any": True,
        "requests_all": True,
        "memory_limits_all": True,
        "strategy": "RollingUpdate",
        "zone_spread": True,
        "host_spread": True,
        "hpa_covered": True,
        "pdb_covered": True,
        "pdbs": ["checkout"],
        "owner": "payments",
        "managed_by": "argocd",
        "revision_history_limit": 5,
        "revisions": 3,
        "priority_class": "business-critical",
        "containers": None,
        "images": None,
    }
    bad = w["legacy/Deployment/billing-api"]
    assert (
        bad["replicas"],
        bad["readiness_all"],
        bad["requests_all"],
        bad["strategy"],
        bad["hpa_covered"],
        bad["pdb_covered"],
        bad["owner"],
        bad["revision_history_limit"],
    ) == (1, False, False, "Recreate", False, False, None, 0)
    assert w["legacy/Deployment/admin-ui"]["replicas"] == 1  # the API default when unset
    assert w["shop/Rollout/frontend"]["progressive"] == "argo-rollouts"
    assert w["shop/StatefulSet/orders-db"]["pdb_covered"] is True  # matchExpressions selector
    assert w["shop/Deployment/cart"]["owner"] == "payments"  # inherited from the namespace
    assert w["monitoring/DaemonSet/node-exporter"]["replicas"] is None
    assert w["kube-system/Deployment/coredns"]["system"] is True


def test_other_kinds(estate: tuple[KubeApiServer, ScanResult]) -> None:
    result = estate[1]
    ing = by_subject(result, "kubernetes.ingress")
    assert ing["shop/shop"]["rate_limited"] and not ing["legacy/legacy"]["rate_limited"]
    assert ing["shop/shop"]["rate_limit_annotations"]["nginx.ingress.kubernetes.io/limit-rps"] == "50"
    svc = by_subject(result, "kubernetes.service")
    assert (
        svc["shop/checkout"]["endpoints_ready"],
        svc["legacy/billing-api"]["endpoints_ready"],
        svc["legacy/billing-api"]["endpoints_total"],
    ) == (3, 0, 1)
    zones = by_subject(result, "kubernetes.node_zones")["nodes"]
    assert zones["zone_count"] == 3 and zones["nodes"] == 6
    ns = by_subject(result, "kubernetes.namespace")
    assert ns["shop"]["resource_quota"] and ns["shop"]["default_deny_ingress"] and not ns["legacy"]["resource_quota"]
    apis = by_subject(result, "kubernetes.api_groups")["apis"]
    assert apis["optional"]["chaos_mesh"] and apis["optional"]["velero"] and not apis["optional"]["keda"]
    chaos = by_subject(result, "kubernetes.chaos_experiment")
    assert chaos["shop/Schedule/weekly-pod-kill"]["type"] == "PodChaos"
    assert by_subject(result, "kubernetes.velero_schedule")["velero/daily-cluster"]["excluded_namespaces"] == [
        "kube-system"
    ]
    assert by_subject(result, "kubernetes.cronjob")["shop/nightly-report"]["concurrency_policy"] == "Forbid"
    otel = by_subject(result, "kubernetes.otel_collector")["monitoring/gateway"]
    assert (otel["push_receivers"], otel["shaping_processors"], otel["autoscaled"], otel["receiver_tls"]) == (
        ["otlp", "prometheusremotewrite", "zipkin"],
        ["filter", "redaction"],
        True,
        True,
    )
    assert apis["optional"]["opentelemetry"]


def test_pages_to_the_end(estate: tuple[KubeApiServer, ScanResult]) -> None:
    srv, result = estate
    continued = [r for r in srv.requests if r.path == "/apis/apps/v1/deployments"]
    assert len(continued) == 3 and all(r.query["limit"] == "2" for r in continued)  # 6 deployments, 2 a page
    assert sum("continue" in r.query for r in continued) == 2
    assert len(by_subject(result, "kubernetes.workload")) == 10
    assert result.sources[0].requests == len(srv.requests)


def test_forbidden_resource_fails_only_its_kinds(tmp_path: Path) -> None:
    with KubeApiServer(
        OBJECTS, token=TOKEN, forbidden={"deployments.apps", "ingresses.networking.k8s.io", "replicasets.apps"}
    ) as srv:
        result = scan_live(srv, tmp_path)
    obs = result.observations
    assert not obs["kubernetes.workload"].observed and "forbidden" in (obs["kubernetes.workload"].reason or "")
    assert not obs["kubernetes.ingress"].observed
    assert obs["kubernetes.hpa"].observed and obs["kubernetes.service"].observed and obs["kubernetes.pdb"].observed
    assert not any(e.kind == "kubernetes.workload" for e in result.evidence)
    assert result.sources[0].status == "partial"
    assert "replicasets" in (result.sources[0].error or "") or result.sources[0].failed


def test_not_installed_is_a_finding_but_failed_discovery_is_not(tmp_path: Path) -> None:
    with KubeApiServer(OBJECTS, token=TOKEN, installed=set()) as srv:
        result = scan_live(srv, tmp_path)
    obs = result.observations
    assert (
        obs["kubernetes.chaos_experiment"].observed
        and obs["kubernetes.velero_schedule"].observed
        and obs["kubernetes.rollout"].observed
    )
    assert not any(e.kind == "kubernetes.chaos_experiment" for e in result.evidence)
    assert "shop/Rollout/frontend" not in by_subject(result, "kubernetes.workload")

    with KubeApiServer(OBJECTS, token=TOKEN) as srv:
        srv.inject_fault(r"^/apis$", 500, times=99)
        result = scan_live(srv, tmp_path, retries=1)
    obs = result.observations
    for kind in (
        "kubernetes.chaos_experiment",
        "kubernetes.velero_schedule",
        "kubernetes.rollout",
        "kubernetes.api_groups",
        "kubernetes.hpa",
    ):
        assert not obs[kind].observed, kind
        assert "discovery" in (obs[kind].reason or "")
    assert obs["kubernetes.service"].observed


def test_optional_api_forbidden(tmp_path: Path) -> None:
    with KubeApiServer(OBJECTS, token=TOKEN, forbidden={"podchaos.chaos-mesh.org"}) as srv:
        result = scan_live(srv, tmp_path)
    assert not result.observations["kubernetes.chaos_experiment"].observed
    assert result.observations["kubernetes.velero_schedule"].observed


def test_retries_honour_retry_after(tmp_path: Path) -> None:
    with KubeApiServer(OBJECTS, token=TOKEN) as srv:
        srv.inject_fault(r"/horizontalpodautoscalers$", 429, times=1, retry_after=0.3)
        srv.inject_fault(r"/poddisruptionbudgets$", 503, times=5)
        result = scan_live(srv, tmp_path, retries=2)
        hpa_calls = [r for r in srv.requests if r.path.endswith("/horizontalpodautoscalers")]
    assert result.observations["kubernetes.hpa"].observed and len(hpa_calls) == 2
    assert not result.observations["kubernetes.pdb"].observed  # 3 tries, all 503
    assert "503" in (result.observations["kubernetes.pdb"].reason or "")


def test_unreachable_and_unauthorized(tmp_path: Path) -> None:
    with KubeApiServer(OBJECTS, token="another-token-0123456789") as srv:
        result = scan_live(srv, tmp_path)
    assert result.sources[0].status == "error"
    assert not result.observations["kubernetes.workload"].observed
    assert "401" in (result.observations["kubernetes.workload"].reason or "")
    closed = KubeApiServer([]).start()
    url = closed.url
    closed.stop()  # nothing listens on that port any more
    result = scan_live(_Closed(url), tmp_path, retries=0)  # type: ignore[arg-type]
    assert result.sources[0].status == "error"
    assert not result.observations["kubernetes.namespace"].observed
    assert "cannot reach" in (result.sources[0].error or "")


class _Closed:
    """Just the URL of a server that is gone."""

    def __init__(self, url: str) -> None:
        self.url = url


def test_namespace_include_and_exclude(tmp_path: Path) -> None:
    with KubeApiServer(OBJECTS, token=TOKEN) as srv:
        result = scan_live(srv, tmp_path, namespaces={"include": ["shop", "legacy"]})
        paths = {r.path for r in srv.requests}
    assert {e.data["namespace"] for e in result.evidence if e.kind == "kubernetes.workload"} == {"shop", "legacy"}
    assert "/apis/apps/v1/namespaces/shop/deployments" in paths and "/apis/apps/v1/deployments" not in paths
    assert "/api/v1/namespaces/shop" in paths
    assert set(by_subject(result, "kubernetes.namespace")) == {"shop", "legacy"}
    with KubeApiServer(OBJECTS, token=TOKEN) as srv:
        result = scan_live(srv, tmp_path, namespaces={"exclude": ["legacy"]})
    assert "legacy" not in {e.data.get("namespace") for e in result.evidence if e.kind == "kubernetes.workload"}
    assert "legacy" not in by_subject(result, "kubernetes.namespace")
