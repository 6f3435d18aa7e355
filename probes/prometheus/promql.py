"""What a PromQL expression does, read without a full parser: which labels it groups by, whether
it joins two vectors, the longest range it looks back over, and which kinds of source its
metrics come from. Shared by the live probe and the file parser (through normalise.py).

Every function is linear in the expression's length (regular expressions without nested
quantifiers, over at most MAX_TEXT characters), since expressions come from scanned systems.
"""

from __future__ import annotations

import re
from functools import lru_cache

from probes.prometheus.values import MAX_TEXT, duration_s

__all__ = [
    "BUSINESS_DIMENSIONS",
    "business_dimensions",
    "grouping_labels",
    "joins",
    "max_range_s",
    "metric_source",
    "metric_sources",
]

MAX_LABELS = 20
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_BY = re.compile(r"\bby\s*\(([^()]*)\)")
_JOIN = re.compile(r"\b(on|ignoring)\s*\(|\bgroup_(left|right)\b")
_RANGE = re.compile(r"\[\s*([0-9a-z.]+)\s*(?::\s*[0-9a-z.]*\s*)?\]")
_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Labels that cut a measurement by what the business does (who, which interface, which product),
# as opposed to where it runs (instance, pod, node) or how it is built (le, job).
BUSINESS_DIMENSIONS = frozenset(
    (
        "service",
        "handler",
        "route",
        "endpoint",
        "app",
        "application",
        "method",
        "path",
        "uri",
        "operation",
        "api",
        "interface",
        "module",
        "function",
        "business",
        "tenant",
        "customer",
        "product",
        "channel",
        "merchant",
        "scenario",
    )
)

# Metric name prefix -> the kind of source that emits it. Order matters (first match wins).
_SOURCES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("node", re.compile(r"^(node_|instance:node_|instance_device:node_)")),
    ("windows", re.compile(r"^windows_")),
    ("cadvisor", re.compile(r"^(container_|machine_)")),
    ("kube-state-metrics", re.compile(r"^kube_")),
    ("kubelet", re.compile(r"^(kubelet_|storage_operation_|volume_manager_)")),
    (
        "kubernetes",
        re.compile(r"^(apiserver_|etcd_|rest_client_|workqueue_|scheduler_|coredns_|kubeproxy_|aggregator_|code_)"),
    ),
    ("blackbox", re.compile(r"^probe_")),
    ("prometheus", re.compile(r"^(up|scrape_\w+|ALERTS|ALERTS_FOR_STATE|prometheus_\w+|promhttp_\w+)$")),
    ("alertmanager", re.compile(r"^alertmanager_")),
    ("process", re.compile(r"^(process_|go_|jvm_|dotnet_|nodejs_|python_gc_)")),
    (
        "database",
        re.compile(r"^(mysql_|pg_|redis_|mongodb_|elasticsearch_|cassandra_|clickhouse_|memcached_|minio_)"),
    ),
    ("messaging", re.compile(r"^(kafka_|rabbitmq_|nats_|pulsar_)")),
    ("proxy", re.compile(r"^(nginx_|haproxy_|envoy_|traefik_|istio_)")),
    ("platform", re.compile(r"^(thanos_|cortex_|loki_|grafana_|argocd_|certmanager_|controller_runtime_|cilium_)")),
)


def _text(expr: str) -> str:
    return _QUOTED.sub(" ", expr[:MAX_TEXT])


def grouping_labels(expr: str) -> list[str]:
    """Labels the expression aggregates `by` (not `without`), sorted; `le` (histogram buckets) left out."""
    return _grouping_labels(_text(expr))


def _grouping_labels(text: str) -> list[str]:
    """`grouping_labels` of an expression whose strings `_text` already cut out."""
    out: set[str] = set()
    for m in _BY.finditer(text):
        for part in m.group(1).split(","):
            name = part.strip()
            if _LABEL.match(name) and name != "le":
                out.add(name)
    return sorted(out)[:MAX_LABELS]


def business_dimensions(labels: list[str]) -> list[str]:
    """Of the grouping labels, those that name a business dimension (service, route, tenant, ...)."""
    return sorted(label for label in labels if label.lower() in BUSINESS_DIMENSIONS)


def joins(expr: str) -> bool:
    """The expression matches two vectors on labels (on/ignoring, group_left/group_right)."""
    return _joins(_text(expr))


def _joins(text: str) -> bool:
    return bool(_JOIN.search(text))


def max_range_s(expr: str) -> float | None:
    """The longest range selector or subquery range (`[30d]`, `[1d:5m]`), seconds; None if none."""
    return _max_range_s(_text(expr))


def _max_range_s(text: str) -> float | None:
    ranges = [duration_s(m) for m in _RANGE.findall(text)]
    known = [r for r in ranges if r is not None]
    return max(known) if known else None


@lru_cache(maxsize=8192)  # pure, and metric names repeat from rule to rule
def metric_source(name: str) -> str:
    """The kind of source a metric comes from; `application` for the organisation's own series.

    A recording rule's name (`level:metric:operations`, `level:metric`) is judged by its metric
    part, so `job:http_requests:rate5m` is an application series and `cluster:node_cpu:ratio` a
    node one.
    """
    parts = name.split(":")
    # `level:metric` and `level:metric:operations`: the metric part only, so the kubernetes-mixin's
    # `node_namespace_pod_container:container_memory_working_set_bytes` is cAdvisor's, not a node's
    base = parts[1] if len(parts) >= 2 and parts[1] else name
    for source, pattern in _SOURCES:
        if pattern.match(base) or (base is name and pattern.match(name)):
            return source
    if name.startswith(("cluster:", "namespace_", "node_namespace_pod", "code_resource:", "code_verb:")):
        return "kubernetes"
    return "application"


def metric_sources(metrics: list[str]) -> list[str]:
    """The distinct kinds of source the metrics come from, sorted."""
    return sorted({metric_source(m) for m in metrics})
