"""alertmanager.yml into facts, shared by the live probe (/api/v2/status) and the file parser.

Only structure is kept: receiver names, integration types, matchers, timings. Integration
settings (URLs, keys, addresses) are never copied.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from probes.prometheus.normalise import as_map, duration_s, url_host

__all__ = ["PAGING_TYPES", "config_facts", "is_alertmanager_config", "receiver_facts", "webhook_target"]

# Integrations that reach the person on call at once: pager services, WeCom (wechat_configs),
# SMS through SNS, incident.io. Chat (Slack, Teams, Telegram) and email are not paging.
PAGING_TYPES = {"pagerduty", "opsgenie", "victorops", "pushover", "wechat", "sns", "incidentio"}
# What a webhook reaches, from its URL's host (or, when the URL is hidden as <secret>, the
# receiver's name). Only the category is kept, never the URL. DingTalk, Feishu/Lark and WeCom
# robots and on-call tools behind webhooks are how many teams (in China above all) are paged.
_WEBHOOK_TARGETS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("dingtalk", re.compile(r"dingtalk|oapi\.dingtalk|(^|[-_.])ding($|[-_.])", re.I)),
    ("feishu", re.compile(r"feishu|larksuite|(^|[-_.])lark($|[-_.])", re.I)),
    ("wecom", re.compile(r"qyapi\.weixin|wecom|weixin|wechat|work[-_]?wx|qywx", re.I)),
    (
        "oncall",
        re.compile(
            r"pagerduty|opsgenie|victorops|splunk-?oncall|on-?call|incident|squadcast|zenduty|firehydrant|"
            r"pagertree|spike\.sh|ilert|signl4|rootly|xmatters|betteruptime|flashduty|pagerteam|alertops",
            re.I,
        ),
    ),
    (
        "automation",
        re.compile(
            r"stackstorm|(^|[-_.])st2|rundeck|awx|ansible|tower|argo-?events|robusta|keptn|n8n|"
            r"remediat|auto-?heal|self-?heal|autofix",
            re.I,
        ),
    ),
)
PAGING_WEBHOOKS = {"dingtalk", "feishu", "wecom", "oncall"}
_DEFAULTS = {"group_wait": 30.0, "group_interval": 300.0, "repeat_interval": 14400.0}


def is_alertmanager_config(doc: Any) -> bool:
    """Whether a YAML document looks like alertmanager.yml."""
    return isinstance(doc, Mapping) and isinstance(doc.get("route"), Mapping) and isinstance(doc.get("receivers"), list)


def _matchers(route: Mapping[str, Any]) -> list[str]:
    out = [str(m)[:200] for m in route.get("matchers") or []]
    for key, op in (("match", "="), ("match_re", "=~")):
        m = route.get(key)
        if isinstance(m, Mapping):
            out.extend(f"{k}{op}{v}"[:200] for k, v in m.items())
    return out


def _label_of(matcher: str) -> str:
    """The label name a matcher tests (`severity="critical"` -> severity)."""
    for i, ch in enumerate(matcher):
        if ch in "=!~":
            return matcher[:i].strip().strip("{")
    return ""


MAX_ROUTE_DEPTH = 32
MAX_ROUTES = 5000


def _walk(route: Mapping[str, Any], inherited: dict[str, Any], path: str, depth: int) -> Iterator[dict[str, Any]]:
    here = dict(inherited)
    for key in ("receiver", "group_by"):
        if route.get(key) is not None:
            here[key] = route[key]
    for key in _DEFAULTS:
        if route.get(key) is not None:
            here[key] = duration_s(route[key])
    yield {
        "path": path,
        "depth": depth,
        "receiver": str(here.get("receiver") or ""),
        "matchers": _matchers(route),
        "continue": bool(route.get("continue")),
        "group_by": [str(g) for g in here.get("group_by") or []],
        "group_wait_s": here["group_wait"],
        "group_interval_s": here["group_interval"],
        "repeat_interval_s": here["repeat_interval"],
        "mute_time_intervals": [str(x) for x in route.get("mute_time_intervals") or []],
        "active_time_intervals": [str(x) for x in route.get("active_time_intervals") or []],
    }
    children = route.get("routes") or []
    if children and depth + 1 > MAX_ROUTE_DEPTH:  # a loop through aliases, or a hostile tree
        raise ValueError(f"routing tree deeper than {MAX_ROUTE_DEPTH} levels at {path}")
    for i, child in enumerate(children):
        if isinstance(child, Mapping):
            yield from _walk(child, here, f"{path}.{i}", depth + 1)


def webhook_target(url: Any, receiver: str) -> str:
    """What a webhook reaches (dingtalk, feishu, wecom, oncall, automation, other)."""
    host = url_host(url) if isinstance(url, str) else None
    for text in (host or "", receiver):
        for category, pattern in _WEBHOOK_TARGETS:
            if text and pattern.search(text[:300]):
                return category
    return "other"


def receiver_facts(rcv: Mapping[str, Any], routed: set[str]) -> tuple[str, dict[str, Any]]:
    """(name, facts) of one receiver: which integration types it notifies through, how many."""
    name = str(rcv.get("name") or "")
    integrations: dict[str, int] = {}
    send_resolved = False
    for key, value in rcv.items():
        if isinstance(key, str) and key.endswith("_configs") and isinstance(value, list) and value:
            integrations[key.removesuffix("_configs")] = len(value)
            send_resolved = send_resolved or any(isinstance(v, Mapping) and v.get("send_resolved") for v in value)
    types = sorted(integrations)
    hooks = rcv.get("webhook_configs")
    targets = sorted(
        {
            webhook_target(h.get("url"), name)
            for h in (hooks if isinstance(hooks, list) else [])
            if isinstance(h, Mapping)
        }
    )
    paging = sorted((set(types) & PAGING_TYPES) | (set(targets) & PAGING_WEBHOOKS))
    return name, {
        "name": name,
        "integration_types": types,
        "integrations": integrations,
        "webhook_targets": targets,
        "paging_types": paging,
        "paging": bool(paging),
        "send_resolved": send_resolved,
        "routed": name in routed,
    }


def _inhibit(rule: Mapping[str, Any]) -> dict[str, Any]:
    def side(prefix: str) -> list[str]:
        out = [str(m)[:200] for m in rule.get(f"{prefix}_matchers") or []]
        for key, op in (("match", "="), ("match_re", "=~")):
            m = rule.get(f"{prefix}_{key}")
            if isinstance(m, Mapping):
                out.extend(f"{k}{op}{v}"[:200] for k, v in m.items())
        return out

    return {"source": side("source"), "target": side("target"), "equal": [str(e) for e in rule.get("equal") or []]}


# Labels of one scrape target: `instance` is the exporter's address (db-01:9100 for node_exporter,
# db-01:9104 for mysqld_exporter) unless relabelling rewrites it, `job` its scrape job.
_TARGET_LABELS = {"instance", "job"}


def _cross_alert(rule: Mapping[str, Any]) -> bool:
    """An inhibit rule relating different alerts (NodeDown mutes the pod alerts on that node),
    not one alert's severities (critical mutes warning with alertname equal)."""
    if "alertname" in rule["equal"] or not rule["target"] or not rule["equal"]:
        return False
    source_names = {m for m in rule["source"] if _label_of(m) == "alertname"}
    if any("InfoInhibitor" in m for m in source_names):
        return False  # kube-prometheus's trick to mute info alerts, not a correlation
    return bool(source_names) and source_names != {m for m in rule["target"] if _label_of(m) == "alertname"}


def _cross_object(rule: Mapping[str, Any]) -> bool:
    """Different alerts joined on a label several objects share (node, host, cluster, namespace,
    service): not on the scrape target alone, which keeps the inhibition within one exporter."""
    return _cross_alert(rule) and bool(set(rule["equal"]) - _TARGET_LABELS)


def _target_keyed(rule: Mapping[str, Any]) -> bool:
    """Different alerts joined on instance/job only: across objects only if relabelling gives
    different exporters the same instance (the host name), which alertmanager.yml does not show."""
    return _cross_alert(rule) and not set(rule["equal"]) - _TARGET_LABELS


# Labels that say how urgent an alert is, not whose it is: a route on them alone assigns no owner.
_URGENCY_LABELS = {"severity", "priority", "urgency", "alertstate"}


def _owner_routes(routes: list[dict[str, Any]], root: str, silent: set[str]) -> list[dict[str, Any]]:
    """Routes that hand a subset of alerts, chosen by what they are (alertname, team, service,
    namespace ... on the route or an ancestor) rather than by urgency alone, to a receiver of
    their own that notifies someone: the routing tree naming who owns those alerts."""
    by_path = {r["path"]: r for r in routes}
    out = []
    for r in routes[1:]:
        labels: set[str] = set()
        path = r["path"]
        while path in by_path and path != "route":
            labels |= {_label_of(m) for m in by_path[path]["matchers"]}
            path = path.rsplit(".", 1)[0]
        if labels - _URGENCY_LABELS - {""} and r["receiver"] and r["receiver"] != root and r["receiver"] not in silent:
            out.append(r)
    return out


def config_facts(doc: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """(config facts, [(receiver name, receiver facts)]) of an alertmanager.yml document."""
    root = as_map(doc.get("route"))
    routes = list(itertools.islice(_walk(root, dict(_DEFAULTS), "route", 0), MAX_ROUTES + 1))
    if len(routes) > MAX_ROUTES:  # aliases can repeat one subtree without end
        raise ValueError(f"more than {MAX_ROUTES} routes in the routing tree")
    routed = {r["receiver"] for r in routes if r["receiver"]}
    receivers = [receiver_facts(r, routed) for r in doc.get("receivers") or [] if isinstance(r, Mapping)]
    inhibit = [_inhibit(r) for r in doc.get("inhibit_rules") or [] if isinstance(r, Mapping)]
    intervals = [
        str(t.get("name"))
        for key in ("time_intervals", "mute_time_intervals")
        for t in doc.get(key) or []
        if isinstance(t, Mapping)
    ]
    types = sorted({t for _, r in receivers for t in r["integration_types"]})
    paging = sorted({t for _, r in receivers for t in r["paging_types"]})
    sev_routes = [r for r in routes[1:] if any("severity" in m or "priority" in m for m in r["matchers"])]
    top = routes[0]
    silent = {n for n, r in receivers if not r["integration_types"]}
    owner_routes = _owner_routes(routes, top["receiver"], silent)
    facts = {
        "receiver": top["receiver"],
        "group_by": top["group_by"],
        "group_wait_s": top["group_wait_s"],
        "group_interval_s": top["group_interval_s"],
        "repeat_interval_s": top["repeat_interval_s"],
        "routes": routes[1:],
        "routes_count": len(routes) - 1,
        "max_depth": max(r["depth"] for r in routes),
        "severity_routes": len(sev_routes),
        "severity_receivers": sorted({r["receiver"] for r in sev_routes}),
        "owner_routes": len(owner_routes),
        "owner_receivers": sorted({r["receiver"] for r in owner_routes}),
        "continue_routes": sum(1 for r in routes if r["continue"]),
        "route_matcher_labels": sorted({_label_of(m) for r in routes for m in r["matchers"]} - {""}),
        "receivers_count": len(receivers),
        "integration_types": types,
        "integration_type_count": len(types),
        "paging_types": paging,
        "webhook_targets": sorted({t for _, r in receivers for t in r["webhook_targets"]}),
        "automation_receivers": sorted(n for n, r in receivers if "automation" in r["webhook_targets"] and r["routed"]),
        "cross_object_inhibit_rules": sum(1 for r in inhibit if _cross_object(r)),
        "target_keyed_inhibit_rules": sum(1 for r in inhibit if _target_keyed(r)),
        "receivers_without_integrations": [n for n, r in receivers if not r["integration_types"]],
        "inhibit_rules": inhibit,
        "inhibit_rules_count": len(inhibit),
        "time_intervals": intervals,
        "routes_with_time_intervals": sum(1 for r in routes if r["mute_time_intervals"] or r["active_time_intervals"]),
        "templates": len(doc.get("templates") or []),
    }
    return facts, receivers
