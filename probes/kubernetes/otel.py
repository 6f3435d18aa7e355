"""OpenTelemetry Operator collectors (`OpenTelemetryCollector`, opentelemetry.io): what a
collector receives, how it processes and where it exports, read from its pipelines.

Only the component *types* used by the pipelines of `service.pipelines` are kept (the collector
ignores components no pipeline names). The configuration itself never becomes evidence: it may
hold endpoints, headers and credentials. v1beta1 holds `spec.config` as an object, v1alpha1 as a
YAML string; a string over MAX_CONFIG_BYTES or that does not parse leaves `config_read` false
and the component lists empty (unknown, not "none").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

__all__ = ["MAX_CONFIG_BYTES", "PUSH_RECEIVERS", "SHAPING_PROCESSORS", "otel_collector_facts"]

MAX_CONFIG_BYTES = 256 * 1024
MAX_COMPONENTS = 64  # of each family; a real collector names a handful

# Receivers that accept data sent to the collector (a reporting endpoint), as opposed to
# receivers that scrape, tail files or pull from a broker (prometheus, filelog, kafka, ...).
PUSH_RECEIVERS = frozenset(
    {
        "otlp",
        "jaeger",
        "zipkin",
        "opencensus",
        "influxdb",
        "prometheusremotewrite",
        "carbon",
        "collectd",
        "statsd",
        "syslog",
        "tcplog",
        "udplog",
        "fluentforward",
        "splunk_hec",
        "skywalking",
        "loki",
        "signalfx",
        "sapm",
        "datadog",
        "awsfirehose",
        "awsxray",
        "webhookevent",
        "wavefront",
    }
)
# Processors that clean, filter or reshape the data itself (ETL's cleansing and transformation),
# as opposed to batching, memory protection, sampling or metadata enrichment.
SHAPING_PROCESSORS = frozenset(
    {
        "transform",
        "filter",
        "attributes",
        "resource",
        "redaction",
        "metricstransform",
        "logstransform",
        "groupbyattrs",
        "span",
        "cumulativetodelta",
        "deltatorate",
        "deltatocumulative",
        "metricsgeneration",
        "schema",
        "logdedup",
        "interval",
    }
)


def _m(obj: Any, key: str) -> Mapping[str, Any]:
    v = obj.get(key) if isinstance(obj, Mapping) else None
    return v if isinstance(v, Mapping) else {}


def _type(component_id: Any) -> str:
    """`otlp/grpc-in` -> `otlp` (a component id is type[/name])."""
    return str(component_id).split("/", 1)[0].strip().lower()


def _config(spec: Mapping[str, Any]) -> Mapping[str, Any] | None:
    raw = spec.get("config")
    if isinstance(raw, Mapping):
        return raw
    if isinstance(raw, str) and 0 < len(raw.encode("utf-8", "replace")) <= MAX_CONFIG_BYTES:
        try:
            doc = yaml.safe_load(raw)
        except yaml.YAMLError:
            return None
        return doc if isinstance(doc, Mapping) else None
    return None


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def otel_collector_facts(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Mode, scale, target OS and the receivers, processors and exporters its pipelines use."""
    meta, spec = _m(obj, "metadata"), _m(obj, "spec")
    mode = str(spec.get("mode") or "deployment").lower()
    scaled = mode in ("deployment", "statefulset")
    set_replicas = _int(spec.get("replicas"))
    replicas = (1 if set_replicas is None else set_replicas) if scaled else None  # 0: scaled to zero
    auto = _m(spec, "autoscaler")
    max_replicas = _int(auto.get("maxReplicas")) or _int(spec.get("maxReplicas"))  # v1alpha1 had it on spec
    autoscaled = scaled and max_replicas is not None and max_replicas > (replicas or 1)
    node_os = _m(spec, "nodeSelector").get("kubernetes.io/os")
    cfg = _config(spec)
    receivers: set[str] = set()
    processors: set[str] = set()
    exporters: set[str] = set()
    signals: set[str] = set()
    tls = False
    if cfg is not None:
        declared_receivers = _m(cfg, "receivers")
        for pid, pipe in list(_m(_m(cfg, "service"), "pipelines").items())[:MAX_COMPONENTS]:
            if not isinstance(pipe, Mapping):
                continue
            signals.add(_type(pid))
            for family, into in (("receivers", receivers), ("processors", processors), ("exporters", exporters)):
                ids = pipe.get(family)
                for cid in ids[:MAX_COMPONENTS] if isinstance(ids, list) else []:
                    into.add(_type(cid))
                    if family == "receivers" and _has_tls(declared_receivers.get(cid)):
                        tls = True
    return {
        "namespace": str(meta.get("namespace") or "default"),
        "name": str(meta.get("name") or ""),
        "mode": mode,
        "replicas": replicas,
        "autoscaled": autoscaled,
        "image": str(spec["image"])[:300] if spec.get("image") else None,
        "node_os": str(node_os).lower() if node_os else None,
        "config_read": cfg is not None,
        "signals": sorted(s for s in signals if s in ("traces", "metrics", "logs", "profiles")),
        "receivers": sorted(receivers),
        "processors": sorted(processors),
        "exporters": sorted(exporters),
        "push_receivers": sorted(receivers & PUSH_RECEIVERS),
        "shaping_processors": sorted(processors & SHAPING_PROCESSORS),
        "receiver_tls": tls,
    }


def _has_tls(conf: Any, depth: int = 0) -> bool:
    """A receiver's configuration declares a `tls` block somewhere (OTLP nests it per protocol)."""
    if not isinstance(conf, Mapping) or depth > 4:
        return False
    if isinstance(conf.get("tls"), Mapping):
        return True
    return any(_has_tls(v, depth + 1) for v in conf.values())
