"""Facts of a Prometheus configuration, the same from prometheus.yml and from
/api/v1/status/config: scrape pools (exporter family, intervals, TLS, auth, limits, discovery),
remote write/read endpoints and Alertmanager targets, with hosts only for URLs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from probes.prometheus.values import as_map, duration_s, str_map, url_host

__all__ = ["REPLICA_LABELS", "config_facts", "exporter_family", "scrape_pool"]

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


# Scrape limits a job sets, or inherits from the global section.
SCRAPE_LIMITS = (
    "sample_limit",
    "label_limit",
    "target_limit",
    "body_size_limit",
    "label_name_length_limit",
    "label_value_length_limit",
)


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
        "limited": any(
            sc.get(k) or glob.get(k) for k in ("sample_limit", "label_limit", "target_limit", "body_size_limit")
        ),
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
    ext = str_map(glob.get("external_labels"))
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
        # How many replicas run is not in a prometheus.yml: the live probe counts them, the
        # Prometheus resource declares them (spec.replicas).
        "ha_replicas": None,
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
        # limits every job inherits (global limits; a Prometheus resource's enforced limits)
        "global_limits": any(glob.get(k) for k in SCRAPE_LIMITS),
        "jobs_service_discovery": sum(1 for p in pools if any(t != "static" for t in p["sd_types"])),
        "pushgateway_jobs": sum(1 for p in pools if p["family"] == "pushgateway"),
        "families": sorted({p["family"] for p in pools}),
    }
