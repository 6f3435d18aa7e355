"""Grafana dashboards kept in Git (dashboard JSON files, and ConfigMaps the Grafana sidecar
loads) and read live by the grafana probe, into the same facts: title, tags, panels,
datasources, variables, the metric names the panel queries read, and whether the dashboard
watches the business or the infrastructure.

The classification reads metric names, not titles: a name with an infrastructure or
self-monitoring prefix (node_, container_, kube_, prometheus_, go_, process_, ...) is
infrastructure; any other metric is the application's own. A dashboard is `business` when
application metrics are at least half of the distinct metrics it reads, `infrastructure` when
it reads none, `mixed` in between and `unknown` when no Prometheus-style query names a metric
(SQL or log panels: this module does not guess at them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["INFRA_PREFIXES", "dashboard_facts", "is_dashboard", "iter_panels", "metric_names", "sidecar_dashboards"]

MAX_PANELS = 2000
MAX_LISTED = 50  # metric names recorded per class
SIDECAR_LABEL = "grafana_dashboard"  # the Grafana Helm chart's default sidecar label
# Panels that show one value large (a number, a dial, a bar): Grafana's way to emphasise a metric.
HIGHLIGHT_PANELS = {"stat", "singlestat", "gauge", "bargauge"}

# Prefixes of series that describe the platform or the monitoring stack itself. Prometheus's own
# HTTP histograms (prometheus_http_*) and client-library series (go_, process_, promhttp_) are
# self-monitoring: never business evidence.
INFRA_PREFIXES = (
    "node_",
    "container_",
    "machine_",
    "kube_",
    "kubelet_",
    "kubeproxy_",
    "apiserver_",
    "etcd_",
    "scheduler_",
    "coredns_",
    "cadvisor_",
    "process_",
    "go_",
    "promhttp_",
    "prometheus_",
    "alertmanager_",
    "grafana_",
    "loki_",
    "thanos_",
    "traces_",  # Tempo's metrics generator: call-graph and span series, not the business's own
    "cortex_",
    "scrape_",
    "rest_client_",
    "workqueue_",
    "controller_runtime_",
    "storage_operation_",
    "volume_manager_",
    "windows_",
    "nginx_ingress_controller_",
    "haproxy_",
    "envoy_",
    "istio_",
    "traefik_",
    "probe_",
    "blackbox_",
    "mysql_",
    "pg_",
    "redis_",
    "mongodb_",
    "elasticsearch_",
    "kafka_",
    "rabbitmq_",
    "memcached_",
    "aws_",
    "kube_state_",
    "net_conntrack_",
    "argocd_",
    "velero_",
    "cert_manager_",
    # Language runtimes and frameworks' built-in instrumentation (JVM/Micrometer, Node.js, Python,
    # .NET, Ruby, Erlang): a JVM or Node.js dashboard watches the runtime, not the business.
    "jvm_",
    "hikaricp_",
    "tomcat_",
    "jetty_",
    "logback_",
    "log4j2_",
    "executor_",
    "system_cpu_",
    "system_load_",
    "nodejs_",
    "python_gc_",
    "python_info",
    "dotnet_",
    "ruby_",
    "erlang_vm_",
    "otelcol_",
    "nginx_",
    "cilium_",
    "hubble_",
    # Exporters of third-party systems (storage, hardware, network, databases, proxies, the
    # observability stack): a dashboard of them watches a component, not the business, and an
    # unlisted exporter would otherwise read as the application's own metrics.
    "ceph_",
    "minio_",
    "snmp_",
    "ipmi_",
    "dcgm_",
    "nvidia_",
    "smartctl_",
    "consul_",
    "vault_",
    "zookeeper_",
    "clickhouse_",
    "cassandra_",
    "mssql_",
    "oracledb_",
    "opensearch_",
    "influxdb_",
    "nats_",
    "pulsar_",
    "kong_",
    "apache_",
    "phpfpm_",
    "fluentbit_",
    "fluentd_",
    "logstash_",
    "vector_",
    "tempo_",
    "promtail_",
    "jaeger_",
    "x509_",
    "ssl_",
    "pushgateway_",
    "kube_state_metrics_",
)
NON_DIMENSION_VARIABLES = {"datasource", "interval", "constant"}
INFRA_NAMES = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped"}
_KEYWORDS = {
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "offset",
    "inf",
    "nan",
    "atan2",
    "start",
    "end",
}
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_BRACES = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_VARIABLES = re.compile(r"\$\{[^}]*\}|\$__\w+|\$\w+|\[\[\w+\]\]")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENT = re.compile(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (labels, functions and keywords left out)."""
    text = _VARIABLES.sub(" ", expr[:20000])
    text = _STRINGS.sub('""', text)
    for _ in range(3):  # nested braces are rare; a few passes clear them
        text = _BRACES.sub(" ", text)
    text = _RANGES.sub(" ", _GROUPING.sub(" ", text))
    return {m for m in _IDENT.findall(text) if m not in _KEYWORDS and not re.fullmatch(r"\d.*", m)}


def is_infra(metric: str) -> bool:
    """Whether a metric describes the platform or the monitoring stack rather than the application."""
    # A recording rule is named level:metric:operations (namespace_cpu:kube_pod_container_resource_requests:sum):
    # the metric it is built on is a middle segment, so every segment is checked, not only the last.
    parts = [p for p in metric.split(":") if p]
    return metric in INFRA_NAMES or any(p in INFRA_NAMES or p.startswith(INFRA_PREFIXES) for p in [metric, *parts])


def is_dashboard(doc: Any) -> bool:
    """Whether a JSON/YAML document is a Grafana dashboard model (or an API export wrapping one)."""
    if not isinstance(doc, Mapping):
        return False
    if isinstance(doc.get("dashboard"), Mapping) and "meta" in doc:
        return is_dashboard(doc["dashboard"])
    has_panels = isinstance(doc.get("panels"), list) or isinstance(doc.get("rows"), list)
    return has_panels and "apiVersion" not in doc and any(k in doc for k in ("schemaVersion", "uid", "title"))


def iter_panels(doc: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every panel, including those inside (collapsed) rows and the legacy `rows` layout."""
    stack: list[Any] = list(doc.get("panels") or [])
    for row in doc.get("rows") or []:
        if isinstance(row, Mapping):
            stack.extend(row.get("panels") or [])
    seen = 0
    while stack and seen < MAX_PANELS:
        p = stack.pop(0)
        if not isinstance(p, Mapping):
            continue
        seen += 1
        if p.get("type") == "row":
            stack.extend(p.get("panels") or [])
            continue
        yield p


def _datasource(ds: Any) -> str | None:
    if isinstance(ds, Mapping):
        return str(ds.get("type") or ds.get("uid") or "") or None
    if isinstance(ds, str) and ds:
        return ds[:100]
    return None


def dashboard_facts(doc: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Facts of one dashboard model; `source` says where it was found (json_file, configmap)."""
    if isinstance(doc.get("dashboard"), Mapping):
        doc = doc["dashboard"]
    panels = list(iter_panels(doc))
    datasources: set[str] = set()
    metrics: set[str] = set()
    highlighted: set[str] = set()
    queries = 0
    for p in panels:
        if (ds := _datasource(p.get("datasource"))) is not None:
            datasources.add(ds)
        big = str(p.get("type") or "") in HIGHLIGHT_PANELS
        for t in p.get("targets") or []:
            if not isinstance(t, Mapping):
                continue
            if (ds := _datasource(t.get("datasource"))) is not None:
                datasources.add(ds)
            expr = t.get("expr")
            if isinstance(expr, str) and expr.strip():
                queries += 1
                names = metric_names(expr)
                metrics |= names
                if big:
                    highlighted |= names
            # queryType alone is a query too: Tempo's service map and Loki's or Azure's builders
            # send no query text, and a node graph fed by them charts real data.
            elif any(
                isinstance(t.get(k), str) and t.get(k)
                for k in ("rawSql", "query", "rawQuery", "expression", "queryType")
            ):
                queries += 1
    templating = doc.get("templating") if isinstance(doc.get("templating"), Mapping) else {}
    assert isinstance(templating, Mapping)
    variables = [v for v in templating.get("list") or [] if isinstance(v, Mapping)]
    # Data source, interval and constant variables pick a backend, a step or nothing: not a
    # dimension of the data a viewer can expand or query by.
    dimensions = [v for v in variables if str(v.get("type") or "query") not in NON_DIMENSION_VARIABLES]
    app = sorted(m for m in metrics if not is_infra(m))
    infra = sorted(m for m in metrics if is_infra(m))
    if not metrics:
        category = "unknown"
    elif not app:
        category = "infrastructure"
    elif len(app) >= len(infra):
        category = "business"
    else:
        category = "mixed"
    annotations = doc.get("annotations") if isinstance(doc.get("annotations"), Mapping) else {}
    assert isinstance(annotations, Mapping)
    return {
        "title": str(doc.get("title") or "")[:200],
        "uid": str(doc.get("uid"))[:100] if doc.get("uid") else None,
        "source": source,
        "tags": sorted({str(t)[:100] for t in doc.get("tags") or []}),
        "panels": len(panels),
        "panel_types": sorted({str(p.get("type") or "") for p in panels} - {""}),
        "queries": queries,
        "datasources": sorted(datasources),
        "variables": [str(v.get("name") or "")[:100] for v in variables],
        "variable_count": len(dimensions),
        "annotations": len([a for a in annotations.get("list") or [] if isinstance(a, Mapping)]),
        "links": len(doc.get("links") or []) + sum(len(p.get("links") or []) for p in panels),
        "category": category,
        "application_metrics": app[:MAX_LISTED],
        "highlighted_application_metrics": sorted(m for m in highlighted if not is_infra(m))[:MAX_LISTED],
        "infrastructure_metrics": infra[:MAX_LISTED],
        "metrics_count": len(metrics),
    }


def sidecar_dashboards(doc: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(data key, JSON text) of every dashboard in a ConfigMap labelled for the Grafana sidecar."""
    if doc.get("kind") != "ConfigMap" or doc.get("apiVersion") != "v1":
        return
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), Mapping) else {}
    assert isinstance(meta, Mapping)
    labels = meta.get("labels") if isinstance(meta.get("labels"), Mapping) else {}
    assert isinstance(labels, Mapping)
    if SIDECAR_LABEL not in labels or str(labels[SIDECAR_LABEL]).lower() in ("0", "false", ""):
        return
    data = doc.get("data") if isinstance(doc.get("data"), Mapping) else {}
    assert isinstance(data, Mapping)
    for key, value in sorted(data.items(), key=lambda kv: str(kv[0])):
        if str(key).endswith(".json") and isinstance(value, str):
            yield str(key), value
