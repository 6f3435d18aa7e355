"""Typed evidence kinds of the prometheus probe (live and from files): one model per kind.

Rules' `data.*` paths are checked against these models (`maturity rules lint`), and every item
a probe yields is validated by them (`Probe.accepts`, called by the runner). Derived from
probes/prometheus/normalise.py (shared by the live probe and the file parser), live.py and
queries.py. Fields that only a live server can tell are null when read from files.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["MODELS"]

_LIVE = " (null: read from a file)"


class _RuleCommon(KindModel):
    """Fields every rule has, alerting or recording."""

    name: str = Field(description="the alert name or the recorded series name")
    group: str = Field(description="the rule group's name")
    file: str = Field(description="the rule file (or PrometheusRule namespace/name) the group came from")
    expr: str = Field(description="the PromQL expression")
    labels: dict[str, str] = Field(description="labels the rule adds")
    functions: list[str] = Field(description="PromQL functions and aggregations the expression calls")
    aggregates: list[str] = Field(description="of those, aggregation operators (sum, avg, max, ...)")
    metrics: list[str] = Field(description="metric names the expression reads (at most 20)")
    business_metrics: list[str] = Field(
        description="of those, the ones that are not platform or self-monitoring series (prometheus_, kube_, node_, up, ...)"
    )
    edge_request_metrics: list[str] = Field(
        default_factory=list,
        description="ingress or mesh request series (nginx_ingress_controller_requests, istio_requests_total, ...) "
        "the expression selects for one application (namespace, service or ingress) or groups per application",
    )
    vendored: bool = Field(description="the group is one a common mixin ships (kube-prometheus, node-exporter, ...)")
    grouping_labels: list[str] = Field(description="labels the expression aggregates `by` (`le` left out; at most 20)")
    business_dimensions: list[str] = Field(
        description="of those, labels naming a business dimension (service, handler, route, tenant, product, ...)"
    )
    metric_sources: list[str] = Field(
        description="kinds of source its metrics come from: node, cadvisor, kube-state-metrics, kubelet, kubernetes, "
        "blackbox, prometheus, alertmanager, process, database, messaging, proxy, platform, application"
    )
    joins: bool = Field(description="matches two vectors on labels (on/ignoring, group_left/group_right)")
    max_range_s: float | None = Field(description="longest range selector or subquery range, seconds (null: none)")
    health: Any = Field(description="evaluation health as the server reports it (ok, err, unknown)" + _LIVE)
    last_error: Any = Field(description="the last evaluation error, if any" + _LIVE)
    group_interval_s: float | None = Field(
        description="the group's evaluation interval, seconds (null: the global one)"
    )


class PrometheusAlertRule(_RuleCommon):
    """`prometheus.alert_rule`: an alerting rule."""

    for_s: float = Field(description="`for` duration, seconds (0: fires at once)")
    severity: str | None = Field(description="severity (or priority) label, lower-cased (null: none)")
    annotation_keys: list[str] = Field(description="annotation keys")
    has_runbook: bool = Field(description="an annotation names or links a runbook, playbook, wiki or SOP")
    has_description: bool = Field(description="has a summary, description or message annotation")
    compares_constant: bool = Field(description="the expression compares with a number (a threshold)")
    peer_severities: list[str] = Field(
        default_factory=list,
        description="severities of the other alerting rules of the same file, PrometheusRule or server "
        "whose expression is the same but for its numbers (a warning with a critical peer is a tier ahead of it)",
    )
    state: Any = Field(description="inactive, pending or firing" + _LIVE)


class PrometheusRecordingRule(_RuleCommon):
    """`prometheus.recording_rule`: a recording rule."""


class PrometheusTargetPool(KindModel):
    """`prometheus.target_pool`: one scrape job, its settings and (live) its targets' health."""

    job: str = Field(description="job name")
    family: str = Field(description="exporter family guessed from the job name and path (node, blackbox, ...)")
    scheme: str = Field(description="http or https")
    metrics_path: str = Field(description="metrics path")
    scrape_interval_s: float = Field(description="scrape interval, seconds (global default applied)")
    scrape_timeout_s: float = Field(description="scrape timeout, seconds")
    custom_interval: bool = Field(description="the interval differs from the global default")
    honor_labels: bool = Field(description="honor_labels is set")
    tls_verify: bool = Field(description="HTTPS with certificate verification")
    client_cert: bool = Field(description="a client certificate is configured")
    authenticated: bool = Field(description="credentials are configured (basic auth, authorization, OAuth2, bearer)")
    sample_limit: int = Field(description="sample_limit (0: none)")
    limited: bool = Field(description="sets a sample, label, target or body size limit")
    sd_types: list[str] = Field(description='service discovery mechanisms ("static" for static_configs)')
    static_targets: int = Field(description="statically configured targets")
    enable_compression: bool = Field(description="scrapes with compression (the default)")
    relabel_actions: list[str] = Field(description="actions of its metric_relabel_configs (drop, keep, replace, ...)")
    sharded: bool = Field(description="its relabel_configs shard targets across servers (hashmod)")
    label_limits: bool = Field(description="sets label_limit, label_name_length_limit or label_value_length_limit")
    interval_default: bool = Field(
        description="neither the job nor the document's global settings set the interval: 60s assumed "
        "(for an operator monitor read from files, the Prometheus resource's interval applies)"
    )
    targets_total: int | None = Field(description="active targets" + _LIVE)
    targets_up: int | None = Field(description="targets whose last scrape succeeded" + _LIVE)
    targets_down: int | None = Field(description="targets whose last scrape failed" + _LIVE)
    down_instances: list[str] = Field(description="up to five instances that are down")


class RemoteEndpoint(KindModel):
    """A remote_write or remote_read endpoint (its host only, never credentials or path)."""

    host: str | None = Field(description="host[:port] of the URL")
    scheme: str | None = Field(description="URL scheme")
    queue_config: bool = Field(description="a queue_config is set")
    relabelled: bool = Field(description="write_relabel_configs are set")
    authenticated: bool = Field(description="credentials are configured (basic auth, OAuth2, SigV4, ...)")


class PrometheusConfig(KindModel):
    """`prometheus.config`: global settings of a prometheus.yml (file or running configuration)."""

    scrape_interval_s: float = Field(description="global scrape interval, seconds (60 when unset)")
    scrape_timeout_s: float = Field(description="global scrape timeout, seconds (10 when unset)")
    evaluation_interval_s: float = Field(description="global rule evaluation interval, seconds (60 when unset)")
    external_labels: dict[str, str] = Field(description="external labels")
    replica_label: str | None = Field(description="an external label naming the HA replica (replica, ...), if any")
    ha_replicas: int | None = Field(
        default=None,
        description="replicas of this Prometheus: live, the pods `<name>-<ordinal>` of its replica label's value "
        "with a prometheus_build_info series now; from a Prometheus resource, spec.replicas "
        "(null: cannot be told, e.g. a prometheus.yml or a replica value that is no pod name)",
    )
    remote_write: list[RemoteEndpoint] = Field(description="remote_write endpoints")
    remote_write_count: int = Field(description="remote_write endpoints")
    remote_read: list[RemoteEndpoint] = Field(description="remote_read endpoints")
    remote_read_count: int = Field(description="remote_read endpoints")
    alertmanager_configs: int = Field(description="alerting.alertmanagers entries")
    alertmanager_hosts: list[str] = Field(description="Alertmanager hosts configured statically")
    alert_relabelling: bool = Field(description="alert_relabel_configs are set")
    rule_files: int = Field(description="rule_files patterns")
    scrape_jobs: int = Field(description="scrape jobs")
    jobs_custom_interval: int = Field(description="jobs whose interval differs from the global one")
    scrape_intervals_s: list[float] = Field(description="distinct scrape intervals, seconds")
    jobs_https: int = Field(description="jobs scraping over HTTPS")
    jobs_limited: int = Field(description="jobs with a sample, label, target or body size limit")
    global_limits: bool = Field(
        default=False,
        description="scrape limits every job inherits: global ones, or a Prometheus resource's enforced limits",
    )
    jobs_service_discovery: int = Field(description="jobs using service discovery")
    pushgateway_jobs: int = Field(description="jobs scraping a Pushgateway")
    families: list[str] = Field(description="exporter families of the jobs")


class PrometheusRuntime(KindModel):
    """`prometheus.runtime`: version, retention, storage flags and reload status (live only)."""

    version: str = Field(description="Prometheus version")
    retention: str = Field(description="storage retention as the server reports it")
    retention_time_s: float | None = Field(description="retention by time, seconds (null: unknown)")
    retention_size: str | None = Field(description="retention by size (null: none)")
    reload_config_success: Any = Field(description="the last configuration reload succeeded (as reported)")
    last_config_time: Any = Field(description="when the configuration was last loaded (as reported)")
    corruption_count: Any = Field(description="TSDB corruptions (as reported)")
    agent_mode: bool = Field(description="runs in agent mode (no local storage or rules)")
    remote_write_receiver: bool = Field(description="accepts remote write")
    wal_compression: bool = Field(description="WAL compression enabled")
    fixed_block_duration: bool = Field(
        description="min and max block duration are equal: local compaction off, as a Thanos sidecar needs"
    )
    flags: dict[str, str] = Field(description="selected command-line flags")


class TopMetric(KindModel):
    """A metric with many series."""

    name: str = Field(description="metric name")
    series: Any = Field(description="series count (as reported)")


class PrometheusTsdb(KindModel):
    """`prometheus.tsdb`: TSDB status (live only)."""

    head_series: Any = Field(description="series in the head block (as reported)")
    head_chunks: Any = Field(description="chunks in the head block (as reported)")
    label_pairs: Any = Field(description="label pairs in the head block (as reported)")
    top_metrics: list[TopMetric] = Field(description="the ten metrics with the most series")
    blocks_loaded: int | None = Field(description="blocks loaded (null: /metrics not readable)")
    data_span_days: float | None = Field(description="days of data held (null: unknown)")
    api_query_fast_share: float | None = Field(
        None,
        description=(
            "share of API queries (/api/v1/query and /api/v1/query_range) answered within 1 s since "
            'Prometheus started, exact from the le="1" bucket of prometheus_http_request_duration_seconds; '
            "null: /metrics not readable, no API query yet, or no 1 s bucket"
        ),
    )
    api_query_count: int | None = Field(
        None,
        description="API queries (/api/v1/query and /api/v1/query_range) answered since Prometheus started (null: /metrics not readable or no API query yet)",
    )
    samples_appended_per_second: float | None = Field(
        None,
        description=(
            "samples ingested per second (prometheus_tsdb_head_samples_appended_total over the uptime from "
            "process_start_time_seconds: the average since start); null: /metrics not readable or under 5 minutes up"
        ),
    )


class PrometheusAlertmanagers(KindModel):
    """`prometheus.alertmanagers`: an Alertmanager Prometheus sends to (live only)."""

    host: str = Field(description="host[:port]")
    state: str = Field(description="active")
    up: float | None = Field(description="its `up` value if Prometheus scrapes it (null: not scraped)")
    notifications_sent: float | None = Field(description="notifications sent to it (counter; null: none)")
    notification_errors: float | None = Field(description="notifications that failed (counter; null: none)")
    reachable: bool | None = Field(description="Prometheus reaches it (null: cannot tell yet)")
    basis: str = Field(description="what `reachable` rests on (up, notification counters, or nothing yet)")
    dropped_count: int = Field(description="Alertmanagers Prometheus dropped by relabelling")


class PrometheusExporters(KindModel):
    """`prometheus.exporters`: what the scraped metrics show (live only)."""

    families: list[str] = Field(description="exporter families whose metrics exist")
    family_metrics: dict[str, list[str]] = Field(description="the telltale metrics found per family")
    node_resources: list[str] = Field(description="node resources covered (cpu, memory, filesystem, ...)")
    histogram_metrics: int = Field(description="histogram metrics")
    latency_histogram_metrics: int = Field(description="histograms that measure request latency")
    app_latency_histograms: list[str] = Field(
        description="request-latency histograms that are not platform or self-monitoring series (at most 20 names)"
    )
    app_latency_histogram_count: int = Field(description="how many such application histograms there are")
    source_families: int = Field(description="exporter families present, process metrics aside")
    summary_metrics: int = Field(description="summary metrics")
    scrape_jobs: int = Field(description="jobs with an `up` series")
    spans_last_hour: float | None = Field(
        default=None,
        description="spans a tracing pipeline (OpenTelemetry Collector, Tempo, Jaeger) accepted in the last hour "
        "(null: no span-ingest counter scraped)",
    )
    traced_services: int = Field(
        default=0, description="services named by trace-derived series (span metrics, service graph edges)"
    )
    service_graph: bool = Field(
        default=False, description="service-graph series generated from traces (traces_service_graph_request_total)"
    )


class PrometheusSlo(KindModel):
    """`prometheus.slo`: measured availability of one SLI series over the window (live only)."""

    sli: str = Field(description="the SLI: a recording rule name or probe_success")
    source: str = Field(description="recording_rule or probe_success")
    inverted: bool = Field(description="the SLI counts errors; availability is one minus it")
    labels: dict[str, str] = Field(description="labels of the series")
    window_days: int = Field(description="length of the window, days")
    availability: float = Field(description="mean availability over the window (0..1)")
    coverage: float = Field(description="share of the window with data (0..1)")
    platform: bool = Field(description="an SLI of the platform itself (API server, etcd, kubelet, Prometheus ...)")


MODELS: dict[str, type[KindModel]] = {
    "prometheus.alert_rule": PrometheusAlertRule,
    "prometheus.recording_rule": PrometheusRecordingRule,
    "prometheus.target_pool": PrometheusTargetPool,
    "prometheus.config": PrometheusConfig,
    "prometheus.runtime": PrometheusRuntime,
    "prometheus.tsdb": PrometheusTsdb,
    "prometheus.alertmanagers": PrometheusAlertmanagers,
    "prometheus.exporters": PrometheusExporters,
    "prometheus.slo": PrometheusSlo,
}
