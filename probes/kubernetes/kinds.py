"""Typed evidence kinds of the kubernetes probe (live and from manifests): one model per kind.

Rules' `data.*` paths are checked against these models (`maturity rules lint`), and every item
a probe yields is validated by them (`Probe.accepts`, called by the runner). Derived from
probes/kubernetes/derive.py and workloads.py (one object's facts) and join.py (facts that need joining).
Values copied from a manifest as written (maxUnavailable, ttl, ...) keep their YAML type.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, create_model

from probes.kubernetes.resources import OPTIONAL_APIS
from scanner.probe import KindModel

__all__ = ["MODELS"]

_NS = 'the namespace ("default" when the object names none)'
_SYSTEM = "the namespace is kube-system, kube-public or kube-node-lease"
_OWNER = "owner from the first owner-like label or annotation (team, owner, squad, contact, on-call); null: none"
_INT_OR_PERCENT = "as declared: a number, a percentage string, or null when unset"


class Container(KindModel):
    """One container of a pod template."""

    name: str = Field(description="container name")
    image: str = Field(description="image reference")
    readiness: bool = Field(description="declares a readinessProbe")
    liveness: bool = Field(description="declares a livenessProbe")
    startup: bool = Field(description="declares a startupProbe")
    cpu_request: str | None = Field(description="CPU request (null: none)")
    memory_request: str | None = Field(description="memory request (null: none)")
    cpu_limit: str | None = Field(description="CPU limit (null: none)")
    memory_limit: str | None = Field(description="memory limit (null: none)")


class KubernetesWorkload(KindModel):
    """`kubernetes.workload`: a Deployment, StatefulSet, DaemonSet or Argo Rollout, joined with
    the autoscalers, PodDisruptionBudgets, rollouts and ReplicaSets that refer to it."""

    namespace: str = Field(description=_NS)
    kind: str = Field(description="Deployment, StatefulSet, DaemonSet or Rollout")
    name: str = Field(description="workload name")
    system: bool = Field(description=_SYSTEM)
    role: str = Field(
        description=(
            "what it is for: system (Kubernetes' own namespaces), platform (controllers, operators, "
            "monitoring, GitOps, by namespace or main image), cache (main image Redis, Memcached, ...), "
            "agent (another DaemonSet) or application"
        )
    )
    replicas: int | None = Field(description="spec.replicas (1 when unset; null: a DaemonSet)")
    containers: list[Container] = Field(description="containers of the pod template")
    images: list[str] = Field(description="distinct container images")
    readiness_all: bool = Field(description="every container declares a readinessProbe")
    liveness_all: bool = Field(description="every container declares a livenessProbe")
    startup_any: bool = Field(description="some container declares a startupProbe")
    missing_readiness: list[str] = Field(description="containers without a readinessProbe")
    requests_all: bool = Field(description="every container requests CPU and memory")
    memory_limits_all: bool = Field(description="every container sets a memory limit")
    cpu_limits_all: bool = Field(description="every container sets a CPU limit")
    strategy: str = Field(description="update strategy (RollingUpdate, Recreate, OnDelete, canary, blueGreen)")
    max_unavailable: int | str | None = Field(description=f"rolling update maxUnavailable, {_INT_OR_PERCENT}")
    max_surge: int | str | None = Field(description=f"rolling update maxSurge, {_INT_OR_PERCENT}")
    surge_first: bool = Field(
        description=(
            "a Deployment RollingUpdate whose maxUnavailable (25% when unset, rounded down) is zero pods at "
            "its largest replica count: no pod is taken down before its replacement is up"
        )
    )
    rollout_unavailable_share: float | None = Field(
        None,
        description=(
            "share of a RollingUpdate Deployment's pods its rolling update may take down at once (maxUnavailable, "
            "25% when unset, rounded down, at its largest replica count; 0: surge-first; null: another kind or strategy)"
        ),
    )
    spread_keys: list[str] = Field(description="topology keys pods are spread over (spread constraints, anti-affinity)")
    zone_spread: bool = Field(description="spread over a zone key")
    host_spread: bool = Field(description="spread over kubernetes.io/hostname")
    revision_history_limit: int = Field(description="revisionHistoryLimit (10 when unset)")
    revision_history_limit_set: bool = Field(description="revisionHistoryLimit is declared")
    owner: str | None = Field(description=_OWNER + "; inherited from the namespace when it has one")
    owner_key: str | None = Field(description='the key the owner came from ("namespace": inherited)')
    app_label: str | None = Field(description="app.kubernetes.io/name or app label of the workload or its pods")
    managed_by: str | None = Field(
        description=(
            "tool that manages it (argocd, flux, helm; helm-template: a chart rendered and applied by "
            "something else; instance-label: only app.kubernetes.io/instance, as Argo CD's label tracking "
            "sets it; another app.kubernetes.io/managed-by value; null: no tool label)"
        )
    )
    cache_hint: bool = Field(
        description=(
            "configured as a cache, not a store: labelled app.kubernetes.io/component: cache, or started "
            "with an evicting memory policy (maxmemory-policy allkeys-*/volatile-*)"
        )
    )
    priority_class: str | None = Field(
        None, description="the pod template's priorityClassName (null: none, the cluster's default priority)"
    )
    priority_value: int | None = Field(
        None,
        description=(
            "the priority its pods get: the value of its PriorityClass, or with no class the cluster's default "
            "priority (the globalDefault class's value, else 0); null when the class is not defined in the "
            "cluster, PriorityClasses could not be listed (forbidden, failed) or were not read (from files)"
        ),
    )
    priority_below_default: bool | None = Field(
        None,
        description=(
            "its priority is below the cluster's default priority (the globalDefault PriorityClass's value, else "
            "0), so pods of any online workload without a class outrank it: they are scheduled first and may "
            "preempt it. false with no class (its pods get the default); null when either value is unknown "
            "(class not defined, PriorityClasses not listed or read, an unreadable default class)"
        ),
    )
    autoscalers: list[str] = Field(description="autoscalers that target it, as type/name")
    hpa_covered: bool = Field(description="scaled by an HPA or a KEDA ScaledObject")
    vpa_covered: bool = Field(description="scaled by a VerticalPodAutoscaler whose mode is not Off")
    autoscaled: bool = Field(description="hpa_covered or vpa_covered")
    min_replicas: int | None = Field(description="an HPA's lowest floor, else replicas")
    max_replicas: int | None = Field(description="an HPA's highest ceiling, else replicas")
    services: list[str] = Field(description="Services (with a selector, not ExternalName) that select its pods")
    serving: bool | None = Field(
        description="some Service selects its pods: it serves traffic (null: Services could not be listed)"
    )
    pdb_covered: bool = Field(description="some PodDisruptionBudget selects its pods")
    pdbs: list[str] = Field(description="PodDisruptionBudgets that select its pods")
    progressive: str | None = Field(description="progressive delivery tool (argo-rollouts, flagger; null: none)")
    revisions: int | None = Field(
        description="ReplicaSets kept for a Deployment (null: not a Deployment, or ReplicaSets not listed)"
    )


class KubernetesHpa(KindModel):
    """`kubernetes.hpa`: an HPA, VerticalPodAutoscaler or KEDA ScaledObject."""

    namespace: str = Field(description=_NS)
    name: str = Field(description="autoscaler name")
    type: str = Field(description="HorizontalPodAutoscaler, VerticalPodAutoscaler or ScaledObject")
    target_kind: str = Field(description="kind of the workload it scales")
    target_name: str = Field(description="name of the workload it scales")
    min_replicas: int | None = Field(description="lowest replica count (null: a VPA)")
    max_replicas: int | None = Field(description="highest replica count (null: a VPA, or unset)")
    metrics: list[str] = Field(description="what it scales on: type/metric for an HPA, trigger types for KEDA")
    scales_in: bool | None = Field(description="may scale down (null: a VPA)")
    update_mode: str | None = Field(description="a VPA's update mode (Off, Initial, Recreate, Auto; null: not a VPA)")
    coupled_with: list[str] = Field(
        description=(
            "other HPAs (namespace/name) that scale a different workload on the same External or Object "
            "metric: related applications scaled out together"
        )
    )


class KubernetesPdb(KindModel):
    """`kubernetes.pdb`: a PodDisruptionBudget."""

    namespace: str = Field(description=_NS)
    name: str = Field(description="budget name")
    min_available: Any = Field(description=f"minAvailable, {_INT_OR_PERCENT}")
    max_unavailable: Any = Field(description=f"maxUnavailable, {_INT_OR_PERCENT}")
    workloads_covered: int = Field(description="workloads whose pods it selects")


class KubernetesService(KindModel):
    """`kubernetes.service`: a Service."""

    namespace: str = Field(description=_NS)
    name: str = Field(description="Service name")
    system: bool = Field(description=_SYSTEM)
    type: str = Field(description="ClusterIP, NodePort, LoadBalancer or ExternalName")
    headless: bool = Field(description="clusterIP: None")
    has_selector: bool = Field(description="selects pods")
    ports: int = Field(description="ports declared")
    session_affinity: str = Field(description="sessionAffinity (None or ClientIP)")
    owner: str | None = Field(description=_OWNER)
    endpoints_ready: int | None = Field(
        description="ready endpoints (null: EndpointSlices not listed, e.g. from files)"
    )
    endpoints_total: int | None = Field(description="all endpoints (null: EndpointSlices not listed)")


class KubernetesIngress(KindModel):
    """`kubernetes.ingress`: an Ingress."""

    namespace: str = Field(description=_NS)
    name: str = Field(description="Ingress name")
    system: bool = Field(description=_SYSTEM)
    class_: str | None = Field(alias="class", description="ingressClassName or the legacy class annotation")
    hosts: list[str] = Field(description="hosts its rules serve")
    tls: bool = Field(description="declares TLS")
    backends: list[str] = Field(description="Services it routes to")
    rate_limited: bool = Field(description="carries a rate-limit annotation (ingress-nginx, HAProxy, Traefik, ...)")
    rate_limit_annotations: dict[str, str] = Field(description="those annotations")


class KubernetesNetworkPolicy(KindModel):
    """`kubernetes.network_policy`: a NetworkPolicy."""

    namespace: str = Field(description=_NS)
    name: str = Field(description="policy name")
    whole_namespace: bool = Field(description="selects every pod (empty podSelector)")
    policy_types: list[str] = Field(description="Ingress and/or Egress")
    ingress_rules: int = Field(description="ingress rules")
    egress_rules: int = Field(description="egress rules")
    default_deny_ingress: bool = Field(description="selects every pod and allows no ingress")


class KubernetesNodeZones(KindModel):
    """`kubernetes.node_zones`: the cluster's nodes by zone (live only)."""

    nodes: int = Field(description="nodes")
    nodes_ready: int = Field(description="nodes whose Ready condition is True")
    zones: dict[str, int] = Field(description="nodes per zone")
    zone_count: int = Field(description="distinct zones")
    nodes_without_zone: int = Field(description="nodes with no zone label")
    regions: dict[str, int] = Field(description="nodes per region")


class KubernetesNamespace(KindModel):
    """`kubernetes.namespace`: a namespace, declared or referenced by the objects in it."""

    name: str = Field(description="namespace name")
    labels: dict[str, str] = Field(description="its labels")
    owner: str | None = Field(description=_OWNER)
    owner_key: str | None = Field(description="the key the owner came from")
    system: bool = Field(description=_SYSTEM)
    declared: bool = Field(description="the Namespace object itself was seen, not only referenced")
    workloads: int = Field(description="workloads in it")
    resource_quota: bool = Field(description="has a ResourceQuota")
    limit_range: bool = Field(description="has a LimitRange")
    network_policies: int = Field(description="NetworkPolicies in it")
    default_deny_ingress: bool = Field(description="a NetworkPolicy denies ingress by default")


class KubernetesQuota(KindModel):
    """`kubernetes.quota`: a ResourceQuota (hard) or a LimitRange (limit_types, defaults)."""

    namespace: str = Field(description=_NS)
    name: str = Field(description="object name")
    type: str = Field(description="ResourceQuota or LimitRange")
    limits_compute: bool = Field(description="limits CPU or memory")
    hard: dict[str, str] | None = Field(None, description="a ResourceQuota's hard limits (absent for a LimitRange)")
    limit_types: list[str] | None = Field(None, description="a LimitRange's limit types (absent for a ResourceQuota)")
    default_requests: bool | None = Field(None, description="a LimitRange sets default requests")
    default_limits: bool | None = Field(None, description="a LimitRange sets default limits")


class KubernetesCronjob(KindModel):
    """`kubernetes.cronjob`: a CronJob."""

    namespace: str = Field(description=_NS)
    name: str = Field(description="CronJob name")
    schedule: str = Field(description="cron schedule")
    time_zone: str | None = Field(description="timeZone (null: the controller's)")
    suspend: bool = Field(description="suspended")
    concurrency_policy: str = Field(description="Allow, Forbid or Replace")
    starting_deadline_seconds: int | None = Field(description="startingDeadlineSeconds (null: unset)")
    successful_jobs_history_limit: int | None = Field(description="successful jobs kept (3 when unset)")
    failed_jobs_history_limit: int | None = Field(description="failed jobs kept (1 when unset)")
    owner: str | None = Field(description=_OWNER)


_OPTIONAL_DOC = "Whether the API group of each optional tool is served (argoproj.io without rollouts counts as no)."
_OPTIONAL_FIELDS: dict[str, Any] = {
    a.key: (bool, Field(description=f"{a.title} ({a.group}) is served")) for a in OPTIONAL_APIS
}
# One field per optional tool the probe looks for, so the model can never drift from the probe.
KubernetesApiGroupsOptional = create_model(
    "KubernetesApiGroupsOptional", __base__=KindModel, __doc__=_OPTIONAL_DOC, **_OPTIONAL_FIELDS
)


class KubernetesApiGroups(KindModel):
    """`kubernetes.api_groups`: the API groups served and the optional tools they show (live only)."""

    groups: list[str] = Field(description="API groups served")
    optional: KubernetesApiGroupsOptional = Field(description="which optional tools are installed")
    versions: dict[str, str] = Field(description="preferred version of each installed tool's group")


class KubernetesVeleroSchedule(KindModel):
    """`kubernetes.velero_schedule`: a Velero backup Schedule."""

    namespace: str = Field(description=_NS)
    name: str = Field(description="schedule name")
    schedule: str = Field(description="cron schedule")
    paused: bool = Field(description="paused")
    included_namespaces: list[str] = Field(description='namespaces backed up ("*": all)')
    excluded_namespaces: list[str] = Field(description="namespaces left out")
    ttl: Any = Field(description="backup retention as written (a Go duration such as 720h0m0s; null: Velero's default)")
    snapshot_volumes: Any = Field(description="snapshotVolumes as written (null: Velero's default)")


class KubernetesVeleroRestore(KindModel):
    """`kubernetes.velero_restore`: a Velero Restore that was run (live only)."""

    namespace: str = Field(description=_NS)
    name: str = Field(description="restore name")
    phase: str = Field(description="New, InProgress, Completed, PartiallyFailed, Failed or FailedValidation")
    backup: str | None = Field(description="the backup (or schedule) it restored from")
    included_namespaces: list[str] = Field(description='namespaces restored ("*": all)')
    days_since_completed: float | None = Field(description="days since it completed (null: not completed)")
    duration_minutes: float | None = Field(description="minutes from start to completion (null: unknown)")
    errors: int = Field(description="errors Velero counted")
    warnings: int = Field(description="warnings Velero counted")


class KubernetesChaosExperiment(KindModel):
    """`kubernetes.chaos_experiment`: a Chaos Mesh experiment or Schedule, or a Litmus ChaosEngine/ChaosSchedule."""

    namespace: str = Field(description=_NS)
    name: str = Field(description="object name")
    tool: str = Field(description="chaos-mesh or litmus")
    type: str = Field(description="experiment kind (PodChaos, NetworkChaos, ...; ChaosEngine, ChaosSchedule)")
    faults: list[str] = Field(description="faults it injects (experiment kinds or Litmus experiment names)")
    scheduled: bool = Field(description="runs on a schedule")
    category: str = Field(description="pod, network, io, stress, time, node or other")
    action: Any = Field(description="a Chaos Mesh action as written (pod-kill, delay, ...; null: none)")
    days_since_run: float | None = Field(
        description=(
            "days since it last injected faults: a schedule's last scheduled run, a one-off experiment's "
            "creation (null: unknown, e.g. a manifest in Git or a schedule that never ran)"
        )
    )


class KubernetesRollout(KindModel):
    """`kubernetes.rollout`: progressive delivery for one workload (Argo Rollout or Flagger Canary)."""

    namespace: str = Field(description=_NS)
    name: str = Field(description="object name")
    tool: str = Field(description="argo-rollouts or flagger")
    strategy: str = Field(description="canary, blueGreen or unknown")
    target_kind: str = Field(description="kind of the workload rolled out")
    target_name: str = Field(description="name of the workload rolled out")
    analysis: bool = Field(description="runs an automated analysis (metrics or webhooks)")
    steps: int | None = Field(description="canary steps (Argo) or maxWeight (Flagger); null: none")


class KubernetesOtelCollector(KindModel):
    """`kubernetes.otel_collector`: an OpenTelemetry Operator `OpenTelemetryCollector` and the
    component types its pipelines use (probes/kubernetes/otel.py; the configuration is not kept)."""

    namespace: str = Field(description=_NS)
    name: str = Field(description="collector name")
    mode: str = Field(description="deployment (the default), statefulset, daemonset or sidecar")
    replicas: int | None = Field(description="spec.replicas (1 when unset; null: a daemonset or sidecar)")
    autoscaled: bool = Field(description="spec.autoscaler lets it scale above its replicas (deployment/statefulset)")
    image: str | None = Field(description="spec.image (null: the operator's default collector image)")
    node_os: str | None = Field(description="the nodeSelector's kubernetes.io/os (linux, windows; null: none)")
    config_read: bool = Field(description="spec.config was read (false: missing, too large or not parseable)")
    signals: list[str] = Field(description="signal types of its pipelines (traces, metrics, logs, profiles)")
    receivers: list[str] = Field(description="receiver types its pipelines use (otlp, prometheus, filelog, ...)")
    processors: list[str] = Field(description="processor types its pipelines use")
    exporters: list[str] = Field(description="exporter types its pipelines use")
    push_receivers: list[str] = Field(
        description="receivers that accept data sent to the collector (otlp, zipkin, influxdb, prometheusremotewrite, syslog, ...)"
    )
    shaping_processors: list[str] = Field(
        description="processors that clean, filter or reshape data (transform, filter, attributes, redaction, metricstransform, ...)"
    )
    receiver_tls: bool = Field(description="some receiver its pipelines use declares TLS")


MODELS: dict[str, type[KindModel]] = {
    "kubernetes.workload": KubernetesWorkload,
    "kubernetes.hpa": KubernetesHpa,
    "kubernetes.pdb": KubernetesPdb,
    "kubernetes.service": KubernetesService,
    "kubernetes.ingress": KubernetesIngress,
    "kubernetes.network_policy": KubernetesNetworkPolicy,
    "kubernetes.node_zones": KubernetesNodeZones,
    "kubernetes.namespace": KubernetesNamespace,
    "kubernetes.quota": KubernetesQuota,
    "kubernetes.cronjob": KubernetesCronjob,
    "kubernetes.api_groups": KubernetesApiGroups,
    "kubernetes.velero_schedule": KubernetesVeleroSchedule,
    "kubernetes.velero_restore": KubernetesVeleroRestore,
    "kubernetes.chaos_experiment": KubernetesChaosExperiment,
    "kubernetes.rollout": KubernetesRollout,
    "kubernetes.otel_collector": KubernetesOtelCollector,
}
