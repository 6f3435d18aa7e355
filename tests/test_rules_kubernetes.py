"""Table tests for every kubernetes rule: evidence in, status out (met, not_met, unknown)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ruletable import decide, installed_rules

W = "kubernetes.workload"


def wl(name: str, **data: Any) -> tuple[str, str, dict[str, Any]]:
    """A healthy replicated Deployment, with `data` overriding any field."""
    base: dict[str, Any] = {
        "namespace": "shop",
        "kind": "Deployment",
        "name": name,
        "system": False,
        "replicas": 3,
        "min_replicas": 3,
        "readiness_all": True,
        "liveness_all": True,
        "requests_all": True,
        "memory_limits_all": True,
        "strategy": "RollingUpdate",
        "zone_spread": True,
        "autoscaled": True,
        "pdb_covered": True,
        "revision_history_limit": 10,
        "owner": "payments",
        "managed_by": "argocd",
        "progressive": "argo-rollouts",
        "containers": [{"name": "app", "image": "registry.example.com/app:1"}],
    }
    return (W, f"shop/Deployment/{name}", {**base, **data})


def ds(name: str, image: str) -> tuple[str, str, dict[str, Any]]:
    return wl(name, kind="DaemonSet", replicas=None, min_replicas=None, containers=[{"name": name, "image": image}])


SYSTEM_BAD = wl(
    "coredns",
    namespace="kube-system",
    system=True,
    replicas=1,
    min_replicas=1,
    readiness_all=False,
    liveness_all=False,
    requests_all=False,
    owner=None,
    managed_by=None,
    revision_history_limit=0,
    autoscaled=False,
    pdb_covered=False,
    zone_spread=False,
    progressive=None,
    strategy="Recreate",
)
ZONES = ("kubernetes.node_zones", "nodes", {"zone_count": 3})
ONE_ZONE = ("kubernetes.node_zones", "nodes", {"zone_count": 1})

# rule id -> (rows that meet it, rows that fail it)
TABLE: dict[str, tuple[list[Any], list[Any]]] = {
    "kubernetes.workloads.replicated": (
        [wl("a"), wl("b", replicas=1, min_replicas=2), SYSTEM_BAD, ds("x", "node-exporter")],
        [wl("a"), wl("b", replicas=1, min_replicas=1)],
    ),
    "kubernetes.workloads.disruption-budgets": (
        [wl("a"), wl("single", min_replicas=1, pdb_covered=False), SYSTEM_BAD],
        [wl("a", pdb_covered=False), wl("b")],
    ),
    "kubernetes.workloads.readiness-probes": (
        [wl("a"), ds("agent", "fluent-bit"), SYSTEM_BAD],
        [wl("a"), wl("b", readiness_all=False)],
    ),
    "kubernetes.workloads.self-healing": (
        [wl("a"), SYSTEM_BAD],
        [wl("a"), wl("b", liveness_all=False)],
    ),
    "kubernetes.ingress.rate-limits": (
        [("kubernetes.ingress", "shop/shop", {"system": False, "rate_limited": True})],
        [
            ("kubernetes.ingress", "shop/shop", {"system": False, "rate_limited": True}),
            ("kubernetes.ingress", "legacy/legacy", {"system": False, "rate_limited": False}),
        ],
    ),
    "kubernetes.cluster.multi-zone": (
        [ZONES, wl("a"), wl("single", min_replicas=1, zone_spread=False)],
        [ONE_ZONE, wl("a")],
    ),
    "kubernetes.services.load-balancing": (
        [("kubernetes.service", "shop/web", {"system": False, "has_selector": True, "headless": False})],
        [
            ("kubernetes.service", "shop/db", {"system": False, "has_selector": True, "headless": True}),
            ("kubernetes.service", "kube-system/dns", {"system": True, "has_selector": True, "headless": False}),
        ],
    ),
    "kubernetes.workloads.autoscaling": (
        [wl("a"), wl("db", kind="StatefulSet", autoscaled=False), SYSTEM_BAD],
        [wl("a"), wl("b", autoscaled=False)],
    ),
    "kubernetes.workloads.resource-requests": (
        [wl("a"), ds("agent", "fluent-bit")],
        [wl("a"), wl("b", memory_limits_all=False)],
    ),
    "kubernetes.namespaces.capacity-limits": (
        [
            (
                "kubernetes.namespace",
                "shop",
                {"system": False, "workloads": 3, "resource_quota": True, "limit_range": False},
            ),
            (
                "kubernetes.namespace",
                "empty",
                {"system": False, "workloads": 0, "resource_quota": False, "limit_range": False},
            ),
        ],
        [
            (
                "kubernetes.namespace",
                "legacy",
                {"system": False, "workloads": 3, "resource_quota": False, "limit_range": False},
            )
        ],
    ),
    "kubernetes.workloads.owner-labels": (
        [wl("a"), SYSTEM_BAD],
        [wl("a"), wl("b", owner=None)],
    ),
    "kubernetes.inventory.auto-discovery": (
        [("kubernetes.api_groups", "apis", {"groups": ["apps"]}), wl("a")],
        [("kubernetes.api_groups", "apis", {"groups": ["apps"]})],
    ),
    "kubernetes.workloads.declarative-management": (
        [wl("a"), wl("b", managed_by="helm")],
        [wl("a"), wl("b", managed_by=None)],
    ),
    "kubernetes.workloads.safe-rollout": (
        [wl("a", progressive=None), wl("b", strategy="Recreate", progressive="flagger")],
        [wl("a"), wl("b", strategy="Recreate", progressive=None)],
    ),
    "kubernetes.workloads.rollback-history": (
        [wl("a"), wl("b", revision_history_limit=2)],
        [wl("a"), wl("b", revision_history_limit=0)],
    ),
    "kubernetes.rollouts.progressive-delivery": (
        [wl("a"), wl("b", progressive=None), wl("db", kind="StatefulSet", progressive=None)],
        [wl("a"), wl("b", progressive=None), wl("c", progressive=None)],
    ),
    "kubernetes.chaos.fault-injection": (
        [("kubernetes.chaos_experiment", "shop/PodChaos/kill", {"tool": "chaos-mesh", "type": "PodChaos"})],
        [],  # observed, none: discovery showed no chaos tool installed
    ),
    "kubernetes.agents.node-metrics": (
        [wl("a"), ds("node-exporter", "quay.io/prometheus/node-exporter:v1.7.0")],
        [wl("a", containers=[{"name": "x", "image": "node-exporter"}]), ds("logs", "fluent/fluent-bit:3")],
    ),
    "kubernetes.agents.node-logs": (
        [ds("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit:3.0.2")],
        [ds("node-exporter", "quay.io/prometheus/node-exporter:v1.7.0")],
    ),
}


def test_every_kubernetes_rule_has_a_table() -> None:
    ids = {r.id for r in installed_rules().rules if r.id.startswith("kubernetes.")}
    assert ids == set(TABLE)


@pytest.mark.parametrize("rule_id", sorted(TABLE))
def test_rule_table(rule_id: str) -> None:
    met_rows, not_met_rows = TABLE[rule_id]
    assert decide(rule_id, met_rows) == "met"
    assert decide(rule_id, not_met_rows) == "not_met"
    assert decide(rule_id, None) == "unknown"


def test_unobserved_companion_kind_makes_it_unknown() -> None:
    # PDB coverage is a workload field, but without observed PDBs it means nothing.
    assert decide("kubernetes.workloads.disruption-budgets", [wl("a")], observed={W, "kubernetes.hpa"}) == "unknown"
    assert decide("kubernetes.rollouts.progressive-delivery", [wl("a")], observed={W}) == "unknown"


def test_thresholds_are_params() -> None:
    rows = [wl("a"), wl("b", readiness_all=False)]
    assert decide("kubernetes.workloads.readiness-probes", rows) == "not_met"
    assert decide("kubernetes.workloads.readiness-probes", rows, params={"min_ratio": 0.5}) == "met"
    assert decide("kubernetes.cluster.multi-zone", [ONE_ZONE, wl("a")], params={"min_zones": 1}) == "met"


def test_empty_population_is_not_met() -> None:
    # A cluster with no application workloads shows no HA at all; it is not "all good".
    assert decide("kubernetes.workloads.replicated", [SYSTEM_BAD]) == "not_met"
