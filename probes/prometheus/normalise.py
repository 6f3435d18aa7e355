"""Normalisation shared by the live probe and the file parser: the same facts, the same shapes.

Every function here takes plain parsed data (API JSON or YAML) and returns derived, bounded
facts; none reads the network or the disk.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from probes.prometheus import promql

__all__ = [
    "PLATFORM_METRIC",
    "REPLICA_LABELS",
    "alert_rule",
    "as_map",
    "config_facts",
    "duration_s",
    "exporter_family",
    "is_vendored_group",
    "promql_functions",
    "promql_metrics",
    "recording_rule",
    "scrape_pool",
    "url_host",
]

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_URL = re.compile(r"https?://\S+", re.I)
_DOC_WORD = re.compile(r"runbook|playbook|wiki|sop|docs?", re.I)
_RUNBOOK_KEY = re.compile(r"runbook|playbook|sop", re.I)
MAX_TEXT = 4096  # characters of an annotation looked at (what evidence keeps of it)
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
_APP_SELECTOR = re.compile(
    r'\b(exported_)?(namespace|service|ingress|destination_service(_name)?|destination_workload)\s*=~?\s*"(?!\.[*+]")[^"]+"'
)
_APP_LABELS = frozenset(("namespace", "exported_namespace", "service", "exported_service", "ingress"))
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_BRACES = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_LABEL_LIST = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_NAME_IN_BRACES = re.compile(r'__name__\s*=\s*"([A-Za-z_:][A-Za-z0-9_:]*)"')
MAX_METRICS = 20

REPLICA_LABELS = ("replica", "prometheus_replica", "__replica__", "prometheus_ha_replica")

# Exporter family from a job name or metrics path (first match wins).
# Kubelet and cAdvisor come before node: `kubernetes-nodes` and `kubernetes-nodes-cadvisor` (the
# upstream example config) scrape the kubelet through the API server, not node_exporter.
_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("blackbox", re.compile(r"blackbox|/probe\b|synthetic|uptime")),
    ("federate", re.compile(r"^/federate$|federat")),
    ("cadvisor", re.compile(r"cadvisor|/metrics/cadvisor")),
    ("kubelet", re.compile(r"kubelet|^kubernetes-nodes?$|/api/v1/nodes/")),
    ("node", re.compile(r"node[-_]?exporter|^node$|node-?metrics|(^|[-_])nodes?($|[-_])")),
    ("windows", re.compile(r"windows|wmi")),
    ("kube-state-metrics", re.compile(r"kube[-_]?state")),
    ("kubernetes-apiserver", re.compile(r"apiserver")),
    ("pushgateway", re.compile(r"pushgateway")),
    ("alertmanager", re.compile(r"alertmanager")),
    ("prometheus", re.compile(r"^prometheus($|[-_])")),
    ("database", re.compile(r"mysql|postgres|redis|mongo|elasticsearch|cassandra|memcache|clickhouse")),
    ("messaging", re.compile(r"kafka|rabbit|nats|pulsar")),
    ("proxy", re.compile(r"nginx|haproxy|envoy|traefik|ingress")),
)


def duration_s(value: Any) -> float | None:
    """Seconds of a Prometheus duration ("1h30m", "5m", "500ms") or a number; None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    pos, total = 0, 0.0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    return total if pos == len(text) and pos > 0 else None


def promql_functions(expr: str) -> list[str]:
    """The PromQL functions and aggregations an expression calls, sorted, without duplicates."""
    names = {m.group(1) for m in _FUNC.finditer(expr)} | {m.group(1) for m in _AGG_BY.finditer(expr)}
    return sorted(n for n in names if n not in _KEYWORDS)


def promql_metrics(expr: str) -> list[str]:
    """The metric names an expression reads (selectors), sorted, at most MAX_METRICS.

    Strings, label matchers, ranges and by/on label lists are cut out first, then every
    identifier that is not a function call, keyword or number is a metric name. Linear in the
    expression's length (each pattern is one pass without nested quantifiers).
    """
    text = expr[:MAX_TEXT]
    names = set(_NAME_IN_BRACES.findall(text))
    text = _QUOTED.sub(" ", text)
    text = _BRACES.sub(" ", text)
    text = _BRACKETS.sub(" ", text)
    text = _LABEL_LIST.sub(" ", text)
    for m in _IDENT.finditer(text):
        word = m.group()
        rest = text[m.end() : m.end() + 40].lstrip()
        if rest.startswith("(") or word in _KEYWORDS or word.lower() in ("inf", "nan", "atan2"):
            continue
        if m.start() > 0 and (text[m.start() - 1].isdigit() or text[m.start() - 1] == "."):
            continue  # the unit of a duration or the exponent of a number: `5m`, `1e3`
        names.add(word)
    return sorted(names)[:MAX_METRICS]


def _edge_requests(expr: str, metrics: list[str], grouping: list[str]) -> list[str]:
    """Ingress or mesh request series the expression reads for one application (or per application)."""
    edge = [m for m in metrics if _EDGE_REQUESTS.match(m)]
    if edge and (_APP_SELECTOR.search(expr) or _APP_LABELS & set(grouping)):
        return edge
    return []


def is_vendored_group(group: str) -> bool:
    """Whether a rule group is one a common monitoring mixin ships (kube-prometheus and friends)."""
    return bool(_VENDORED_GROUP.match(group.strip().lower()))


def as_map(value: Any) -> Mapping[str, Any]:
    """`value` if it is a mapping, else an empty one (untrusted YAML/JSON may be anything)."""
    return value if isinstance(value, Mapping) else {}


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def _common(
    group: str, file: str, expr: str, labels: dict[str, str], health: str | None, last_error: str | None
) -> dict[str, Any]:
    funcs = promql_functions(expr)
    metrics = promql_metrics(expr)
    grouping = promql.grouping_labels(expr)
    # The organisation's own series are those business_metrics keeps; a name the source table
    # does not know but PLATFORM_METRIC does is a platform series, never an application one.
    sources = {
        "platform" if src == "application" and PLATFORM_METRIC.match(m) else src
        for m in metrics
        for src in (promql.metric_source(m),)
    }
    return {
        "group": group,
        "file": file,
        "expr": expr,
        "labels": labels,
        "functions": funcs,
        "metrics": metrics,
        "business_metrics": [m for m in metrics if not PLATFORM_METRIC.match(m)],
        "edge_request_metrics": _edge_requests(expr, metrics, grouping),
        "vendored": is_vendored_group(group),
        "aggregates": sorted(set(funcs) & _AGGREGATIONS),
        "grouping_labels": grouping,
        "business_dimensions": promql.business_dimensions(grouping),
        "metric_sources": sorted(sources),
        "joins": promql.joins(expr),
        "max_range_s": promql.max_range_s(expr),
        "health": health,
        "last_error": (last_error or None),
    }


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
    labels = _str_map(rule.get("labels"))
    annotations = _str_map(rule.get("annotations"))
    keys = sorted(annotations)
    # Each URL is matched once and then searched (linear): `https?://\S*(runbook|...)` rescans the
    # rest of the run from every `http` in it, quadratic on a hostile annotation.
    runbook = any(_RUNBOOK_KEY.search(k) for k in keys) or any(
        _DOC_WORD.search(m.group()) for v in annotations.values() for m in _URL.finditer(v[:MAX_TEXT])
    )
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


def recording_rule(
    group: str, file: str, rule: Mapping[str, Any], *, health: str | None = None, last_error: str | None = None
) -> tuple[str, dict[str, Any]]:
    """(subject, data) of a recording rule given as in a rule file or as /api/v1/rules returns it."""
    name = str(rule.get("record") or rule.get("name") or "")
    expr = str(rule.get("expr") if rule.get("expr") is not None else rule.get("query") or "")
    data = _common(group, file, expr, _str_map(rule.get("labels")), health, last_error)
    data["name"] = name
    return f"{group}/{name}", data


def url_host(url: Any) -> str | None:
    """host[:port] of a URL, never its credentials or path."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    return f"{host}:{port}" if port else host


def exporter_family(job: str, metrics_path: str = "/metrics") -> str:
    """A guess at what a scrape job collects, from its name and metrics path."""
    text = f"{job.lower()} {metrics_path.lower()}"
    for family, pattern in _FAMILIES:
        if (
            pattern.search(job.lower())
            or pattern.search(metrics_path.lower())
            or (family == "blackbox" and pattern.search(text))
        ):
            return family
    return "application"


def _relabel_actions(configs: Any) -> list[str]:
    """The actions of metric_relabel_configs (replace when unset), sorted, without duplicates."""
    out = set()
    for c in configs if isinstance(configs, list) else []:
        if isinstance(c, Mapping):
            out.add(str(c.get("action") or "replace").lower()[:40])
    return sorted(out)


def _sd_types(sc: Mapping[str, Any]) -> list[str]:
    return sorted(k.removesuffix("_sd_configs") for k in sc if isinstance(k, str) and k.endswith("_sd_configs"))


def scrape_pool(sc: Mapping[str, Any], glob: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(job, data) of one scrape_config, with global defaults applied; target counts left None."""
    job = str(sc.get("job_name") or "")
    path = str(sc.get("metrics_path") or "/metrics")
    interval = duration_s(sc.get("scrape_interval")) or duration_s(glob.get("scrape_interval")) or 60.0
    interval_default = not (duration_s(sc.get("scrape_interval")) or duration_s(glob.get("scrape_interval")))
    timeout = duration_s(sc.get("scrape_timeout")) or duration_s(glob.get("scrape_timeout")) or min(10.0, interval)
    scheme = str(sc.get("scheme") or "http")
    static = 0
    for s in sc.get("static_configs") or []:
        if isinstance(s, Mapping):
            static += len(s.get("targets") or [])
    tls = as_map(sc.get("tls_config"))
    return job, {
        "job": job,
        "family": exporter_family(job, path),
        "scheme": scheme,
        "metrics_path": path,
        "scrape_interval_s": interval,
        "scrape_timeout_s": timeout,
        # Prometheus renders every job's interval in /api/v1/status/config, so "custom" means
        # "differs from the global default", which reads the same from a file and from the API.
        "custom_interval": interval != (duration_s(glob.get("scrape_interval")) or 60.0),
        "interval_default": interval_default,
        "honor_labels": bool(sc.get("honor_labels")),
        "tls_verify": scheme == "https" and not bool(tls.get("insecure_skip_verify")),
        "client_cert": bool(tls.get("cert_file") or tls.get("cert")),
        "authenticated": any(
            sc.get(k) for k in ("basic_auth", "authorization", "oauth2", "bearer_token", "bearer_token_file")
        ),
        "sample_limit": int(sc.get("sample_limit") or 0),
        "limited": any(sc.get(k) for k in ("sample_limit", "label_limit", "target_limit", "body_size_limit")),
        "sd_types": _sd_types(sc) + (["static"] if sc.get("static_configs") else []),
        "static_targets": static,
        "enable_compression": sc.get("enable_compression", True) is not False,
        "relabel_actions": _relabel_actions(sc.get("metric_relabel_configs")),
        # hashmod over the target address splits one job across several servers (sharding).
        "sharded": "hashmod" in _relabel_actions(sc.get("relabel_configs")),
        "label_limits": any(sc.get(k) for k in ("label_limit", "label_name_length_limit", "label_value_length_limit")),
        "targets_total": None,
        "targets_up": None,
        "targets_down": None,
        "down_instances": [],
    }


def _remote(entries: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for e in entries if isinstance(entries, list) else []:
        if not isinstance(e, Mapping):
            continue
        url = e.get("url")
        out.append(
            {
                "host": url_host(url),
                "scheme": urlsplit(url).scheme if isinstance(url, str) else None,
                "queue_config": isinstance(e.get("queue_config"), Mapping),
                "relabelled": bool(e.get("write_relabel_configs")),
                "authenticated": any(
                    e.get(k)
                    for k in (
                        "basic_auth",
                        "authorization",
                        "oauth2",
                        "sigv4",
                        "azuread",
                        "bearer_token",
                        "bearer_token_file",
                    )
                ),
            }
        )
    return out


def _alertmanager_targets(alerting: Mapping[str, Any]) -> tuple[int, list[str]]:
    n, hosts = 0, []
    for am in alerting.get("alertmanagers") or []:
        if not isinstance(am, Mapping):
            continue
        n += 1
        scheme = str(am.get("scheme") or "http")
        for s in am.get("static_configs") or []:
            for t in (s.get("targets") or []) if isinstance(s, Mapping) else []:
                hosts.append(url_host(f"{scheme}://{t}") or str(t)[:100])
    return n, hosts


def config_facts(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Facts of a prometheus.yml (from a file or /api/v1/status/config), hosts only for URLs."""
    glob = as_map(doc.get("global"))
    ext = _str_map(glob.get("external_labels"))
    jobs = [sc for sc in doc.get("scrape_configs") or [] if isinstance(sc, Mapping)]
    pools = [scrape_pool(sc, glob)[1] for sc in jobs]
    alerting = as_map(doc.get("alerting"))
    am_configs, am_hosts = _alertmanager_targets(alerting)
    rw, rr = _remote(doc.get("remote_write")), _remote(doc.get("remote_read"))
    return {
        "scrape_interval_s": duration_s(glob.get("scrape_interval")) or 60.0,
        "scrape_timeout_s": duration_s(glob.get("scrape_timeout")) or 10.0,
        "evaluation_interval_s": duration_s(glob.get("evaluation_interval")) or 60.0,
        "external_labels": ext,
        "replica_label": next((k for k in ext if k.lower() in REPLICA_LABELS), None),
        "remote_write": rw,
        "remote_write_count": len(rw),
        "remote_read": rr,
        "remote_read_count": len(rr),
        "alertmanager_configs": am_configs,
        "alertmanager_hosts": am_hosts,
        "alert_relabelling": bool(alerting.get("alert_relabel_configs")),
        "rule_files": len(doc.get("rule_files") or []),
        "scrape_jobs": len(pools),
        "jobs_custom_interval": sum(1 for p in pools if p["custom_interval"]),
        "scrape_intervals_s": sorted({p["scrape_interval_s"] for p in pools}),
        "jobs_https": sum(1 for p in pools if p["scheme"] == "https"),
        "jobs_limited": sum(1 for p in pools if p["limited"]),
        "jobs_service_discovery": sum(1 for p in pools if any(t != "static" for t in p["sd_types"])),
        "pushgateway_jobs": sum(1 for p in pools if p["family"] == "pushgateway"),
        "families": sorted({p["family"] for p in pools}),
    }
