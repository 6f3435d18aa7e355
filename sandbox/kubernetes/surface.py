"""The Kubernetes API surface the loopback server knows (built-ins and common tools' CRDs) and the
bodies it answers with that do not depend on stored objects: discovery documents and `Status`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["SURFACE", "ApiResource", "group_doc", "group_list", "resource_list", "status_body"]


@dataclass(frozen=True)
class ApiResource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    optional: bool = False  # installed by a tool (a CRD), not by Kubernetes itself

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


def _r(gv: str, plural: str, kind: str, namespaced: bool = True, optional: bool = False) -> ApiResource:
    group, _, version = gv.rpartition("/")
    return ApiResource(group, version, plural, kind, namespaced, optional)


# The API surface the server can serve (a cluster's built-ins plus common tools' CRDs).
SURFACE: tuple[ApiResource, ...] = (
    _r("v1", "namespaces", "Namespace", namespaced=False),
    _r("v1", "nodes", "Node", namespaced=False),
    _r("v1", "pods", "Pod"),
    _r("v1", "services", "Service"),
    _r("v1", "configmaps", "ConfigMap"),
    _r("v1", "secrets", "Secret"),
    _r("v1", "resourcequotas", "ResourceQuota"),
    _r("v1", "limitranges", "LimitRange"),
    _r("apps/v1", "deployments", "Deployment"),
    _r("apps/v1", "statefulsets", "StatefulSet"),
    _r("apps/v1", "daemonsets", "DaemonSet"),
    _r("apps/v1", "replicasets", "ReplicaSet"),
    _r("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
    _r("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget"),
    _r("discovery.k8s.io/v1", "endpointslices", "EndpointSlice"),
    _r("networking.k8s.io/v1", "ingresses", "Ingress"),
    _r("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy"),
    _r("batch/v1", "cronjobs", "CronJob"),
    _r("batch/v1", "jobs", "Job"),
    _r("scheduling.k8s.io/v1", "priorityclasses", "PriorityClass", namespaced=False),
    _r("autoscaling.k8s.io/v1", "verticalpodautoscalers", "VerticalPodAutoscaler", optional=True),
    _r("keda.sh/v1alpha1", "scaledobjects", "ScaledObject", optional=True),
    _r("argoproj.io/v1alpha1", "rollouts", "Rollout", optional=True),
    _r("flagger.app/v1beta1", "canaries", "Canary", optional=True),
    _r("chaos-mesh.org/v1alpha1", "podchaos", "PodChaos", optional=True),
    _r("chaos-mesh.org/v1alpha1", "networkchaos", "NetworkChaos", optional=True),
    _r("chaos-mesh.org/v1alpha1", "iochaos", "IOChaos", optional=True),
    _r("chaos-mesh.org/v1alpha1", "stresschaos", "StressChaos", optional=True),
    _r("chaos-mesh.org/v1alpha1", "timechaos", "TimeChaos", optional=True),
    _r("chaos-mesh.org/v1alpha1", "schedules", "Schedule", optional=True),
    _r("litmuschaos.io/v1alpha1", "chaosengines", "ChaosEngine", optional=True),
    _r("litmuschaos.io/v1alpha1", "chaosschedules", "ChaosSchedule", optional=True),
    _r("velero.io/v1", "schedules", "Schedule", optional=True),
    _r("velero.io/v1", "backups", "Backup", optional=True),
    _r("velero.io/v1", "restores", "Restore", optional=True),
    # The Prometheus Operator's CRDs (v1 preferred, as the operator serves them; AlertmanagerConfig
    # is still v1alpha1 and v1beta1 only).
    _r("monitoring.coreos.com/v1", "prometheuses", "Prometheus", optional=True),
    _r("monitoring.coreos.com/v1", "alertmanagers", "Alertmanager", optional=True),
    _r("monitoring.coreos.com/v1", "servicemonitors", "ServiceMonitor", optional=True),
    _r("monitoring.coreos.com/v1", "podmonitors", "PodMonitor", optional=True),
    _r("monitoring.coreos.com/v1", "probes", "Probe", optional=True),
    _r("monitoring.coreos.com/v1", "prometheusrules", "PrometheusRule", optional=True),
    _r("monitoring.coreos.com/v1alpha1", "alertmanagerconfigs", "AlertmanagerConfig", optional=True),
    _r("opentelemetry.io/v1beta1", "opentelemetrycollectors", "OpenTelemetryCollector", optional=True),
    _r("networking.istio.io/v1", "virtualservices", "VirtualService", optional=True),
    _r("linkerd.io/v1alpha2", "serviceprofiles", "ServiceProfile", optional=True),
)


def status_body(code: int, reason: str, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A `Status` failure body, as the API server sends with every error."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = dict(details)
    return body


def group_list(groups: Mapping[str, list[str]]) -> dict[str, Any]:
    """The APIGroupList of `/apis` (named groups only: core is served under `/api`)."""
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [group_doc(g, vs) for g, vs in groups.items() if g],
    }


def group_doc(name: str, versions: list[str]) -> dict[str, Any]:
    """The APIGroup of one group, its first version preferred."""
    gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": name, "versions": gvs, "preferredVersion": gvs[0]}


def resource_list(surface: Iterable[ApiResource], group: str, version: str) -> dict[str, Any]:
    """The APIResourceList of one group version: what `surface` serves there, read-only verbs."""
    res = [r for r in surface if r.group == group and r.version == version]
    gv = f"{group}/{version}" if group else version
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": [
            {
                "name": r.plural,
                "singularName": r.kind.lower(),
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": ["get", "list", "watch"],
            }
            for r in res
        ],
    }
