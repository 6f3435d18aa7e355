"""SLO definitions kept in Git (Sloth, Pyrra, OpenSLO) into one shape per objective: service,
objective in percent, window in days, SLI type and the metrics the SLI reads.

A definition is a *target* and a measurement method, not a measurement: the error-budget and
burn-rate series these tools generate in Prometheus are not availability, and nothing here
reads them. The measured availability stays with the prometheus probe (`prometheus.slo`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from probes.gitops.dashboards import metric_names
from probes.prometheus.normalise import duration_s

__all__ = ["is_slo_document", "slo_facts"]

SLOTH_DEFAULT_WINDOW_DAYS = 30.0  # Sloth's default SLO period
MAX_SLOS = 500


def _m(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def _percent(value: Any, fraction: bool) -> float | None:
    """An objective as a percentage: Sloth and Pyrra write 99.9, OpenSLO 0.999."""
    try:
        f = float(str(value).strip().rstrip("%"))
    except ValueError:
        return None
    if fraction and f <= 1.0:
        f *= 100.0
    return round(f, 6) if 0.0 < f <= 100.0 else None


def _days(value: Any) -> float | None:
    s = duration_s(value)
    return round(s / 86400.0, 4) if s else None


def _queries_metrics(*queries: Any) -> list[str]:
    out: set[str] = set()
    for q in queries:
        if isinstance(q, str):
            out |= metric_names(q)
    return sorted(out)[:50]


def is_slo_document(doc: Any) -> str | None:
    """The tool whose SLO document `doc` is (sloth, pyrra, openslo), or None."""
    if not isinstance(doc, Mapping):
        return None
    api, kind = str(doc.get("apiVersion") or ""), doc.get("kind")
    if api.startswith("sloth.slok.dev/") and kind == "PrometheusServiceLevel":
        return "sloth"
    if "apiVersion" not in doc and str(doc.get("version") or "").startswith("prometheus/") and "slos" in doc:
        return "sloth"
    if api.startswith("pyrra.dev/") and kind == "ServiceLevelObjective":
        return "pyrra"
    if api.startswith("openslo/") and kind == "SLO":
        return "openslo"
    return None


def _sloth(doc: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    spec = _m(doc.get("spec")) if "apiVersion" in doc else doc
    service = str(spec.get("service") or "")
    for slo in (spec.get("slos") or [])[:MAX_SLOS]:
        if not isinstance(slo, Mapping):
            raise ValueError("a Sloth SLO entry is not a mapping")
        sli = _m(slo.get("sli"))
        events, raw, plugin = _m(sli.get("events")), _m(sli.get("raw")), _m(sli.get("plugin"))
        sli_type = "ratio" if events else "raw" if raw else "plugin" if plugin else "unknown"
        alerting = _m(slo.get("alerting"))
        page, ticket = _m(alerting.get("pageAlert")), _m(alerting.get("ticketAlert"))
        yield {
            "name": str(slo.get("name") or ""),
            "service": service,
            "objective_percent": _percent(slo.get("objective"), fraction=False),
            "window_days": SLOTH_DEFAULT_WINDOW_DAYS,
            "sli_type": sli_type,
            "metrics": _queries_metrics(events.get("errorQuery"), events.get("totalQuery"), raw.get("errorRatioQuery")),
            "alerting": bool(alerting) and not (page.get("disable") and ticket.get("disable")),
            "description": bool(slo.get("description")),
        }


def _pyrra(doc: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    meta, spec = _m(doc.get("metadata")), _m(doc.get("spec"))
    labels = _m(meta.get("labels"))
    indicator = _m(spec.get("indicator"))
    sli_type = next((k for k in ("ratio", "latency", "latencyNative", "bool_gauge") if k in indicator), "unknown")
    body = _m(indicator.get(sli_type))
    metrics = [_m(body.get(k)).get("metric") for k in ("errors", "total", "success")] + [body.get("metric")]
    yield {
        "name": str(meta.get("name") or ""),
        "service": str(labels.get("service") or labels.get("app") or labels.get("app.kubernetes.io/name") or ""),
        "objective_percent": _percent(spec.get("target"), fraction=False),
        "window_days": _days(spec.get("window")),
        "sli_type": {"latencyNative": "latency", "bool_gauge": "bool"}.get(sli_type, sli_type),
        "metrics": _queries_metrics(*metrics),
        "alerting": not _m(spec.get("alerting")).get("disabled", False),
        "description": bool(spec.get("description")),
    }


def _openslo(doc: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    meta, spec = _m(doc.get("metadata")), _m(doc.get("spec"))
    windows = [w for w in spec.get("timeWindow") or [] if isinstance(w, Mapping)]
    indicator = _m(_m(spec.get("indicator")).get("spec"))
    sli_type = "ratio" if "ratioMetric" in indicator else "threshold" if "thresholdMetric" in indicator else "unknown"
    if sli_type == "unknown" and spec.get("indicatorRef"):
        sli_type = "reference"
    queries: list[Any] = []
    ratio = _m(indicator.get("ratioMetric"))
    for part in ("good", "bad", "total"):
        source = _m(_m(_m(ratio.get(part)).get("metricSource")).get("spec"))
        queries.append(source.get("query"))
    objectives = [o for o in spec.get("objectives") or [] if isinstance(o, Mapping)] or [{}]
    for i, obj in enumerate(objectives[:MAX_SLOS]):
        yield {
            "name": str(meta.get("name") or "") + (f"/{obj.get('displayName') or i}" if len(objectives) > 1 else ""),
            "service": str(spec.get("service") or ""),
            "objective_percent": _percent(obj.get("target"), fraction=True),
            "window_days": _days(_m(windows[0]).get("duration")) if windows else None,
            "sli_type": sli_type,
            "metrics": _queries_metrics(*queries),
            "alerting": bool(spec.get("alertPolicies")),
            "description": bool(spec.get("description")),
        }


def slo_facts(tool: str, doc: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One facts dict per objective the document defines, each with `tool` set."""
    reader = {"sloth": _sloth, "pyrra": _pyrra, "openslo": _openslo}[tool]
    for facts in reader(doc):
        yield {"tool": tool, **facts}
