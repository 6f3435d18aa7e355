"""A large Kubernetes estate generated in memory for sandbox/kubernetes/api.py.

`workloads` workloads spread evenly over `namespaces` namespaces (9 in 10 Deployments, the rest
StatefulSets). Every workload has a Service and a current ReplicaSet (Deployments); every other
one has an HPA and a PodDisruptionBudget. 30 nodes over 3 zones. The objects are small but carry
every field the probe derives facts from (probes, resources, spread, owners).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sandbox.kubernetes import write_kubeconfig

__all__ = ["TOKEN", "estate_objects", "live_source", "minimal_requests"]

TOKEN = "bench-token"


def live_source(
    work: Path, url: str, *, page_size: int = 500, concurrency: int = 4, timeout_s: float = 3600
) -> dict[str, Any]:
    """A `kubernetes` source for maturity.yaml reading the API at `url` (kubeconfig written in `work`)."""
    kc = write_kubeconfig(work / "kubeconfig", url, token=TOKEN)
    return {
        "name": "cluster",
        "probe": "kubernetes",
        "kubeconfig": str(kc),
        "page_size": page_size,
        "concurrency": concurrency,
        "timeout_s": timeout_s,  # a benchmark estate is larger than the default 300 s allows on a busy machine
    }


def _container(name: str) -> dict[str, Any]:
    return {
        "name": "app",
        "image": f"registry.example.com/{name}:1.0.0",
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
    }


def _workload(kind: str, ns: str, name: str) -> dict[str, Any]:
    labels = {"app": name, "team": f"team-{ns}"}
    spec: dict[str, Any] = {
        "replicas": 3,
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "topologySpreadConstraints": [
                    {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule"}
                ],
                "containers": [_container(name)],
            },
        },
    }
    if kind == "Deployment":
        spec["revisionHistoryLimit"] = 5
    else:
        spec["serviceName"] = name
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": ns, "uid": f"uid-{ns}-{name}", "labels": labels},
        "spec": spec,
        "status": {"replicas": 3, "readyReplicas": 3, "availableReplicas": 3},
    }


def estate_objects(workloads: int = 10_000, namespaces: int = 200, *, extras: bool = True) -> Iterator[dict[str, Any]]:
    """Yield the estate's objects; `extras` False leaves out Services, HPAs, PDBs and ReplicaSets."""
    for z in range(30):
        zone = f"zone-{z % 3}"
        yield {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": f"node-{z}",
                "labels": {"topology.kubernetes.io/zone": zone, "topology.kubernetes.io/region": "region-1"},
            },
        }
    per_ns = math.ceil(workloads / namespaces)
    n = 0
    for i in range(namespaces):
        ns = f"ns-{i:03d}"
        yield {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"team": f"team-{ns}"}}}
        for j in range(per_ns):
            if n >= workloads:
                break
            n += 1
            name = f"svc-{j:03d}"
            kind = "StatefulSet" if j % 10 == 9 else "Deployment"
            w = _workload(kind, ns, name)
            yield w
            if not extras:
                continue
            if kind == "Deployment":
                yield {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "metadata": {
                        "name": f"{name}-5d8f",
                        "namespace": ns,
                        "labels": {"app": name},
                        "ownerReferences": [{"kind": "Deployment", "name": name, "uid": w["metadata"]["uid"]}],
                        "annotations": {"deployment.kubernetes.io/revision": "1"},
                    },
                    "spec": {"replicas": 3},
                    "status": {"replicas": 3},
                }
            yield {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": name, "namespace": ns},
                "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
            }
            if j % 2 == 0:
                yield {
                    "apiVersion": "autoscaling/v2",
                    "kind": "HorizontalPodAutoscaler",
                    "metadata": {"name": name, "namespace": ns},
                    "spec": {
                        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": name},
                        "minReplicas": 3,
                        "maxReplicas": 10,
                        "metrics": [
                            {
                                "type": "Resource",
                                "resource": {
                                    "name": "cpu",
                                    "target": {"type": "Utilization", "averageUtilization": 70},
                                },
                            }
                        ],
                    },
                }
                yield {
                    "apiVersion": "policy/v1",
                    "kind": "PodDisruptionBudget",
                    "metadata": {"name": name, "namespace": ns},
                    "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": name}}},
                }


def minimal_requests(counts: dict[str, int], page_size: int, discovery: int) -> int:
    """Fewest GETs that read every listed resource: `discovery` GETs, then ceil(n / page) per list
    (an empty list still costs one). `counts` maps each listed plural to its object count."""
    return discovery + sum(max(1, math.ceil(n / page_size)) for n in counts.values())
