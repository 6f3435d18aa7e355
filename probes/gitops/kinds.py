"""Typed evidence kinds of the GitOps file parser (probes/gitops/files.py), emitted by the
`files` probe. Rules' `data.*` paths are checked against these models."""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["MODELS"]


class Dashboard(KindModel):
    """`gitops.dashboard`: a Grafana dashboard kept in Git."""

    title: str = Field(description="dashboard title")
    uid: str | None = Field(description="dashboard uid (null: none)")
    source: str = Field(description="json_file or configmap (a ConfigMap labelled grafana_dashboard for the sidecar)")
    tags: list[str] = Field(description="dashboard tags")
    panels: int = Field(description="panels, rows excluded, collapsed rows' panels included")
    panel_types: list[str] = Field(description="distinct panel types (timeseries, stat, table, ...)")
    queries: int = Field(description="panel queries (targets with an expression or query)")
    datasources: list[str] = Field(description="datasource types or names the panels use")
    variables: list[str] = Field(description="template variable names, every type")
    variable_count: int = Field(
        description="template variables that pick a dimension (query, custom, textbox, ad hoc; data source, interval and constant left out)"
    )
    annotations: int = Field(description="annotation queries (events marked on the graphs)")
    links: int = Field(description="dashboard and panel links (drill-down to other views)")
    category: str = Field(
        description="business (application metrics are at least half), infrastructure (none), mixed, or unknown (no metric names)"
    )
    application_metrics: list[str] = Field(description="metric names of the application itself (up to 50)")
    highlighted_application_metrics: list[str] = Field(
        description="application metrics shown large, in stat, gauge or bar-gauge panels (up to 50)"
    )
    infrastructure_metrics: list[str] = Field(
        description="metric names of the platform or monitoring stack: node_, container_, kube_, prometheus_, go_, ... (up to 50)"
    )
    metrics_count: int = Field(description="distinct metric names the queries read")


class Slo(KindModel):
    """`gitops.slo`: one objective of an SLO definition (Sloth, Pyrra, OpenSLO)."""

    tool: str = Field(description="sloth, pyrra or openslo")
    name: str = Field(description="the SLO's name")
    service: str = Field(description="the service it is about (empty: not named)")
    objective_percent: float | None = Field(description="target, percent (99.9); null: none readable")
    window_days: float | None = Field(description="compliance window, days (Sloth: 30 by default)")
    sli_type: str = Field(description="ratio, latency, bool, threshold, raw, plugin, reference or unknown")
    metrics: list[str] = Field(description="metric names the SLI queries read")
    alerting: bool = Field(description="burn-rate alerts are generated from it")
    description: bool = Field(description="has a description")


class ArgoCdApp(KindModel):
    """`gitops.argocd_app`: an Argo CD Application, or the template of an ApplicationSet."""

    kind: str = Field(description="Application or ApplicationSet")
    project: str = Field(description="Argo CD project")
    automated: bool = Field(description="syncPolicy.automated is set (and not disabled)")
    self_heal: bool = Field(description="automated sync reverts drift in the cluster (selfHeal)")
    prune: bool = Field(description="automated sync deletes what left Git (prune)")
    sync_options: list[str] = Field(description="syncOptions as written")
    retry: bool = Field(description="a sync retry policy is set")
    target_revisions: list[str] = Field(description="source target revisions (HEAD when unset)")
    repo_hosts: list[str] = Field(description="hosts of the source repositories (never credentials or paths)")
    helm: bool = Field(description="a source is a Helm chart")
    destination_namespace: str | None = Field(description="destination namespace")
    destination_cluster: str | None = Field(description="destination cluster: API host or cluster name")
    generators: list[str] = Field(description="ApplicationSet generator types (empty for an Application)")
    notifications: list[str] = Field(
        description="Argo CD notification triggers it subscribes to (notifications.argoproj.io/subscribe.<trigger>.<service>)"
    )


class VeleroBackup(KindModel):
    """`gitops.velero_backup`: a one-off Velero Backup (schedules are `kubernetes.velero_schedule`)."""

    included_namespaces: list[str] = Field(description='namespaces backed up ("*": all)')
    excluded_namespaces: list[str] = Field(description="namespaces left out")
    ttl_s: float | None = Field(description="retention, seconds (null: Velero's default, 30 days)")
    snapshot_volumes: bool | None = Field(description="volume snapshots taken (null: Velero's default)")
    storage_location: str | None = Field(description="backup storage location name")


class MonitoringServer(KindModel):
    """`gitops.monitoring_server`: a Prometheus or Alertmanager resource of the Prometheus Operator."""

    tool: str = Field(description="prometheus or alertmanager")
    replicas: int | None = Field(description="replicas (1 when unset; null: Helm values that do not set it)")
    shards: int | None = Field(description="Prometheus shards (null: unset)")
    retention: str | None = Field(
        description="retention as written (operator default when unset: 24h / 120h; null: Helm values that do not set it)"
    )
    retention_s: float | None = Field(description="retention, seconds")
    retention_size: str | None = Field(description="size-based retention, if set")
    persistent_storage: bool = Field(description="a volumeClaimTemplate gives it persistent storage")
    remote_write_count: int = Field(description="remoteWrite endpoints")
    remote_write_hosts: list[str] = Field(description="remoteWrite hosts")
    alertmanagers: list[str] = Field(description="Alertmanagers it sends alerts to (namespace/name)")
    rule_selector: dict[str, str] = Field(description="ruleSelector.matchLabels")
    selects_rules: bool = Field(description="a ruleSelector is set (PrometheusRules are loaded)")
    selects_service_monitors: bool = Field(description="a serviceMonitorSelector or podMonitorSelector is set")
    config_source: str | None = Field(
        description="Alertmanager: the name of the Secret its configuration is kept in (configSecret)"
    )
    operator: bool = Field(
        default=True,
        description="run by the Prometheus Operator (false: a plain server read from a live cluster's workload)",
    )


class KustomizeApp(KindModel):
    """`gitops.kustomize_app`: an application with kustomize overlays, one per environment."""

    path: str = Field(description="the application folder (holding the overlays folder)")
    environments: list[str] = Field(description="environment names (the overlay folders)")
    environment_count: int = Field(description="environments")
    bases: list[str] = Field(description="folders the overlays build on (../base)")
    shared_base: bool = Field(description="every overlay builds on a common base: one method for every environment")
    overlay_dir: str = Field(description="overlays, envs or environments")


class HelmChart(KindModel):
    """`gitops.helm_chart`: a Helm chart in the repository."""

    name: str = Field(description="chart name (Chart.yaml)")
    version: str | None = Field(description="chart version")
    templates: int = Field(description="template files")
    rendered: bool = Field(description="rendered with `helm template` and read; false: its objects are unknown")
    reason: str | None = Field(description="why it was not rendered")
    objects: int | None = Field(description="objects in the rendered output (null: not rendered)")


class MonitoringStore(KindModel):
    """`gitops.monitoring_store`: where a monitoring store (Thanos, Mimir/Cortex, Loki, Tempo) keeps its data."""

    tool: str = Field(description="thanos, mimir (Mimir or Cortex blocks storage), loki or tempo")
    backend: str = Field(
        description="storage backend as configured, lower case (s3, gcs, azure, swift, cos, oss, bos, obs, oci, filesystem, ...)"
    )
    object_storage: bool = Field(
        description="the backend is an object store (S3 API, GCS, Azure Blob, Swift, COS, OSS, BOS, OBS, OCI), not the server's own disk"
    )
    in_cluster_endpoint: bool = Field(
        description=(
            "an endpoint of the store's configuration is inside the cluster (a Service name, *.svc, MinIO, "
            "localhost) or the chart's bundled MinIO is enabled: object storage on the cluster's own volumes"
        )
    )
    found_in: str = Field(description="file (the tool's own config), configmap, secret or helm_values")


MODELS: dict[str, type[KindModel]] = {
    "gitops.dashboard": Dashboard,
    "gitops.slo": Slo,
    "gitops.argocd_app": ArgoCdApp,
    "gitops.velero_backup": VeleroBackup,
    "gitops.monitoring_server": MonitoringServer,
    "gitops.kustomize_app": KustomizeApp,
    "gitops.helm_chart": HelmChart,
    "gitops.monitoring_store": MonitoringStore,
}
