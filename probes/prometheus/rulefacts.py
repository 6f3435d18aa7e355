"""Facts of Prometheus alerting and recording rules, the same whether a rule comes from a rule
file or from /api/v1/rules: what its PromQL reads and calls, whether the series are the
organisation's own or the platform's, runbook and description annotations, vendored groups."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from probes.prometheus import promql
from probes.prometheus.values import MAX_TEXT, duration_s, str_map

__all__ = [
    "PLATFORM_METRIC",
    "alert_rule",
    "has_runbook",
    "is_vendored_group",
    "mark_peers",
    "promql_functions",
    "promql_metrics",
    "recording_rule",
]

_URL = re.compile(r"https?://\S+", re.I)
_DOC_WORD = re.compile(r"runbook|playbook|wiki|sop|docs?", re.I)
_RUNBOOK_KEY = re.compile(r"runbook|playbook|sop", re.I)
_FUNC = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\(")
# A comparison with a number literal on either side: `x > 0.8`, `0.9 >= x`, `x == 0`.
_THRESHOLD = re.compile(r"(?:[<>]=?|==|!=)\s*(?:bool\s+)?-?\d|\d\s*(?:[<>]=?|==|!=)")
_AGG_BY = re.compile(
    r"\b(sum|avg|min|max|count|topk|bottomk|quantile|stddev|stdvar|group|count_values)\s+(?:by|without)\b"
)
_AGGREGATIONS = {
    "sum",
    "avg",
    "min",
    "max",
    "count",
    "topk",
    "bottomk",
    "quantile",
    "stddev",
    "stdvar",
    "group",
    "count_values",
}
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"}
# Series a monitoring platform emits about itself or about the infrastructure: never business
# evidence (Prometheus's own HTTP histograms, Kubernetes control plane, exporters' self-metrics).
PLATFORM_METRIC = re.compile(
    r"^(up|scrape_\w+|ALERTS(_FOR_STATE)?|prometheus_|alertmanager_|thanos_|cortex_|loki_|grafana_|"
    r"apiserver_|rest_client_|etcd_|kube_|kubelet_|kubeproxy_|kubernetes_|coredns_|scheduler_|"
    r"workqueue_|storage_operation_|volume_manager_|node_|container_|machine_|process_|go_|"
    r"promhttp_|net_conntrack_|cluster_quantile|code_resource:|code_verb:|instance:node_|"
    r"instance_device:node_|node_namespace_pod|namespace_|cluster:|:node_|windows_|"
    r"probe_|blackbox_|pushgateway_|push_time_seconds|push_failure_time_seconds|"
    r"argocd_|rollout_|analysis_run_|experiment_info|flagger_|certmanager_|controller_runtime_|cilium_|istio_agent_|pilot_|envoy_cluster_manager|"
    r"aggregator_|authentication_|authorization_|admission_|csi_|"
    r"mysql_|pg_|redis_|mongodb_|elasticsearch_|kafka_|rabbitmq_|nginx_|haproxy_|envoy_|traefik_|ceph_|"
    r"minio_|memcached_|cassandra_|clickhouse_|nats_|zookeeper_|consul_|vault_|jvm_|dotnet_|nodejs_|python_gc_)"
)
# Rule groups shipped by the common monitoring mixins (kube-prometheus, node-exporter, etcd,
# Prometheus, Alertmanager, Thanos): their alerts are vendored, not the organisation's own.
_VENDORED_GROUP = re.compile(
    r"^(kubernetes-(apps|resources|storage|system.*)|kube-apiserver.*|kube-prometheus.*|kube-state-metrics|"
    r"kubelet\.rules|kube-scheduler\.rules|kube-controller-manager|k8s\.rules.*|node-exporter(\.rules)?|"
    r"node\.rules|node-network|general\.rules|prometheus(-operator)?|alertmanager\.rules|config-reloaders|"
    r"etcd|thanos-.*|windows\.(node|pod)\.rules|kube-proxy|kubernetes-system-.*)$"
)
# Request series an ingress controller or mesh records per application: selected for one
# application (by namespace, service or ingress) they are that application's RED signals.
_EDGE_REQUESTS = re.compile(
    r"^(nginx_ingress_controller_(requests|request_duration_seconds\w*|response_duration_seconds\w*)|"
    r"istio_requests_total|istio_request_duration_\w+|traefik_(service|router)_requests?_\w+)$"
)
# A value naming the controller's or mesh's own namespace selects every application's traffic
# (scraped through a ServiceMonitor, the Ingress's namespace becomes `exported_namespace`).
_PLATFORM_VALUE = r"(?:ingress|ingress-nginx|nginx-ingress|ingress-controller|kube-system|istio-system|istio-ingress|traefik|gateway|gloo-system|kong|contour|projectcontour|monitoring)"
_APP_SELECTOR = re.compile(
    r'\b(exported_)?(namespace|service|ingress|destination_service(_name)?|destination_workload)\s*=~?\s*"'
    r'(?!\.[*+]")(?!' + _PLATFORM_VALUE + r'")[^"]+"'
)
_APP_LABELS = frozenset(
    (
        "namespace",
        "exported_namespace",
        "service",
        "exported_service",
        "ingress",
        "destination_service",
        "destination_service_name",
        "destination_workload",
    )
)
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_QUOTED = promql._QUOTED  # strings cut out as promql's helpers cut them
_BRACES = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_LABEL_LIST = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_NAME_IN_BRACES = re.compile(r'__name__\s*=\s*"([A-Za-z_:][A-Za-z0-9_:]*)"')
MAX_METRICS = 20


def promql_functions(expr: str) -> list[str]:
    """The PromQL functions and aggregations an expression calls, sorted, without duplicates."""
    names = set(_FUNC.findall(expr))
    names.update(_AGG_BY.findall(expr))
    return sorted(n for n in names if n not in _KEYWORDS)


def promql_metrics(expr: str) -> list[str]:
    """The metric names an expression reads (selectors), sorted, at most MAX_METRICS.

    Strings, label matchers, ranges and by/on label lists are cut out first, then every
    identifier that is not a function call, keyword or number is a metric name. Linear in the
    expression's length (each pattern is one pass without nested quantifiers).
    """
    text = expr[:MAX_TEXT]
    return _metrics(text, _QUOTED.sub(" ", text))


def _metrics(text: str, unquoted: str) -> list[str]:
    """`promql_metrics` of `text` (an expression cut to MAX_TEXT), given it with its strings cut
    out (`unquoted`, which is what promql's helpers read too, so it is made once per rule)."""
    names = set(_NAME_IN_BRACES.findall(text))
    text = _BRACES.sub(" ", unquoted)
    text = _BRACKETS.sub(" ", text)
    text = _LABEL_LIST.sub(" ", text)
    for m in _IDENT.finditer(text):
        word = m.group()
        if word in names:
            continue  # already taken: a later occurrence cannot change the set
        rest = text[m.end() : m.end() + 40].lstrip()
        if rest.startswith("(") or word in _KEYWORDS or word.lower() in ("inf", "nan", "atan2"):
            continue
        if m.start() > 0 and (text[m.start() - 1].isdigit() or text[m.start() - 1] == "."):
            continue  # the unit of a duration or the exponent of a number: `5m`, `1e3`
        names.add(word)
    return sorted(names)[:MAX_METRICS]


@lru_cache(maxsize=8192)  # pure, and metric names repeat from rule to rule
def _metric_class(name: str) -> tuple[str, bool]:
    """(the kind of source `name` counts under in `metric_sources`, whether it is a platform series)."""
    platform = PLATFORM_METRIC.match(name) is not None
    src = promql.metric_source(name)
    return ("platform" if src == "application" and platform else src), platform


def _edge_requests(expr: str, metrics: list[str], grouping: list[str]) -> list[str]:
    """Ingress or mesh request series the expression reads for one application (or per application)."""
    edge = [m for m in metrics if _EDGE_REQUESTS.match(m)]
    if edge and (_APP_SELECTOR.search(expr) or _APP_LABELS & set(grouping)):
        return edge
    return []


@lru_cache(maxsize=4096)  # pure: asked once per rule, with the group's name
def is_vendored_group(group: str) -> bool:
    """Whether a rule group is one a common monitoring mixin ships (kube-prometheus and friends)."""
    return bool(_VENDORED_GROUP.match(group.strip().lower()))


def _common(
    group: str, file: str, expr: str, labels: dict[str, str], health: str | None, last_error: str | None
) -> dict[str, Any]:
    funcs = promql_functions(expr)
    text = expr[:MAX_TEXT]
    unquoted = _QUOTED.sub(" ", text)  # promql's helpers cut strings out of the same prefix alike
    metrics = _metrics(text, unquoted)
    grouping = promql._grouping_labels(unquoted)
    # The organisation's own series are those business_metrics keeps; a name the source table
    # does not know but PLATFORM_METRIC does is a platform series, never an application one.
    classes = [_metric_class(m) for m in metrics]
    sources = {src for src, _ in classes}
    return {
        "group": group,
        "file": file,
        "expr": expr,
        "labels": labels,
        "functions": funcs,
        "metrics": metrics,
        "business_metrics": [m for m, (_, platform) in zip(metrics, classes, strict=True) if not platform],
        "edge_request_metrics": _edge_requests(expr, metrics, grouping),
        "vendored": is_vendored_group(group),
        "aggregates": sorted(set(funcs) & _AGGREGATIONS),
        "grouping_labels": grouping,
        "business_dimensions": promql.business_dimensions(grouping),
        "metric_sources": sorted(sources),
        "joins": promql._joins(unquoted),
        "max_range_s": promql._max_range_s(unquoted),
        "health": health,
        "last_error": (last_error or None),
    }


def has_runbook(annotations: Mapping[str, str]) -> bool:
    """An annotation names a procedure (runbook, playbook, SOP) or links a documentation page:
    the runbook test of every alerting rule, Prometheus's or the Loki ruler's."""
    # Each URL is matched once and then searched (linear): `https?://\S*(runbook|...)` rescans the
    # rest of the run from every `http` in it, quadratic on a hostile annotation.
    return any(_RUNBOOK_KEY.search(k) for k in annotations) or any(
        _DOC_WORD.search(m.group()) for v in annotations.values() for m in _URL.finditer(v[:MAX_TEXT])
    )


def alert_rule(
    group: str,
    file: str,
    rule: Mapping[str, Any],
    *,
    health: str | None = None,
    last_error: str | None = None,
    state: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """(subject, data) of an alerting rule given as in a rule file or as /api/v1/rules returns it."""
    name = str(rule.get("alert") or rule.get("name") or "")
    expr = str(rule.get("expr") if rule.get("expr") is not None else rule.get("query") or "")
    for_s = duration_s(rule.get("for")) if "for" in rule else duration_s(rule.get("duration"))
    labels = str_map(rule.get("labels"))
    annotations = str_map(rule.get("annotations"))
    keys = sorted(annotations)
    runbook = has_runbook(annotations)
    data = _common(group, file, expr, labels, health, last_error)
    data.update(
        {
            "name": name,
            "for_s": for_s or 0.0,
            "severity": (labels.get("severity") or labels.get("priority") or "").lower() or None,
            "annotation_keys": keys,
            "has_runbook": runbook,
            "has_description": any(k in annotations for k in ("summary", "description", "message")),
            "compares_constant": bool(_THRESHOLD.search(expr)),
            "state": state,
        }
    )
    return f"{group}/{name}", data


MAX_PEERS = 10


_NUMBER = re.compile(r"\d+(?:\.\d+)?|\s+")


def tier_key(expr: str) -> str:
    """An alerting expression with its numbers and spaces taken out: two rules with one key are
    the same condition at another threshold or window (disk `< 0.20` and `< 0.10`, a burn rate
    over `ratio_rate1h` and over `ratio_rate6h`), while `up{job="batch"}` and `up{job="api"}`
    stay apart."""
    parts = expr[:MAX_TEXT].split('"')  # label values (odd parts) kept whole: api-v1 is not api-v2
    return '"'.join(p if i % 2 else _NUMBER.sub("", p) for i, p in enumerate(parts))


def mark_peers(rules: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, str, dict[str, Any]]]:
    """Set each alerting rule's `peer_severities`: the severities of the other alerting rules of
    the same listing (a rule file, a PrometheusRule, a server's /api/v1/rules) whose expression is
    the same but for its numbers (`tier_key`). A warning with a critical peer is a tier ahead of
    it. In place; returned. Linear: rules are counted per key, however many share one."""
    counts: dict[str, dict[str, int]] = {}
    keyed = [(tier_key(str(d.get("expr") or "")), d) for kind, _s, d in rules if kind == "prometheus.alert_rule"]
    for key, data in keyed:
        sev = data.get("severity")
        per = counts.setdefault(key, {})
        if sev:
            per[str(sev)] = per.get(str(sev), 0) + 1
    for key, data in keyed:
        own = str(data.get("severity") or "")
        peers = {sev for sev, n in counts[key].items() if n > (1 if sev == own else 0)}
        data["peer_severities"] = sorted(peers)[:MAX_PEERS]
    return rules


def recording_rule(
    group: str, file: str, rule: Mapping[str, Any], *, health: str | None = None, last_error: str | None = None
) -> tuple[str, dict[str, Any]]:
    """(subject, data) of a recording rule given as in a rule file or as /api/v1/rules returns it."""
    name = str(rule.get("record") or rule.get("name") or "")
    expr = str(rule.get("expr") if rule.get("expr") is not None else rule.get("query") or "")
    data = _common(group, file, expr, str_map(rule.get("labels")), health, last_error)
    data["name"] = name
    return f"{group}/{name}", data
