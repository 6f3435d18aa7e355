"""Reading a live Prometheus: each function asks a few endpoints and returns normalised facts."""

from __future__ import annotations

import math
import re
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from typing import Any

from probes.fanout import IN_CALLER, Fanout
from probes.http import ApiError, JsonClient, safe_url
from probes.prometheus import normalise as norm
from probes.prometheus import queries

__all__ = [
    "RuleRow",
    "alertmanagers",
    "api_data",
    "config",
    "exporters",
    "recording_names",
    "rule_facts",
    "rule_listing",
    "rules",
    "runtime",
    "slo",
    "target_pools",
    "tsdb",
]

# Prometheus's own /metrics, read once per client (the TSDB and Alertmanager steps both need it,
# and may run at once: the first to ask reads it while the other waits on the client's lock).
_METRICS_TEXT: weakref.WeakKeyDictionary[JsonClient, str] = weakref.WeakKeyDictionary()
_METRICS_LOCKS: weakref.WeakKeyDictionary[JsonClient, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_LOCK = threading.Lock()
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
# A StatefulSet pod name, `<name>-<ordinal>` (DNS label characters only, so it is safe in PromQL).
_POD_ORDINAL = re.compile(r"([a-z0-9](?:[-a-z0-9]{0,200}[a-z0-9])?)-[0-9]{1,4}")
_OPERATOR_OWNER = re.compile(r"([a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)/[-a-z0-9.]{1,253}")
_FLAGS = (
    "storage.tsdb.retention.time",
    "storage.tsdb.retention.size",
    "storage.tsdb.wal-compression",
    "storage.tsdb.min-block-duration",
    "storage.tsdb.max-block-duration",
    "web.enable-remote-write-receiver",
    "web.enable-admin-api",
    "web.enable-lifecycle",
    "enable-feature",
    "query.max-concurrency",
    "query.max-samples",
    "query.timeout",
    "query.lookback-delta",
    "rules.alert.for-grace-period",
    "agent",
)


def api_data(client: JsonClient, path: str, params: dict[str, str] | None = None) -> Any:
    """`data` of a Prometheus API answer ({"status": "success", "data": ...})."""
    doc = client.get_json(path, params)
    if not isinstance(doc, dict) or "data" not in doc:
        raise ApiError(f"{path}: unexpected answer shape (no data)", "malformed")
    if doc.get("status") != "success":
        raise ApiError(f"{path}: {str(doc.get('error'))[:200]}", "error")
    return doc["data"]


def _list(value: Any, path: str, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ApiError(f"{path}: unexpected answer shape ({what} is not a list)", "malformed")
    return value


RuleRow = tuple[str, str, str, float | None, dict[str, Any]]


def rule_listing(client: JsonClient) -> list[RuleRow]:
    """Read /api/v1/rules and check its shape, without normalising anything yet: (type, group,
    group file, group interval in seconds, rule) of every alerting and recording rule, in the
    answer's order. A malformed answer raises here, before any rule is normalised (`rule_facts`
    cannot fail), so the rules are known to be readable once this returns."""
    path = "/api/v1/rules"
    data = api_data(client, path)
    groups = _list(data.get("groups") if isinstance(data, dict) else None, path, "groups")
    out: list[RuleRow] = []
    for g in groups:
        if not isinstance(g, dict):
            raise ApiError(f"{path}: unexpected answer shape (group)", "malformed")
        gname, gfile = str(g.get("name", "")), str(g.get("file", ""))
        interval: float | None = None
        interval_known = False
        for r in _list(g.get("rules"), path, "rules"):
            if not isinstance(r, dict):
                raise ApiError(f"{path}: unexpected answer shape (rule)", "malformed")
            kind = r.get("type")
            if kind == "alerting" or kind == "recording":
                if not interval_known:  # once per group (it was parsed again for every rule)
                    interval, interval_known = norm.duration_s(g.get("interval")), True
                out.append((kind, gname, gfile, interval, r))
    return out


def recording_names(rows: list[RuleRow]) -> list[str]:
    """The names of the recording rules of a listing, in order (what `rule_facts` names them)."""
    return [str(r.get("record") or r.get("name") or "") for kind, _, _, _, r in rows if kind == "recording"]


def rule_facts(rows: list[RuleRow]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(kind, subject, data) of each rule of a listing, in order. Alerting rules' `peer_severities`
    are read across the whole listing (`mark_peers`), so the listing's facts are made first and
    then handed out (a few MB for thousands of rules)."""
    yield from norm.mark_peers(list(_rule_facts(rows)))


def _rule_facts(rows: list[RuleRow]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for kind, gname, gfile, interval, r in rows:
        kw = {"health": r.get("health"), "last_error": r.get("lastError") or None}
        if kind == "alerting":
            subject, facts = norm.alert_rule(gname, gfile, r, state=r.get("state"), **kw)
            facts["group_interval_s"] = interval
            yield "prometheus.alert_rule", subject, facts
        else:
            subject, facts = norm.recording_rule(gname, gfile, r, **kw)
            facts["group_interval_s"] = interval
            yield "prometheus.recording_rule", subject, facts


def rules(client: JsonClient) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(kind, subject, data) of every alerting and recording rule /api/v1/rules lists."""
    yield from list(rule_facts(rule_listing(client)))


def config(client: JsonClient, doc: Mapping[str, Any]) -> dict[str, Any]:
    """Facts of the running configuration (the same shape the file parser gives), with the
    replicas of this server seen running."""
    facts = norm.config_facts(doc)
    facts["ha_replicas"] = replicas_seen(client, facts)
    return facts


def replicas_seen(client: JsonClient, facts: Mapping[str, Any]) -> int | None:
    """How many replicas of this Prometheus run now, or None when that cannot be told.

    A replica label alone proves nothing: the Prometheus Operator adds `prometheus_replica`
    (the pod name) even to a single replica. The replicas of a StatefulSet are pods named
    `<name>-<ordinal>`, and each replica scrapes all of them (the Service of its own
    ServiceMonitor), so the pods of that name with a `prometheus_build_info` series now are
    the replicas. A replica value that is no pod name (`replica: a`) gives None."""
    label = facts.get("replica_label")
    external = facts.get("external_labels") or {}
    m = _POD_ORDINAL.fullmatch(str(external.get(label, ""))) if label else None
    if m is None:
        return None
    matchers = f'pod=~"{m.group(1)}-[0-9]+"'
    owner = _OPERATOR_OWNER.fullmatch(str(external.get("prometheus", "")))
    if owner is not None:  # the operator's `prometheus` label: <namespace>/<name>
        matchers += f',namespace="{owner.group(1)}"'
    try:
        seen = queries.instant(client, f"count(count by (namespace, pod) (prometheus_build_info{{{matchers}}}))")
    except ApiError:
        return None
    n = int(seen[0][1]) if seen else 0
    return n or None  # not even itself seen: its pods are not scraped under that name


def target_pools(client: JsonClient, config_doc: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Per scrape job: configured settings joined with live target health."""
    path = "/api/v1/targets"
    data = api_data(client, path, {"state": "active"})
    active = _list(data.get("activeTargets") if isinstance(data, dict) else None, path, "activeTargets")
    glob = norm.as_map(config_doc.get("global"))
    pools: dict[str, dict[str, Any]] = {}
    for sc in config_doc.get("scrape_configs") or []:
        if isinstance(sc, Mapping):
            job, facts = norm.scrape_pool(sc, glob)
            pools[job] = facts
    for t in active:
        if not isinstance(t, dict):
            raise ApiError(f"{path}: unexpected answer shape (target)", "malformed")
        labels = norm.as_map(t.get("labels"))
        job = str(t.get("scrapePool") or labels.get("job") or "")
        url = str(t.get("scrapeUrl") or "")
        scheme = url.split("://", 1)[0] if "://" in url else "http"
        if job not in pools:
            interval = norm.duration_s(t.get("scrapeInterval")) or 60.0
            pools[job] = norm.scrape_pool(
                {
                    "job_name": job,
                    "scheme": scheme,
                    "scrape_interval": t.get("scrapeInterval"),
                    "scrape_timeout": t.get("scrapeTimeout"),
                },
                {"scrape_interval": interval},
            )[1]
        p = pools[job]
        for key in ("targets_total", "targets_up", "targets_down"):
            p[key] = p[key] or 0
        p["targets_total"] += 1
        if t.get("health") == "up":
            p["targets_up"] += 1
        elif t.get("health") == "down":  # "unknown": not scraped yet, neither up nor down
            p["targets_down"] += 1
            if len(p["down_instances"]) < 5:
                p["down_instances"].append(str(labels.get("instance", ""))[:200])
    for p in pools.values():
        for key in ("targets_total", "targets_up", "targets_down"):
            p[key] = p[key] or 0
    return sorted(pools.items())


def _metrics(client: JsonClient, names: set[str]) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Selected samples of Prometheus's own /metrics (exposition text)."""
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    with _LOCKS_LOCK:
        lock = _METRICS_LOCKS.setdefault(client, threading.Lock())
    with lock:
        text = _METRICS_TEXT.get(client)
        if text is None:
            text = _METRICS_TEXT[client] = client.get_text("/metrics")
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if not m or m.group(1) not in names:
            continue
        try:
            value = float(m.group(3))
        except ValueError:
            continue
        out.setdefault(m.group(1), []).append((dict(_LABEL.findall(m.group(2) or "")), value))
    return out


def _retention(text: str) -> tuple[float | None, str | None]:
    t, size = None, None
    for part in (p.strip() for p in text.split(" or ")):
        d = norm.duration_s(part)
        if d is not None:
            t = d
        elif part:
            size = part
    return t, size


def runtime(client: JsonClient, version: str) -> dict[str, Any]:
    """Version, retention and storage flags, and whether the last config reload succeeded."""
    info = api_data(client, "/api/v1/status/runtimeinfo")
    flags = api_data(client, "/api/v1/status/flags")
    if not isinstance(info, dict) or not isinstance(flags, dict):
        raise ApiError("/api/v1/status/runtimeinfo: unexpected answer shape", "malformed")
    ret_time, ret_size = _retention(str(info.get("storageRetention") or ""))
    flag_time = norm.duration_s(flags.get("storage.tsdb.retention.time"))
    size_flag = str(flags.get("storage.tsdb.retention.size") or "")
    return {
        "version": version,
        "retention": str(info.get("storageRetention") or ""),
        "retention_time_s": ret_time if ret_time is not None else (flag_time or None),
        "retention_size": ret_size or (size_flag if size_flag not in ("", "0B", "0") else None),
        "reload_config_success": info.get("reloadConfigSuccess"),
        "last_config_time": info.get("lastConfigTime"),
        "corruption_count": info.get("corruptionCount"),
        "agent_mode": str(flags.get("agent", "false")).lower() == "true",
        "remote_write_receiver": str(flags.get("web.enable-remote-write-receiver", "false")).lower() == "true"
        or "remote-write-receiver" in str(flags.get("enable-feature", "")),
        "wal_compression": str(flags.get("storage.tsdb.wal-compression", "")).lower() == "true",
        # The Thanos sidecar needs local compaction off: min and max block duration equal.
        "fixed_block_duration": bool(flags.get("storage.tsdb.min-block-duration"))
        and flags.get("storage.tsdb.min-block-duration") == flags.get("storage.tsdb.max-block-duration"),
        "flags": {k: str(flags[k])[:200] for k in _FLAGS if k in flags},
    }


def tsdb(client: JsonClient) -> dict[str, Any]:
    """Head series count, top cardinality and how far back the stored data goes."""
    path = "/api/v1/status/tsdb"
    data = api_data(client, path)
    head = data.get("headStats") if isinstance(data, dict) else None
    if not isinstance(head, dict):
        raise ApiError(f"{path}: unexpected answer shape (headStats)", "malformed")
    top = [
        {"name": str(x.get("name", ""))[:200], "series": x.get("value")}
        for x in (data.get("seriesCountByMetricName") or [])[:10]
        if isinstance(x, dict)
    ]
    lowest, blocks, fast, queries, ingest = None, None, None, None, None
    try:
        own = _metrics(
            client,
            {
                "prometheus_tsdb_lowest_timestamp_seconds",
                "prometheus_tsdb_blocks_loaded",
                _QUERY_BUCKET,
                _QUERY_COUNT,
                _APPENDED,
                "process_start_time_seconds",
            },
        )
        if own.get("prometheus_tsdb_lowest_timestamp_seconds"):
            lowest = own["prometheus_tsdb_lowest_timestamp_seconds"][0][1]
        if own.get("prometheus_tsdb_blocks_loaded"):
            blocks = int(own["prometheus_tsdb_blocks_loaded"][0][1])
        fast, queries = _query_latency(own)
        ingest = _ingest_rate(own, time.time())
    except ApiError:
        pass  # /metrics may be hidden behind a proxy; the span and query times then stay unknown
    span = round((time.time() - lowest) / 86400, 2) if lowest else None
    return {
        "head_series": head.get("numSeries"),
        "head_chunks": head.get("chunkCount"),
        "label_pairs": head.get("numLabelPairs"),
        "top_metrics": top,
        "blocks_loaded": blocks,
        "data_span_days": span,
        "api_query_fast_share": fast,
        "api_query_count": queries,
        "samples_appended_per_second": ingest,
    }


_APPENDED = "prometheus_tsdb_head_samples_appended_total"
_MIN_UPTIME_S = 300.0  # a younger process's average says little about its load


def _ingest_rate(own: Mapping[str, list[tuple[dict[str, str], float]]], now: float) -> float | None:
    """Samples appended to the head per second, averaged since the process started.

    `prometheus_tsdb_head_samples_appended_total` counts every sample ingested (scraped, pushed by
    remote write or by rules), one series per sample type in recent releases; over the uptime from
    `process_start_time_seconds` it gives the average reception rate from one read of /metrics.
    Null when either is missing, a value is not finite, or the process is under five minutes old.
    """
    total = [v for _labels, v in own.get(_APPENDED, []) if math.isfinite(v) and v >= 0]
    start = [v for _labels, v in own.get("process_start_time_seconds", []) if math.isfinite(v) and v > 0]
    if not total or not start or now - start[0] < _MIN_UPTIME_S:
        return None
    return round(sum(total) / (now - start[0]), 2)


QUERY_HISTOGRAM = "prometheus_http_request_duration_seconds"
_QUERY_BUCKET, _QUERY_COUNT = QUERY_HISTOGRAM + "_bucket", QUERY_HISTOGRAM + "_count"
_QUERY_HANDLERS = ("/api/v1/query", "/api/v1/query_range")


def _query_latency(own: Mapping[str, list[tuple[dict[str, str], float]]]) -> tuple[float | None, int | None]:
    """The share of API queries answered within a second since start, and how many there were.

    `prometheus_http_request_duration_seconds` is a histogram per HTTP handler, counted since
    Prometheus started, with a bucket at 1 s among its fixed bounds (.1 .2 .4 1 3 8 20 60 120);
    the handlers /api/v1/query and /api/v1/query_range are the queries that dashboards, API
    clients and Grafana send (rule evaluations do not pass through HTTP). The share is exact
    (bucket le="1" over the count), not a percentile estimate. No query yet, or no 1 s bucket
    (custom buckets in a build), leaves the share null.
    """
    within = {h: v for labels, v in own.get(_QUERY_BUCKET, []) if (h := labels.get("handler")) in _QUERY_HANDLERS
              and labels.get("le") in ("1", "1.0", "1e+00") and math.isfinite(v) and v >= 0}  # fmt: skip
    counts = {h: v for labels, v in own.get(_QUERY_COUNT, []) if (h := labels.get("handler")) in _QUERY_HANDLERS
              and math.isfinite(v) and v >= 0}  # fmt: skip
    if not counts:
        return None, None
    total = int(sum(counts.values()))
    if total == 0 or set(within) != set(counts):
        return None, total
    return round(min(1.0, sum(within.values()) / total), 6), total


def alertmanagers(client: JsonClient, fan: Fanout = IN_CALLER) -> list[tuple[str, dict[str, Any]]]:
    """Each active Alertmanager with whether Prometheus actually reaches it.

    Prometheus keeps listing an Alertmanager after it died, so reachability comes from `up`
    (if Prometheus scrapes it) or from its notification counters, never from the list alone.
    """
    path = "/api/v1/alertmanagers"
    data = api_data(client, path)
    active = _list(data.get("activeAlertmanagers") if isinstance(data, dict) else None, path, "activeAlertmanagers")
    dropped = data.get("droppedAlertmanagers") or []
    try:
        counters = _metrics(client, {"prometheus_notifications_errors_total", "prometheus_notifications_sent_total"})
    except ApiError:
        counters = {}
    errors = {lbl.get("alertmanager", ""): v for lbl, v in counters.get("prometheus_notifications_errors_total", [])}
    sent = {lbl.get("alertmanager", ""): v for lbl, v in counters.get("prometheus_notifications_sent_total", [])}
    urls = [str(am.get("url", "")) if isinstance(am, dict) else "" for am in active]

    def up_of(host: str) -> float | None:
        rows = queries.instant(client, f'max(up{{instance="{host}"}})') if host else []
        return rows[0][1] if rows else None

    hosts = [norm.url_host(url) or "" for url in urls]
    out = []
    for url, host, up in zip(urls, hosts, fan.map(up_of, hosts), strict=True):
        e, s = errors.get(url), sent.get(url)
        if up is not None:
            reachable: bool | None = up >= 1
            basis = "up"
        elif s:
            # errors_total counts alerts that failed; sent_total counts every attempt.
            reachable = (e or 0) < s
            basis = "notification counters"
        else:
            reachable, basis = None, "no notification sent yet and not scraped"
        out.append(
            (
                safe_url(url),
                {
                    "host": host,
                    "state": "active",
                    "up": up,
                    "notifications_sent": s,
                    "notification_errors": e,
                    "reachable": reachable,
                    "basis": basis,
                    "dropped_count": len(dropped) if isinstance(dropped, list) else 0,
                },
            )
        )
    return out


def exporters(client: JsonClient, fan: Fanout = IN_CALLER) -> dict[str, Any]:
    """Aggregated facts about what is monitored (a handful of PromQL queries)."""
    return queries.exporter_facts(client, fan)


def slo(client: JsonClient, recording_names: list[str], fan: Fanout = IN_CALLER) -> list[tuple[str, dict[str, Any]]]:
    """Measured availability over the SLO window."""
    return queries.slo_facts(client, recording_names, fan)
