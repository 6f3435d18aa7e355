"""Read a Loki through its HTTP API: streams by log type, ingestion, retention, ruler rules.

Every call is a GET through the shared JsonClient (auth, retries honouring Retry-After,
deadlines, byte caps). Each function returns plain (subject, data) pairs; the probe turns them
into evidence, one step per group of kinds.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import yaml

from probes.http import ApiError, JsonClient
from probes.loki.classify import SOURCE_LABELS, classify_stream, logql_parsers, logql_unwraps
from probes.prometheus.live import api_data  # Loki answers in the Prometheus API envelope
from probes.prometheus.rulefacts import has_runbook  # the same runbook test as Prometheus alerts
from probes.prometheus.values import duration_s

__all__ = ["api_data", "ingestion", "parse_duration", "retention", "rules", "streams"]

MAX_LABELS = 200  # label names kept in evidence
MAX_EXPR = 2000  # characters of a LogQL expression kept in evidence
MAX_CONFIG = 5_000_000  # characters of /config or /runtime_config parsed
MAX_LABEL_KEYS = 50  # label names of one rule kept in evidence


def parse_duration(value: Any) -> float | None:
    """Hours in a Prometheus-style duration ("744h", "30d", "1w2d"); None when absent or unreadable."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) / 3600.0 / 1e9 if value > 1e12 else float(value) / 3600.0  # nanoseconds or seconds
    text = str(value).strip()
    if text in ("", "0"):
        return 0.0
    seconds = duration_s(text)
    return None if seconds is None else seconds / 3600.0


def _window(hours: float) -> dict[str, str]:
    end = time.time_ns()
    return {"start": str(end - int(hours * 3600 * 1e9)), "end": str(end)}


def _selector(labels: dict[str, str]) -> str:
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return "{" + inner + "}"


def streams(client: JsonClient, hours: float, max_streams: int) -> tuple[list[str], list[dict[str, str]], bool]:
    """(label names, distinct streams, capped) of the window.

    Loki's /series needs a selector; one per label that names what wrote a stream
    (SOURCE_LABELS, else every label) lists every stream carrying that label, and the union is
    every stream a shipper labelled the usual way.
    """
    window = _window(hours)
    names = api_data(client, "/loki/api/v1/labels", window)
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ApiError("/loki/api/v1/labels: unexpected answer shape", "malformed")
    wanted = [n for n in SOURCE_LABELS if n in names] or [n for n in names if not n.startswith("__")][:20]
    seen: dict[str, dict[str, str]] = {}
    capped = False
    for name in wanted:
        rows = api_data(client, "/loki/api/v1/series", {"match[]": f'{{{name}=~".+"}}', **window})
        if not isinstance(rows, list):
            raise ApiError("/loki/api/v1/series: unexpected answer shape", "malformed")
        for row in rows:
            if not isinstance(row, dict):
                raise ApiError("/loki/api/v1/series: unexpected answer shape", "malformed")
            labels = {str(k): str(v) for k, v in row.items()}
            seen.setdefault(_selector(labels), labels)
            if len(seen) >= max_streams:
                capped = True
                break
        if capped:
            break
    return sorted(names)[:MAX_LABELS], list(seen.values()), capped


def log_types(found: list[dict[str, str]], hours: float) -> list[tuple[str, dict[str, Any]]]:
    """One (type, data) per log type that has streams, counted and sampled."""
    by_type: dict[str, list[str]] = {}
    for labels in found:
        by_type.setdefault(classify_stream(labels), []).append(_selector(labels))
    return [
        (kind, {"type": kind, "streams": len(sel), "sample_streams": sorted(sel)[:5], "window_hours": hours})
        for kind, sel in sorted(by_type.items())
    ]


def _scalar(data: Any, path: str) -> float | None:
    if not isinstance(data, dict) or not isinstance(data.get("result"), list):
        raise ApiError(f"{path}: unexpected answer shape (no result)", "malformed")
    result = data["result"]
    if not result:
        return 0.0
    try:
        return float(result[0]["value"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        raise ApiError(f"{path}: unexpected answer shape (sample)", "malformed") from None


def ingestion(client: JsonClient, found: list[dict[str, str]]) -> dict[str, Any]:
    """Lines and bytes per second over 5 minutes, and how long Loki took to answer the first."""
    counts = Counter(k for labels in found for k in labels if k in SOURCE_LABELS) or Counter(
        k for labels in found for k in labels
    )
    if not counts:
        return {"selector": None, "lines_per_second": None, "bytes_per_second": None, "query_seconds": None}
    label = counts.most_common(1)[0][0]
    selector = f'{{{label}=~".+"}}'
    path = "/loki/api/v1/query"
    started = time.monotonic()
    lines = _scalar(api_data(client, path, {"query": f"sum(rate({selector}[5m]))"}), path)
    took = time.monotonic() - started
    size = _scalar(api_data(client, path, {"query": f"sum(bytes_rate({selector}[5m]))"}), path)
    return {"selector": selector, "lines_per_second": lines, "bytes_per_second": size, "query_seconds": round(took, 3)}


def _yaml(text: str, path: str) -> dict[str, Any]:
    if len(text) > MAX_CONFIG:
        raise ApiError(f"{path}: the configuration is larger than {MAX_CONFIG} characters", "malformed")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ApiError(f"{path}: the configuration is not YAML", "malformed") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ApiError(f"{path}: unexpected answer shape", "malformed")
    return doc


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _periods(entries: Any) -> list[float]:
    out: list[float] = []
    for entry in entries if isinstance(entries, list) else []:
        hours = parse_duration(entry.get("period")) if isinstance(entry, dict) else None
        if hours is not None:
            out.append(hours)
    return out


def retention(client: JsonClient) -> dict[str, Any]:
    """Retention facts from /config (effective settings) and /runtime_config (per-tenant overrides)."""
    config = _yaml(client.get_text("/config"), "/config")
    compactor = _dict(config.get("compactor"))
    limits = _dict(config.get("limits_config"))
    stream_periods = _periods(limits.get("retention_stream"))
    overrides: dict[str, Any] = {}
    runtime_read = True
    try:
        runtime = _yaml(client.get_text("/runtime_config"), "/runtime_config")
        overrides = _dict(runtime.get("overrides"))
    except ApiError as exc:
        if exc.category not in ("not_found", "forbidden"):
            raise
        runtime_read = False  # older Loki, or a proxy that hides it: overrides unseen
    tenant_periods: list[float] = []
    tenants = 0
    for tenant in overrides.values():
        if not isinstance(tenant, dict):
            continue
        period = parse_duration(tenant.get("retention_period"))
        streams_of = _periods(tenant.get("retention_stream"))
        if period is not None or streams_of:
            tenants += 1
        if period is not None:
            tenant_periods.append(period)
        stream_periods.extend(streams_of)
    return {
        "retention_enabled": compactor.get("retention_enabled") is True,
        "compactor_configured": bool(compactor.get("working_directory")),
        "retention_period_hours": parse_duration(limits.get("retention_period")),
        "stream_rules": len(limits.get("retention_stream") or [])
        if isinstance(limits.get("retention_stream"), list)
        else 0,
        "stream_periods_hours": sorted(set(stream_periods)),
        "tenant_overrides": tenants,
        "tenant_periods_hours": sorted(set(tenant_periods)),
        "auth_enabled": config.get("auth_enabled") is True,
        "runtime_config_read": runtime_read,
    }


def rules(client: JsonClient) -> list[tuple[str, dict[str, Any]]]:
    """(subject, data) of every ruler rule, from the Prometheus-compatible rules API."""
    path = "/prometheus/api/v1/rules"
    data = api_data(client, path)
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        raise ApiError(f"{path}: unexpected answer shape (groups)", "malformed")
    out: list[tuple[str, dict[str, Any]]] = []
    for g in groups:
        if not isinstance(g, dict) or not isinstance(g.get("rules"), list):
            raise ApiError(f"{path}: unexpected answer shape (group)", "malformed")
        namespace, group = str(g.get("file", "")), str(g.get("name", ""))
        for r in g["rules"]:
            if not isinstance(r, dict):
                raise ApiError(f"{path}: unexpected answer shape (rule)", "malformed")
            expr = str(r.get("query", ""))
            labels = _dict(r.get("labels"))
            notes = _dict(r.get("annotations"))
            kind = "alerting" if r.get("type") == "alerting" else "recording"
            try:
                for_s = float(r.get("duration") or 0) if kind == "alerting" else 0.0
            except (TypeError, ValueError):
                for_s = 0.0
            name = str(r.get("name", ""))
            out.append(
                (
                    f"{namespace}/{group}/{name}",
                    {
                        "namespace": namespace,
                        "group": group,
                        "name": name,
                        "type": kind,
                        "expr": expr[:MAX_EXPR],
                        "parsers": logql_parsers(expr),
                        "unwraps": logql_unwraps(expr),
                        "for_seconds": for_s,
                        "severity": str(labels["severity"]) if "severity" in labels else None,
                        "label_keys": sorted(str(k)[:100] for k in labels)[:MAX_LABEL_KEYS],
                        "has_runbook": has_runbook({str(k): str(v or "") for k, v in notes.items()}),
                        "health": str(r.get("health") or "unknown"),
                    },
                )
            )
    return out
