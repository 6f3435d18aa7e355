"""Grafana API answers into evidence facts: pure functions, no I/O (the probe fetches).

Every function takes what the server sent (untrusted: any shape) and keeps only structure and
counts: no URL, user, credential, contact address or free text beyond a bounded title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from probes.gitops.dashboards import dashboard_facts, iter_panels
from probes.prometheus.rulefacts import PLATFORM_METRIC, promql_metrics
from probes.prometheus.values import duration_s

__all__ = [
    "alert_rule_facts",
    "annotation_facts",
    "datasource_permission_facts",
    "live_dashboard_facts",
    "notification_facts",
    "role_counts",
]

MAX_DEPTH = 50  # notification policy nesting walked; deeper is cut (and unheard of)
MAX_LISTED = 50
# Datasource references that are not a data source: Grafana's built-ins, the Mixed marker and
# template variables (the variable's value is chosen by the viewer).
_NOT_A_SOURCE = {"-- Mixed --", "-- Grafana --", "-- Dashboard --", "datasource", "grafana", "__expr__", "mixed"}
_COMPARISON = re.compile(r"(>=|<=|==|!=|>|<)\s*-?\d")
# A Grafana ML forecast read back as PromQL: `<forecast metric>:predicted`, whose series are the
# learned prediction and its confidence bounds (label ml_forecast = yhat, yhat_lower, yhat_upper).
_ML_FORECAST = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*:predicted\b")
SEVERITY_KEYS = ("severity", "priority", "level", "sev")


def _map(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _text(v: Any, n: int = 200) -> str:
    return str(v)[:n] if v is not None else ""


def _source_key(ds: Any) -> str | None:
    """A data source reference (object or legacy name) as uid-or-name, None for non-sources."""
    if isinstance(ds, Mapping):
        key = str(ds.get("uid") or ds.get("type") or "")
    elif isinstance(ds, str):
        key = ds
    else:
        return None
    if not key or key in _NOT_A_SOURCE or key.startswith("$") or key.startswith("${"):
        return None
    return key[:100]


def _is_mixed(ds: Any) -> bool:
    if isinstance(ds, Mapping):
        return bool(ds.get("uid") == "-- Mixed --")
    return isinstance(ds, str) and ds == "-- Mixed --"


def live_dashboard_facts(answer: Mapping[str, Any], hit: Mapping[str, Any]) -> dict[str, Any]:
    """Facts of one /api/dashboards/uid/:uid answer (`dashboard` + `meta`) and its search hit."""
    model = _map(answer.get("dashboard"))
    meta = _map(answer.get("meta"))
    facts = dashboard_facts(model, "grafana_api")
    sources: set[str] = set()
    mixed = False
    mixed_sources = 0
    data_links = 0
    forecast_panels = 0
    for p in iter_panels(model):
        panel_mixed = _is_mixed(p.get("datasource"))
        mixed = mixed or panel_mixed
        if (k := _source_key(p.get("datasource"))) is not None:
            sources.add(k)
        panel_sources: set[str] = set()
        for t in _list(p.get("targets")):
            if isinstance(t, Mapping) and (k := _source_key(t.get("datasource"))) is not None:
                panel_sources.add(k)
        sources |= panel_sources
        exprs = (str(_map(t).get("expr") or "")[:20000] for t in _list(p.get("targets")))
        forecast_panels += any(_ML_FORECAST.search(e) for e in exprs)
        # Only a Mixed panel may query several sources at once; elsewhere every query uses the
        # panel's source, however its reference is spelt (a name here, a uid there).
        if panel_mixed:
            mixed_sources = max(mixed_sources, len(panel_sources))
        defaults = _map(_map(p.get("fieldConfig")).get("defaults"))
        data_links += len(_list(defaults.get("links"))) + len(_list(_map(p.get("options")).get("dataLinks")))
    version = model.get("version", meta.get("version"))
    folder = meta.get("folderTitle") or hit.get("folderTitle") or "General"
    return {
        **facts,
        "uid": _text(model.get("uid") or hit.get("uid"), 100) or None,
        "folder": _text(folder),
        "provisioned": bool(meta.get("provisioned")),
        "version": version if isinstance(version, int) and not isinstance(version, bool) else None,
        "updated": _text(meta.get("updated"), 40) or None,
        "data_links": data_links,
        "mixed_datasource": mixed,
        "datasource_count": len(sources),
        "mixed_panel_sources": mixed_sources,
        "ml_forecast_panels": forecast_panels,
    }


def _expression_facts(data: Iterable[Any]) -> tuple[list[str], bool, list[str]]:
    """(expression types, compares with a threshold, uids of the data sources queried)."""
    types: set[str] = set()
    compares = False
    uids: list[str] = []
    for q in data:
        if not isinstance(q, Mapping):
            continue
        model = _map(q.get("model"))
        uid = str(q.get("datasourceUid") or "")
        if uid not in ("__expr__", "-100") and uid:  # -100: the legacy uid of expressions
            uids.append(uid[:100])
            continue
        kind = str(model.get("type") or "")[:40]
        if kind:
            types.add(kind)
        if kind in ("threshold", "classic_conditions"):
            compares = compares or any(
                isinstance(_map(c).get("evaluator"), Mapping) for c in _list(model.get("conditions"))
            )
        elif kind == "math" and _COMPARISON.search(str(model.get("expression") or "")[:2000]):
            compares = True
    return sorted(types), compares, uids


# Data source types whose queries are PromQL (Prometheus, Mimir, Cortex, Thanos and Amazon
# Managed Prometheus all register as one of these).
PROMQL_SOURCES = frozenset(("prometheus", "grafana-amazonprometheus-datasource"))
MAX_PROMQL = 2000


def _promql(data: Iterable[Any], source_types: Mapping[str, str]) -> str:
    """The PromQL of the rule's queries to Prometheus-type data sources, one a line (bounded)."""
    exprs = []
    for q in data:
        if not isinstance(q, Mapping):
            continue
        if source_types.get(str(q.get("datasourceUid") or "")) not in PROMQL_SOURCES:
            continue
        expr = _map(q.get("model")).get("expr")
        if isinstance(expr, str) and expr.strip():
            exprs.append(expr.strip())
    return "\n".join(exprs)[:MAX_PROMQL]


def alert_rule_facts(rule: Mapping[str, Any], source_types: Mapping[str, str]) -> dict[str, Any]:
    """Facts of one alert rule of GET /api/v1/provisioning/alert-rules."""
    types, compares, uids = _expression_facts(_list(rule.get("data")))
    promql = _promql(_list(rule.get("data")), source_types)
    labels = _map(rule.get("labels"))
    notes = _map(rule.get("annotations"))
    severity = next((labels[k] for k in SEVERITY_KEYS if isinstance(labels.get(k), str)), None)
    panel = notes.get("__panelId__")
    return {
        "title": _text(rule.get("title")),
        "folder_uid": _text(rule.get("folderUID"), 100),
        "rule_group": _text(rule.get("ruleGroup")),
        "recording": isinstance(rule.get("record"), Mapping),
        "paused": bool(rule.get("isPaused")),
        "for_s": duration_s(rule.get("for")),
        "expression_types": types,
        "compares_threshold": compares,
        "datasource_types": sorted({source_types.get(u, "unknown") for u in uids}),
        "promql": promql,
        "business_metrics": [m for m in promql_metrics(promql) if not PLATFORM_METRIC.match(m)],
        "label_keys": sorted(str(k)[:100] for k in labels)[:MAX_LISTED],
        "severity": _text(severity, 40) if severity is not None else None,
        "runbook": bool(str(notes.get("runbook_url") or "").strip()),
        "summary": any(str(notes.get(k) or "").strip() for k in ("summary", "description")),
        "dashboard_uid": _text(notes.get("__dashboardUid__"), 100) or None,
        "panel_linked": bool(notes.get("__dashboardUid__")) and panel not in (None, ""),
        "no_data_state": _text(rule.get("noDataState"), 40),
        "exec_err_state": _text(rule.get("execErrState"), 40),
    }


def _walk_routes(route: Mapping[str, Any], depth: int, out: dict[str, Any]) -> None:
    for child in _list(route.get("routes")):
        if not isinstance(child, Mapping):
            continue
        out["routes"] += 1
        if child.get("receiver"):
            out["receivers"].add(str(child["receiver"])[:200])
        out["max_depth"] = max(out["max_depth"], depth)
        for m in _list(child.get("object_matchers")):
            if isinstance(m, list) and m:
                out["labels"].add(str(m[0])[:100])
        for m in _list(child.get("matchers")):  # older answers: "severity=critical" strings
            if isinstance(m, str) and (name := re.split(r"[=!~]", m, maxsplit=1)[0].strip()):
                out["labels"].add(name[:100])
        if depth < MAX_DEPTH:
            _walk_routes(child, depth + 1, out)


def _placeholder(point: Mapping[str, Any]) -> bool:
    """The e-mail contact point every Grafana ships (grafana-default-email) until someone sets an
    address: it notifies nobody. Read here to be left out; the address itself is never kept."""
    addresses = str(_map(point.get("settings")).get("addresses") or "")
    return point.get("type") == "email" and (not addresses.strip() or "example@email.com" in addresses)


def notification_facts(points: list[Any], policy: Mapping[str, Any], mute_timings: int | None) -> dict[str, Any]:
    """Contact points by type (never their settings) and the policy tree's shape."""
    rows = [p for p in points if isinstance(p, Mapping)]
    types = sorted({str(p.get("type") or "")[:40] for p in rows} - {""})
    walked: dict[str, Any] = {"routes": 0, "max_depth": 0, "labels": set(), "receivers": set()}
    if policy.get("receiver"):
        walked["receivers"].add(str(policy["receiver"])[:200])
    _walk_routes(policy, 1, walked)
    # A contact point no policy routes to, or the unconfigured default, sends no alert: only
    # the types alerts can reach count as channels.
    routed = sorted(
        {
            str(p.get("type") or "")[:40]
            for p in rows
            if str(p.get("name") or "")[:200] in walked["receivers"] and not _placeholder(p)
        }
        - {""}
    )
    return {
        "contact_points": len(rows),
        "integration_types": types,
        "integration_type_count": len(types),
        "routed_integration_types": routed,
        "routed_integration_type_count": len(routed),
        "default_receiver": _text(policy.get("receiver")),
        "routes": walked["routes"],
        "max_depth": walked["max_depth"],
        "group_by": [str(g)[:100] for g in _list(policy.get("group_by"))][:MAX_LISTED],
        "matcher_labels": sorted(walked["labels"])[:MAX_LISTED],
        "mute_timings": mute_timings,
    }


def annotation_facts(alerts: list[Any], manual: list[Any], window_days: int, limit: int) -> dict[str, Any]:
    """Counts of annotations in the window (their text, authors and logins are never kept)."""
    rows = [a for a in [*alerts, *manual] if isinstance(a, Mapping)]
    dashboards = {
        str(a.get("dashboardUID") or a.get("dashboardId"))
        for a in rows
        if a.get("dashboardUID") or a.get("dashboardId")
    }
    return {
        "window_days": window_days,
        "alert": sum(1 for a in alerts if isinstance(a, Mapping)),
        "manual": sum(1 for a in manual if isinstance(a, Mapping)),
        "tagged": sum(1 for a in manual if isinstance(a, Mapping) and _list(a.get("tags"))),
        "dashboards_annotated": len(dashboards),
        "capped": len(alerts) >= limit or len(manual) >= limit,
    }


_QUERY_ACTIONS = ("datasources:query", "datasources:write")
_BASIC_ROLES = ("Viewer", "Editor", "Admin", "None")


def datasource_permission_facts(rows: list[Any]) -> dict[str, Any]:
    """Who may query one data source, from GET /api/access-control/datasources/:uid (Grafana
    Enterprise and Cloud): the basic roles granted query, and how many users, teams and service
    accounts hold a managed grant of their own. Logins, names and ids are never kept."""
    roles: set[str] = set()
    grants = 0
    for r in rows:
        if not isinstance(r, Mapping):
            continue
        actions = {str(a) for a in _list(r.get("actions"))}
        allowed = bool(actions & set(_QUERY_ACTIONS)) or str(r.get("permission") or "") in ("Query", "Edit", "Admin")
        if not allowed:
            continue
        role = r.get("builtInRole")
        if isinstance(role, str) and role:
            if role in _BASIC_ROLES:
                roles.add(role)
        elif r.get("isManaged") is True and any(r.get(k) for k in ("userId", "teamId")):
            grants += 1
    return {"query_roles": sorted(roles), "query_grants": grants}


def role_counts(users: Iterable[Any]) -> dict[str, int]:
    """Users per organisation role; a user without a readable role counts as None."""
    out: dict[str, int] = {}
    for u in users:
        if isinstance(u, Mapping):
            role = str(u.get("role") or "None")[:20]
            out[role] = out.get(role, 0) + 1
    return out
