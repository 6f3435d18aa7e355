"""Which Kubernetes resources the probe reads, and which optional APIs it looks for.

One table serves the probe (what to list), the loopback API server (what to serve), the tests
(the probe's requests must stay within deploy/kubernetes/clusterrole.yaml) and the docs.
Secrets are deliberately absent: the probe never lists or gets them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BUILTIN",
    "CACHE_IMAGE",
    "OPTIONAL_APIS",
    "PLATFORM_IMAGE",
    "PLATFORM_NAMESPACES",
    "SYSTEM_NAMESPACES",
    "ZONE_KEYS",
    "OptionalApi",
    "Resource",
]


@dataclass(frozen=True)
class Resource:
    """A listable resource: `group` "" is the core API."""

    kind: str
    group: str
    version: str
    plural: str
    namespaced: bool = True

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def list_path(self, namespace: str | None = None) -> str:
        """The REST path that lists it, cluster-wide or in one namespace."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace is not None and self.namespaced:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"


# Built-in resources every conformant cluster serves. The evidence kinds they feed are noted
# so a failure to list one fails exactly those kinds.
BUILTIN: tuple[tuple[Resource, tuple[str, ...]], ...] = (
    (Resource("Namespace", "", "v1", "namespaces", namespaced=False), ("kubernetes.namespace",)),
    (Resource("Node", "", "v1", "nodes", namespaced=False), ("kubernetes.node_zones",)),
    # PriorityClasses only resolve workloads' priority (value, below the default); losing them
    # costs those fields. Few and cluster-scoped: listed early, resolved when workloads are joined.
    (Resource("PriorityClass", "scheduling.k8s.io", "v1", "priorityclasses", namespaced=False), ()),
    (Resource("Service", "", "v1", "services"), ("kubernetes.service",)),
    (Resource("ResourceQuota", "", "v1", "resourcequotas"), ("kubernetes.quota", "kubernetes.namespace")),
    (Resource("LimitRange", "", "v1", "limitranges"), ("kubernetes.quota", "kubernetes.namespace")),
    (Resource("Deployment", "apps", "v1", "deployments"), ("kubernetes.workload",)),
    (Resource("StatefulSet", "apps", "v1", "statefulsets"), ("kubernetes.workload",)),
    (Resource("DaemonSet", "apps", "v1", "daemonsets"), ("kubernetes.workload",)),
    # ReplicaSets only count rollout history; losing them costs a field, not a kind.
    (Resource("ReplicaSet", "apps", "v1", "replicasets"), ()),
    (Resource("HorizontalPodAutoscaler", "autoscaling", "v2", "horizontalpodautoscalers"), ("kubernetes.hpa",)),
    (Resource("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets"), ("kubernetes.pdb",)),
    # EndpointSlices only add endpoint readiness to services; losing them costs a field.
    (Resource("EndpointSlice", "discovery.k8s.io", "v1", "endpointslices"), ()),
    (Resource("Ingress", "networking.k8s.io", "v1", "ingresses"), ("kubernetes.ingress",)),
    (
        Resource("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies"),
        ("kubernetes.network_policy", "kubernetes.namespace"),
    ),
    (Resource("CronJob", "batch", "v1", "cronjobs"), ("kubernetes.cronjob",)),
)


@dataclass(frozen=True)
class OptionalApi:
    """An API group a tool installs. `resources` (kind, plural) are listed when it is present;
    `kinds` are the evidence kinds those objects feed."""

    key: str
    title: str
    group: str
    resources: tuple[tuple[str, str], ...] = ()
    kinds: tuple[str, ...] = ()


OPTIONAL_APIS: tuple[OptionalApi, ...] = (
    OptionalApi(
        "vpa",
        "Vertical Pod Autoscaler",
        "autoscaling.k8s.io",
        (("VerticalPodAutoscaler", "verticalpodautoscalers"),),
        ("kubernetes.hpa",),
    ),
    OptionalApi("keda", "KEDA", "keda.sh", (("ScaledObject", "scaledobjects"),), ("kubernetes.hpa",)),
    OptionalApi(
        "argo_rollouts",
        "Argo Rollouts",
        "argoproj.io",
        (("Rollout", "rollouts"),),
        ("kubernetes.rollout", "kubernetes.workload"),
    ),
    OptionalApi("flagger", "Flagger", "flagger.app", (("Canary", "canaries"),), ("kubernetes.rollout",)),
    OptionalApi(
        "chaos_mesh",
        "Chaos Mesh",
        "chaos-mesh.org",
        (
            ("PodChaos", "podchaos"),
            ("NetworkChaos", "networkchaos"),
            ("IOChaos", "iochaos"),
            ("StressChaos", "stresschaos"),
            ("TimeChaos", "timechaos"),
            ("Schedule", "schedules"),
        ),
        ("kubernetes.chaos_experiment",),
    ),
    OptionalApi(
        "litmus",
        "LitmusChaos",
        "litmuschaos.io",
        (("ChaosEngine", "chaosengines"), ("ChaosSchedule", "chaosschedules")),
        ("kubernetes.chaos_experiment",),
    ),
    OptionalApi(
        "velero",
        "Velero",
        "velero.io",
        (("Schedule", "schedules"), ("Restore", "restores")),
        ("kubernetes.velero_schedule", "kubernetes.velero_restore"),
    ),
    OptionalApi("prometheus_operator", "Prometheus Operator", "monitoring.coreos.com"),
    OptionalApi(
        "opentelemetry",
        "OpenTelemetry Operator",
        "opentelemetry.io",
        (("OpenTelemetryCollector", "opentelemetrycollectors"),),
        ("kubernetes.otel_collector",),
    ),
    OptionalApi("istio", "Istio", "networking.istio.io"),
    OptionalApi("linkerd", "Linkerd", "linkerd.io"),
)

SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
ZONE_KEYS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")

# Namespaces where clusters conventionally run platform tooling (monitoring, GitOps, policy,
# certificates, operators), not the business's applications. Ingress controllers and gateways
# are deliberately absent: they carry the business's traffic, so they are judged with it.
PLATFORM_NAMESPACES = frozenset(
    {
        "monitoring",
        "prometheus",
        "observability",
        "logging",
        "loki",
        "tempo",
        "grafana",
        "cert-manager",
        "argocd",
        "argo-cd",
        "argo-rollouts",
        "flux-system",
        "keda",
        "velero",
        "external-dns",
        "external-secrets",
        "sealed-secrets",
        "kyverno",
        "gatekeeper-system",
        "chaos-mesh",
        "chaos-testing",
        "litmus",
        "karpenter",
        "cattle-system",
        "cattle-monitoring-system",
        "tigera-operator",
        "calico-system",
        "calico-apiserver",
        "amazon-cloudwatch",
        "aws-observability",
        # GKE's managed add-ons (Managed Prometheus, the Stackdriver metrics adapter, Config Sync)
        "gmp-system",
        "gke-gmp-system",
        "gmp-public",
        "custom-metrics",
        "gke-managed-system",
        "gke-connect",
        "gke-managed-dpv2-observability",
        "config-management-system",
        "config-management-monitoring",
        "metallb-system",
        "local-path-storage",
        "longhorn-system",
        "kubernetes-dashboard",
        "crossplane-system",
        "olm",
        "operators",
        "vpa",
        "opencost",
        "kubecost",
        "awx",
        "rundeck",
        "stackstorm",
    }
)
# The main (first) container of a controller, operator or monitoring component. Matched on the
# image path without registry or tag; "-controller"/"-operator" suffixes name controllers
# (ingress-nginx's image is ".../ingress-nginx/controller", a data-path component, not matched).
PLATFORM_IMAGE = (
    r"(^|/)(kube-state-metrics|metrics-server|prometheus|alertmanager|prometheus-operator|"
    r"prometheus-config-reloader|grafana|loki|promtail|tempo|thanos|node-exporter|"
    r"cert-manager-[a-z]+|argocd|argo-rollouts|fluxcd/[a-z-]+|[a-z0-9-]+-controller|[a-z0-9-]+-operator|"
    r"external-dns|keda|keda-metrics-apiserver|velero|cluster-autoscaler|karpenter|kyverno|"
    r"gatekeeper|chaos-[a-z-]+|litmus[a-z-]*|fluent-bit|fluentd|vpa-[a-z]+|"
    # cost engines and operations tools: they serve the platform team, not the business
    r"opencost|opencost-ui|cost-model|cost-analyzer|kubecost-[a-z-]+|awx|awx-ee|rundeck|"
    r"st2[a-z]*|semaphore|controller-rhel[0-9]+|rundeckpro/enterprise|"
    # cloud-managed add-ons (GKE Managed Prometheus, the Stackdriver custom-metrics adapter)
    r"prometheus-engine/[a-z-]+|custom-metrics-stackdriver-adapter|"
    # pause containers: placeholder pods (cluster-autoscaler overprovisioning, balloons) hold capacity
    r"(mirrored-)?pause(-[a-z0-9]+)?)$"
)
# The main container is an in-memory cache or key-value store (a backing service).
CACHE_IMAGE = r"(^|/)(redis|redis-stack-server|valkey|keydb|memcached|dragonfly)$"
